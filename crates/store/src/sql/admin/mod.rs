//! [`AdminStore`] for the SQL store: configuration changes go through the
//! group-commit writer like every other command; reads use the read pool.

use async_trait::async_trait;
use futures::FutureExt;
use jiff::civil::Date;
use luot_domain::{Centre, CentreCode, Counter, CounterNumber, ReportRange, ServiceCode};

use super::SqlStore;
use crate::{AdminConfig, AdminCtx, AdminStore, Holiday, Report, Result, ServiceConfig};

mod config;
pub(super) use config::set_targets;
mod extra;
mod report;

#[async_trait]
impl AdminStore for SqlStore {
    async fn admin_config(&self, centre: &CentreCode) -> Result<AdminConfig> {
        let mut tx = self.read.begin().await?;
        let out = extra::config(&mut tx, centre).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn update_centre_settings(&self, mut ctx: AdminCtx, settings: Centre) -> Result<Centre> {
        self.writer
            .run_audited(ctx.audit.take(), move |c| {
                config::update_settings(c, ctx, settings).boxed()
            })
            .await
    }

    async fn create_service(
        &self,
        mut ctx: AdminCtx,
        service: ServiceConfig,
    ) -> Result<ServiceConfig> {
        self.writer
            .run_audited(ctx.audit.take(), move |c| {
                config::create_service(c, ctx, service).boxed()
            })
            .await
    }

    async fn update_service(
        &self,
        mut ctx: AdminCtx,
        code: ServiceCode,
        service: ServiceConfig,
    ) -> Result<ServiceConfig> {
        self.writer
            .run_audited(ctx.audit.take(), move |c| {
                config::update_service(c, ctx, code, service).boxed()
            })
            .await
    }

    async fn delete_service(&self, mut ctx: AdminCtx, code: ServiceCode) -> Result<()> {
        self.writer
            .run_audited(ctx.audit.take(), move |c| {
                config::delete_service(c, ctx, code).boxed()
            })
            .await
    }

    async fn create_counter(&self, mut ctx: AdminCtx, counter: Counter) -> Result<Counter> {
        self.writer
            .run_audited(ctx.audit.take(), move |c| {
                config::create_counter(c, ctx, counter).boxed()
            })
            .await
    }

    async fn update_counter(
        &self,
        mut ctx: AdminCtx,
        number: CounterNumber,
        counter: Counter,
    ) -> Result<Counter> {
        self.writer
            .run_audited(ctx.audit.take(), move |c| {
                config::update_counter(c, ctx, number, counter).boxed()
            })
            .await
    }

    async fn delete_counter(&self, mut ctx: AdminCtx, number: CounterNumber) -> Result<()> {
        self.writer
            .run_audited(ctx.audit.take(), move |c| {
                config::delete_counter(c, ctx, number).boxed()
            })
            .await
    }

    async fn holidays(&self, centre: &CentreCode) -> Result<Vec<Holiday>> {
        let mut c = self.read().await?;
        let row = super::rows::centre(&mut c, centre).await?;
        extra::holidays(&mut c, row.id).await
    }

    async fn put_holiday(&self, mut ctx: AdminCtx, holiday: Holiday) -> Result<Holiday> {
        self.writer
            .run_audited(ctx.audit.take(), move |c| {
                extra::put_holiday(c, ctx, holiday).boxed()
            })
            .await
    }

    async fn delete_holiday(&self, mut ctx: AdminCtx, date: Date) -> Result<()> {
        self.writer
            .run_audited(ctx.audit.take(), move |c| {
                extra::delete_holiday(c, ctx, date).boxed()
            })
            .await
    }

    async fn logo(&self, centre: &CentreCode) -> Result<Option<Vec<u8>>> {
        extra::logo(&mut *self.read().await?, centre).await
    }

    async fn logo_version(&self, centre: &CentreCode) -> Result<Option<i64>> {
        extra::logo_version(&mut *self.read().await?, centre).await
    }

    async fn set_logo(&self, mut ctx: AdminCtx, png: Option<Vec<u8>>) -> Result<()> {
        self.writer
            .run_audited(ctx.audit.take(), move |c| {
                extra::set_logo(c, ctx, png).boxed()
            })
            .await
    }

    async fn report(&self, centre: &CentreCode, range: ReportRange) -> Result<Report> {
        let mut tx = self.read.begin().await?;
        let out = report::report(&mut tx, centre, range).await?;
        tx.commit().await?;
        Ok(out)
    }
}
