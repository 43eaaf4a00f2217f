//! `GET /api/v1/centres/{centre}/reports?from=YYYY-MM-DD&to=YYYY-MM-DD&format=json|csv|xlsx`:
//! figures per service day x service x counter x officer (issued, served,
//! no-shows, cancelled, mean wait, mean service time, share called within the
//! service's target, satisfaction) with totals per service, officer and day.
//! Audience: admin.
//! Bad dates are 400 `invalid_date`; a reversed range or one longer than 366
//! days is 422 `invalid_range`; an unknown format is 400 `invalid_format`.

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use luot_domain::ReportRange;
use luot_store::Report;
use serde::Deserialize;

use super::admin::{holidays::parse_date, Admin};
use crate::{
    error::{ApiError, ApiResult, ErrorBody},
    export,
    extract::{Json, Path, Query},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/centres/{centre}/reports", get(report))
        .route("/api/v1/centres/{centre}/reports/dossiers", get(dossiers))
        .route("/api/v1/centres/{centre}/reports/notices", get(notices))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ReportQuery {
    /// First service day, `YYYY-MM-DD`.
    pub from: String,
    /// Last service day (inclusive), `YYYY-MM-DD`; at most 366 days after `from`.
    pub to: String,
    /// `json` (default), `csv` (UTF-8 with BOM) or `xlsx`.
    pub format: Option<String>,
}

/// The report for a range of service days. Audience: admin.
#[utoipa::path(get, path = "/api/v1/centres/{centre}/reports", tag = "reports",
    params(("centre" = String, Path, description = "Centre code"), ReportQuery),
    responses(
        (status = 200, body = Report, description = "JSON; `text/csv` or XLSX with `format`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let ctx = admin.ctx(&state, &centre)?;
    let (range, format) = range_and_format(&q)?;
    let report = state.store.report(&ctx.centre, range).await?;
    let name = format!("luot-{}-{}-{}.{format}", ctx.centre, q.from, q.to);
    Ok(match format {
        "csv" => attachment(&name, CSV, export::csv(&report)),
        "xlsx" => attachment(
            &name,
            XLSX,
            export::xlsx(&report).map_err(ApiError::internal)?,
        ),
        _ => Json(report).into_response(),
    })
}

const CSV: &str = "text/csv; charset=utf-8";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn attachment(name: &str, mime: &'static str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The checked range and format of a report query.
fn range_and_format(q: &ReportQuery) -> ApiResult<(ReportRange, &str)> {
    let from = parse_date("from", &q.from)?;
    let to = parse_date("to", &q.to)?;
    let range = ReportRange::new(from, to).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_range",
            "Khoảng thời gian không hợp lệ: từ ngày phải trước đến ngày, tối đa 366 ngày",
            e.to_string(),
        )
    })?;
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv" | "xlsx") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_format",
            "Định dạng phải là json, csv hoặc xlsx",
            "format must be json, csv or xlsx",
        ));
    }
    Ok((range, format))
}

/// Every dossier code attached in a range of service days, one line each with
/// its ticket, service, officer, times and rating: the shape the provincial
/// one-stop system imports its satisfaction data in. Audience: admin.
#[utoipa::path(get, path = "/api/v1/centres/{centre}/reports/dossiers", tag = "reports",
    params(("centre" = String, Path, description = "Centre code"), ReportQuery),
    responses(
        (status = 200, body = Vec<luot_store::integration::DossierRow>,
            description = "JSON; `text/csv` or XLSX with `format`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn dossiers(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let ctx = admin.ctx(&state, &centre)?;
    let (range, format) = range_and_format(&q)?;
    let rows = state
        .store
        .dossier_report(&ctx.centre, range.from(), range.to())
        .await?;
    let tz = state
        .store
        .centre_setup(&ctx.centre)
        .await?
        .centre
        .tz()
        .map_err(ApiError::internal)?;
    let name = format!("luot-ho-so-{}-{}-{}.{format}", ctx.centre, q.from, q.to);
    Ok(match format {
        "csv" => attachment(&name, CSV, export::dossiers_csv(&rows, &tz)),
        "xlsx" => attachment(
            &name,
            XLSX,
            export::dossiers_xlsx(&rows, &tz).map_err(ApiError::internal)?,
        ),
        _ => Json(rows).into_response(),
    })
}

/// Turn notices ("your turn is near", "called") per service day, service and
/// threshold, by delivery state: sent, failed (gave up after an hour),
/// dropped (the ticket ended or the phone was withdrawn first) and pending.
/// JSON only. Audience: admin.
#[utoipa::path(get, path = "/api/v1/centres/{centre}/reports/notices", tag = "reports",
    params(("centre" = String, Path, description = "Centre code"), ReportQuery),
    responses(
        (status = 200, body = Vec<luot_store::notices::NoticeCount>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn notices(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Json<Vec<luot_store::notices::NoticeCount>>> {
    let ctx = admin.ctx(&state, &centre)?;
    let (range, _) = range_and_format(&q)?;
    Ok(Json(
        state
            .store
            .notice_report(&ctx.centre, range.from(), range.to())
            .await?,
    ))
}
