//! `GET /api/openapi.json`: the API contract, generated from the handlers.

use axum::{routing::get, Json, Router};
use utoipa::OpenApi;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lượt API",
        description = "Queue ticketing and appointments for Vietnamese public administrative service centres."
    ),
    paths(
        super::health::health,
        super::centres::list,
        super::centres::services,
        super::tickets::issue,
        super::tickets::status,
        super::tickets::preview,
        super::counters::call_next,
        super::counters::recall,
        super::counters::start,
        super::counters::complete,
        super::counters::no_show,
        super::counters::transfer,
        super::counters::pause,
        super::counters::resume,
        super::queue::snapshot,
        super::display::display,
        super::display::set_notice,
        super::events::events,
        super::auth::login,
        super::auth::logout,
        super::auth::me,
        super::devices::register,
        super::devices::list,
        super::devices::revoke,
        super::feedback::rate_ticket,
        super::feedback::rate_at_counter,
        super::feedback::today,
        super::audit::list,
        super::kiosks::agent,
        super::kiosks::me,
        super::kiosks::list,
        super::kiosks::reprint,
        super::offline::leases,
        super::offline::replay,
        super::appointments::info,
        super::appointments::slots,
        super::appointments::book,
        super::appointments::lookup,
        super::appointments::cancel,
        super::appointments::calendar,
        super::appointments::qr,
        super::checkin::by_code,
        super::checkin::by_scan,
        super::admin::settings::config,
        super::admin::settings::update,
        super::admin::services::create,
        super::admin::services::update,
        super::admin::services::remove,
        super::admin::counters::create,
        super::admin::counters::update,
        super::admin::counters::remove,
        super::admin::booking::set_settings,
        super::admin::booking::set_rules,
        super::admin::holidays::list,
        super::admin::holidays::upsert,
        super::admin::holidays::remove,
        super::admin::logo::upload,
        super::admin::logo::remove,
        super::admin::logo::download,
        super::admin::staff::list,
        super::admin::staff::create,
        super::admin::staff::update,
        super::admin::staff::remove,
        super::reports::report,
        super::reports::dossiers,
        super::dossiers::attach,
        super::dossiers::of_ticket,
        super::dossiers::evaluation_qr,
        super::admin::webhooks::create,
        super::admin::webhooks::list,
        super::admin::webhooks::remove,
        super::admin::notifier::show,
        super::admin::notifier::set,
        super::admin::notifier::remove,
        super::notices::show,
        super::notices::register,
        super::notices::withdraw,
        super::reports::notices,
        super::stats::live,
    ),
    components(schemas(crate::error::ErrorBody, luot_store::StaffQueue))
)]
pub struct ApiDoc;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/openapi.json",
        get(|| async { Json(ApiDoc::openapi()) }),
    )
}
