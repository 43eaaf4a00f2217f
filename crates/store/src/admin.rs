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

/// Figures of one service day x service x counter x officer. Tickets never
/// called (still waiting at closing, or cancelled) have `counter: null` and
/// `officer: null`.
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
    /// The officer who last called the row's tickets (their username); null
    /// for tickets never called.
    pub officer: Option<String>,
    /// That officer's display name (null if the account is gone).
    pub officer_name: Option<String>,
    /// The service's target waiting time today (null: none set).
    pub target_wait_minutes: Option<u32>,
    /// Tickets called, and of those the ones called within the service's
    /// target wait (counted from issue, or from the slot for an appointment).
    pub target: TargetShare,
    /// The service's target service time (null: none set).
    pub target_service_minutes: Option<u32>,
    /// Tickets served, and of those the ones whose service (start to
    /// completion, as `mean_service_minutes`) took at most the service's
    /// target service time.
    pub service_target: ServiceTargetShare,
}

/// Tickets called and how many of them within their service's target waiting
/// time. Only services with a target count: summed over rows, the share stays
/// true.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TargetShare {
    /// Tickets called whose service has a target.
    pub called: u32,
    /// Of those, called within the target.
    pub within: u32,
    /// `within / called` in percent, one decimal; null when nothing counted.
    pub percent: Option<f64>,
}

/// `within / of` in percent, one decimal; none over zero.
fn share_percent(within: u32, of: u32) -> Option<f64> {
    (of > 0).then(|| (f64::from(within) * 1000.0 / f64::from(of)).round() / 10.0)
}

impl TargetShare {
    pub fn new(called: u32, within: u32) -> Self {
        TargetShare {
            called,
            within,
            percent: share_percent(within, called),
        }
    }
}

impl std::ops::Add for TargetShare {
    type Output = TargetShare;

    fn add(self, other: TargetShare) -> TargetShare {
        TargetShare::new(self.called + other.called, self.within + other.within)
    }
}

/// Tickets served and how many of them within their service's target service
/// time (from start to completion). Only services with a target service time
/// count: summed over rows, the share stays true.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ServiceTargetShare {
    /// Tickets served (started and completed) whose service has a target
    /// service time.
    pub served: u32,
    /// Of those, served within the target.
    pub within: u32,
    /// `within / served` in percent, one decimal; null when nothing counted.
    pub percent: Option<f64>,
}

impl ServiceTargetShare {
    pub fn new(served: u32, within: u32) -> Self {
        ServiceTargetShare {
            served,
            within,
            percent: share_percent(within, served),
        }
    }
}

impl std::ops::Add for ServiceTargetShare {
    type Output = ServiceTargetShare;

    fn add(self, other: ServiceTargetShare) -> ServiceTargetShare {
        ServiceTargetShare::new(self.served + other.served, self.within + other.within)
    }
}

/// Totals of the report's rows per one dimension (a service, an officer or a
/// day): what a centre head is judged on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportTotal {
    /// The service code, the officer's username (empty: never called) or the
    /// day (`YYYY-MM-DD`).
    pub key: String,
    /// The service's or officer's name; the day again for a day.
    pub name: String,
    pub issued: u32,
    pub served: u32,
    pub no_shows: u32,
    pub expired: u32,
    pub target: TargetShare,
    pub service_target: ServiceTargetShare,
}

impl ReportTotal {
    /// Sums `rows` per `key(row)` (with its name), in first-seen order.
    pub fn group<'a>(
        rows: impl IntoIterator<Item = &'a ReportRow>,
        key: impl Fn(&ReportRow) -> (String, String),
    ) -> Vec<ReportTotal> {
        let mut out: Vec<ReportTotal> = Vec::new();
        for r in rows {
            let (k, name) = key(r);
            let i = match out.iter().position(|t| t.key == k) {
                Some(i) => i,
                None => {
                    out.push(ReportTotal {
                        key: k,
                        name,
                        issued: 0,
                        served: 0,
                        no_shows: 0,
                        expired: 0,
                        target: TargetShare::default(),
                        service_target: ServiceTargetShare::default(),
                    });
                    out.len() - 1
                }
            };
            let t = &mut out[i];
            t.issued += r.issued;
            t.served += r.served;
            t.no_shows += r.no_shows;
            t.expired += r.expired;
            t.target = t.target + r.target;
            t.service_target = t.service_target + r.service_target;
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    pub centre: CentreSummary,
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// By day, then service order, then counter, then officer.
    pub rows: Vec<ReportRow>,
    /// The rows summed per service (in service order).
    pub by_service: Vec<ReportTotal>,
    /// The rows summed per officer (keyed by username, in name order; tickets
    /// never called last, under an empty key).
    pub by_officer: Vec<ReportTotal>,
    /// The rows summed per day.
    pub by_day: Vec<ReportTotal>,
}

/// The administration commands and queries. Every command validates, writes and
/// appends `ConfigChanged` in one transaction.
#[async_trait]
pub trait AdminStore: Send + Sync {
    async fn admin_config(&self, centre: &CentreCode) -> Result<AdminConfig>;
    /// Replaces the centre's settings; the code in `settings` must be the centre's.
    async fn update_centre_settings(&self, ctx: AdminCtx, settings: Centre) -> Result<Centre>;

    /// `Conflict(ServiceCodeTaken)` for a taken code, `DuplicatePrefix` for a prefix
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

    /// `UnknownService` when `serves` names a service the centre does not have,
    /// `CounterNumberTaken` for a taken number.
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
