//! The SQL store's health: the writer's state (known without a query), whether
//! the database still takes durable writes, and one trivial read, all bounded
//! in time.
//!
//! Writes are checked without a write per request: a batch that committed in
//! the last [`PROBE_EVERY`] proves it; when the store was idle that long, one
//! probe (an upsert of the single `write_probe` row, through the writer like
//! any command) runs, one at a time, and its answer serves every check for the
//! next [`PROBE_EVERY`].

use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::FutureExt;

use super::SqlStore;
use crate::{Error, HealthStore, Result};

/// A health check answers within about this, whatever the database does.
const PROBE: Duration = Duration::from_secs(1);
/// How long a commit (ours or a probe's) vouches for the database's writes.
pub const PROBE_EVERY: Duration = Duration::from_secs(3);

/// The last write probe: when it ran and what it found.
#[derive(Default)]
pub struct Probe(tokio::sync::Mutex<Option<(Instant, std::result::Result<(), String>)>>);

#[async_trait]
impl HealthStore for SqlStore {
    async fn health(&self) -> Result<()> {
        if let Some(why) = self.writer.stopped() {
            return Err(Error::Unavailable(why.to_owned()));
        }
        if !self.writer.is_connected() {
            return Err(Error::Unavailable("the write connection is down".into()));
        }
        self.can_write().await?;
        match tokio::time::timeout(PROBE, sqlx::query("SELECT 1").execute(&self.read)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(Error::Unavailable(e.to_string())),
            Err(_) => Err(Error::Unavailable(
                "the database did not answer in time".into(),
            )),
        }
    }
}

impl SqlStore {
    /// Whether a durable write went through lately; probes when nothing did.
    async fn can_write(&self) -> Result<()> {
        if self.writer.committed_within(PROBE_EVERY) {
            return Ok(());
        }
        // One probe at a time; whoever waited here reuses its answer.
        let Ok(mut last) = tokio::time::timeout(PROBE, self.probe.0.lock()).await else {
            return Err(Error::Unavailable(
                "the write probe did not answer in time".into(),
            ));
        };
        if let Some((at, found)) = last.as_ref() {
            if at.elapsed() < PROBE_EVERY {
                return found.clone().map_err(Error::Unavailable);
            }
        }
        let now = jiff::Timestamp::now().as_microsecond();
        let write = self.writer.run(move |c| {
            async move {
                sqlx::query(
                    "INSERT INTO write_probe (id, at) VALUES (1, $1) \
                     ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                )
                .bind(now)
                .execute(&mut *c)
                .await?;
                Ok(((), Vec::new()))
            }
            .boxed()
        });
        let found = match tokio::time::timeout(PROBE, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("the database cannot commit: {e}")),
            Err(_) => Err("the database did not commit in time".to_owned()),
        };
        *last = Some((Instant::now(), found.clone()));
        found.map_err(Error::Unavailable)
    }
}
