//! The SQL store's health: the writer's connection state (known without a
//! query) and one trivial read, bounded in time.

use std::time::Duration;

use async_trait::async_trait;

use super::SqlStore;
use crate::{Error, HealthStore, Result};

/// A health probe answers within this, whatever the database does.
const PROBE: Duration = Duration::from_secs(1);

#[async_trait]
impl HealthStore for SqlStore {
    async fn health(&self) -> Result<()> {
        if !self.writer.is_connected() {
            return Err(Error::Unavailable("the write connection is down".into()));
        }
        match tokio::time::timeout(PROBE, sqlx::query("SELECT 1").execute(&self.read)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(Error::Unavailable(e.to_string())),
            Err(_) => Err(Error::Unavailable(
                "the database did not answer in time".into(),
            )),
        }
    }
}
