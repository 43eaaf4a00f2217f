//! Whether the database is usable right now, for `/healthz` and load balancers.

use async_trait::async_trait;

use crate::Result;

#[async_trait]
pub trait HealthStore: Send + Sync {
    /// `Ok` when writes can be taken and a trivial read answers; otherwise
    /// `Unavailable`. Cheap and time-bounded (about a second at most), so a
    /// health probe never hangs while the database is away.
    async fn health(&self) -> Result<()>;
}
