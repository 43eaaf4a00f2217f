//! Administration: the commands that change a centre's configuration (settings,
//! services, counters, holidays, the ticket logo) and the figures administrators
//! read back (reports). Every change is one transaction that validates with the
//! domain rules, writes, and appends `ConfigChanged` so displays, kiosks and
//! counters reload; configuration is read on every command, so a change takes
//! effect with the next ticket or call.
//!
//! Numbering rule: a service's prefix and start number may change only while it
//! has issued no ticket in the current service day; otherwise the change is
//! refused with [`Conflict::NumberingInUse`](crate::Conflict::NumberingInUse) and can be made from
//! the next service day (local midnight) on. This keeps every printed number of a
//! day unique and the day's figures (`issued_today`) true.

use async_trait::async_trait;
use jiff::{civil::Date, Timestamp};
use luot_domain::{
    Centre, CentreCode, Counter, CounterNumber, RatingCounts, ReportRange, Service, ServiceCode,
};
use serde::{Deserialize, Serialize};

pub use crate::booking::Holiday;
use crate::{Actor, CentreSummary, Result};

/// Who changes which centre, and when.
#[derive(Debug, Clone)]
pub struct AdminCtx {
    pub centre: CentreCode,
    pub actor: Actor,
    pub now: Timestamp,
    /// The audit entry committed with the change (see crate::audit).
    pub audit: Option<crate::auth::NewAudit>,
}

/// A service as administrators edit it: the domain service plus its place in
/// the lists (kiosk buttons, portal, reports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServiceConfig {
    #[serde(flatten)]
    pub service: Service,
    /// Smaller first; `null` on create appends, on update keeps the current place.
    #[serde(default)]
    pub sort: Option<i64>,
}

/// Everything the admin pages show for one centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AdminConfig {
    pub centre: Centre,
    /// In display order.
    pub services: Vec<ServiceConfig>,
    pub counters: Vec<Counter>,
    pub holidays: Vec<Holiday>,
    /// Whether a ticket logo is set (`GET /api/v1/centres/{centre}/logo`).
    pub has_logo: bool,
}

/// Figures of one service day x service x counter. Tickets never called (still
/// waiting at closing, or cancelled) have `counter: null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportRow {
    #[schema(value_type = String, format = Date)]
    pub day: Date,
    pub service: ServiceCode,
    pub service_name: String,
    pub counter: Option<CounterNumber>,
    pub issued: u32,
    pub served: u32,
    pub no_shows: u32,
    pub cancelled: u32,
    /// Still waiting or called when the service day ended.
    pub expired: u32,
    /// Mean minutes from issue to (last) call, over called tickets.
    pub mean_wait_minutes: Option<f64>,
    /// Mean minutes from start to completion, over served tickets.
    pub mean_service_minutes: Option<f64>,
    /// Ratings given to the row's tickets (a rating counts under the day,
    /// service and counter of the ticket it rates).
    pub ratings: u32,
    /// Those ratings by level.
    pub rating_counts: RatingCounts,
    /// Percent of ratings that are "Rất hài lòng" or "Hài lòng" (one decimal);
    /// null without ratings.
    pub satisfaction: Option<f64>,
    /// Mean rating, 1 (Rất không hài lòng) to 5 (Rất hài lòng), two decimals;
    /// null without ratings.
    pub mean_rating: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    pub centre: CentreSummary,
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// By day, then service order, then counter.
    pub rows: Vec<ReportRow>,
}

/// The administration commands and queries. Every command validates, writes and
/// appends `ConfigChanged` in one transaction.
#[async_trait]
pub trait AdminStore: Send + Sync {
    async fn admin_config(&self, centre: &CentreCode) -> Result<AdminConfig>;
    /// Replaces the centre's settings; the code in `settings` must be the centre's.
    async fn update_centre_settings(&self, ctx: AdminCtx, settings: Centre) -> Result<Centre>;

    /// `Conflict(AlreadyExists)` for a taken code, `DuplicatePrefix` for a prefix
    /// that prints like another service's.
    async fn create_service(&self, ctx: AdminCtx, service: ServiceConfig) -> Result<ServiceConfig>;
    /// Replaces service `code` (the body's code must match). See the numbering rule.
    async fn update_service(
        &self,
        ctx: AdminCtx,
        code: ServiceCode,
        service: ServiceConfig,
    ) -> Result<ServiceConfig>;
    /// Only a service that never issued a ticket; otherwise `InUse` (deactivate it).
    async fn delete_service(&self, ctx: AdminCtx, code: ServiceCode) -> Result<()>;

    /// `UnknownService` when `serves` names a service the centre does not have.
    async fn create_counter(&self, ctx: AdminCtx, counter: Counter) -> Result<Counter>;
    async fn update_counter(
        &self,
        ctx: AdminCtx,
        number: CounterNumber,
        counter: Counter,
    ) -> Result<Counter>;
    /// Only a counter that never called a ticket; otherwise `InUse` (close it).
    async fn delete_counter(&self, ctx: AdminCtx, number: CounterNumber) -> Result<()>;

    async fn holidays(&self, centre: &CentreCode) -> Result<Vec<Holiday>>;
    /// Adds or renames the holiday on `holiday.date`.
    async fn put_holiday(&self, ctx: AdminCtx, holiday: Holiday) -> Result<Holiday>;
    async fn delete_holiday(&self, ctx: AdminCtx, date: Date) -> Result<()>;

    /// The ticket logo (PNG bytes) or none; the caller checks size and format.
    async fn logo(&self, centre: &CentreCode) -> Result<Option<Vec<u8>>>;
    /// The ticket logo's version, none without a logo. Every upload or removal
    /// changes it and a centre never sees a version twice, so a logo converted
    /// for the printer and kept under its version is known current without
    /// reading the PNG.
    async fn logo_version(&self, centre: &CentreCode) -> Result<Option<i64>>;
    async fn set_logo(&self, ctx: AdminCtx, png: Option<Vec<u8>>) -> Result<()>;

    /// Figures per day x service x counter over a range of service days.
    async fn report(&self, centre: &CentreCode, range: ReportRange) -> Result<Report>;
}
