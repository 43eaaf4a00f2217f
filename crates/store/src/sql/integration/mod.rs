//! [`IntegrationStore`] over SQL: dossier codes, webhooks (the event log as
//! outbox) and live figures. Commands run in the writer like every other.

mod dossiers;
mod live;
mod webhooks;

use async_trait::async_trait;
use futures::FutureExt;
use jiff::Timestamp;
use luot_domain::CentreCode;

use super::{rows, SqlStore};
use crate::integration::*;
use crate::Result;

#[async_trait]
impl IntegrationStore for SqlStore {
    async fn attach_dossier(&self, mut cmd: AttachDossier) -> Result<Attached> {
        self.writer
            .run_audited(cmd.at.audit.take(), move |c| {
                dossiers::attach(c, cmd).boxed()
            })
            .await
    }

    async fn ticket_dossiers(&self, token: &str) -> Result<TicketDossiers> {
        dossiers::of_ticket(&mut *self.read().await?, token).await
    }

    async fn counter_evaluation(
        &self,
        centre: &CentreCode,
        counter: luot_domain::CounterNumber,
        since: Timestamp,
    ) -> Result<CounterEvaluation> {
        dossiers::last_done_at(&mut *self.read().await?, centre, counter, since).await
    }

    async fn dossier_report(
        &self,
        centre: &CentreCode,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<Vec<DossierRow>> {
        let mut c = self.read().await?;
        let centre = rows::centre(&mut c, centre).await?;
        dossiers::report(&mut c, centre.id, from, to).await
    }

    async fn create_webhook(&self, mut ctx: crate::AdminCtx, hook: NewWebhook) -> Result<i64> {
        self.writer
            .run_audited(ctx.audit.take(), move |c| {
                async move { Ok((webhooks::create(c, &ctx, hook).await?, Vec::new())) }.boxed()
            })
            .await
    }

    async fn webhooks(&self, centre: &CentreCode) -> Result<Vec<Webhook>> {
        webhooks::list(&mut *self.read().await?, centre).await
    }

    async fn delete_webhook(&self, mut ctx: crate::AdminCtx, id: i64) -> Result<()> {
        self.writer
            .run_audited(ctx.audit.take(), move |c| {
                async move { Ok((webhooks::delete(c, &ctx.centre, id).await?, Vec::new())) }.boxed()
            })
            .await
    }

    async fn due_deliveries(&self, now: Timestamp, limit: u32) -> Result<Vec<DueDelivery>> {
        // Most centres have no hooks: a read, not a write, finds that out.
        let any: Option<i64> =
            sqlx::query_scalar("SELECT id FROM webhooks WHERE active = 1 LIMIT 1")
                .fetch_optional(&mut *self.read().await?)
                .await?;
        if any.is_none() {
            return Ok(Vec::new());
        }
        self.writer
            .run(move |c| {
                async move { Ok((webhooks::due(c, now, limit).await?, Vec::new())) }.boxed()
            })
            .await
    }

    async fn record_attempt(&self, id: i64, result: AttemptResult, now: Timestamp) -> Result<()> {
        self.writer
            .run(move |c| {
                async move { Ok((webhooks::record(c, id, result, now).await?, Vec::new())) }.boxed()
            })
            .await
    }

    async fn live_stats(&self, centre: &CentreCode, now: Timestamp) -> Result<LiveStats> {
        live::stats(&mut *self.read().await?, centre, now).await
    }
}
