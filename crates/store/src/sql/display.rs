//! [`DisplayStore`] for the SQL store: the notice line and the end of the log.

use async_trait::async_trait;
use futures::FutureExt;
use jiff::Timestamp;
use luot_domain::{CentreCode, Event, EventKind};
use sqlx::AnyConnection;

use super::{events, rows, SqlStore};
use crate::{Actor, DisplayStore, Result};

async fn set_notice(
    c: &mut AnyConnection,
    centre: CentreCode,
    text: String,
    actor: Actor,
    now: Timestamp,
) -> Result<((), Vec<Event>)> {
    let row = rows::centre(c, &centre).await?;
    let text = text.trim().to_owned();
    sqlx::query("UPDATE centres SET notice = $1 WHERE id = $2")
        .bind(&text)
        .bind(row.id)
        .execute(&mut *c)
        .await?;
    let event = events::append(
        c,
        &row,
        EventKind::NoticeChanged { text },
        None,
        None,
        &actor,
        now,
    )
    .await?;
    Ok(((), vec![event]))
}

#[async_trait]
impl DisplayStore for SqlStore {
    async fn set_notice(
        &self,
        centre: &CentreCode,
        text: String,
        actor: Actor,
        now: Timestamp,
    ) -> Result<()> {
        let centre = centre.clone();
        self.writer
            .run(move |c| set_notice(c, centre, text, actor, now).boxed())
            .await
    }

    async fn last_event_id(&self, centre: &CentreCode) -> Result<i64> {
        let mut c = self.read().await?;
        let row = rows::centre(&mut c, centre).await?;
        events::last_id(&mut c, row.id).await
    }
}
