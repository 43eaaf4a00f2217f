//! Issuing on the kiosk page: through the server while it answers; from the
//! kiosk's leased block once it has been out of reach for `offline_after`.
//! An offline ticket is journalled (synced) first, then queued for the
//! printer, then answered; its status page and image are served here until
//! the server has it.

use super::proxy::unreachable_server;
use super::{error, Local};
use crate::offline::{self, book};
use crate::worker::Job;
use axum::{
    body::Bytes,
    extract::{Path, Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use jiff::Timestamp;
use luot_print::{Lang, Paper, TicketPrint};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Deserialize)]
struct IssueBody {
    service: String,
    #[serde(default)]
    priority: Option<String>,
}

/// `POST /api/v1/centres/{centre}/tickets`.
pub async fn issue(
    State(local): State<Arc<Local>>,
    Path(centre): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if local.reach.down_for() < local.offline_after {
        let deadline = Instant::now() + local.offline_after;
        let path = format!("/api/v1/centres/{centre}/tickets");
        let answer = local
            .forward(Method::POST, &path, &headers, body.clone(), deadline)
            .await;
        match answer {
            // The database behind a live server is down: issue offline too.
            Some(a) if a.status != StatusCode::SERVICE_UNAVAILABLE => return a.into_response(),
            Some(_) => local.reach.failed(),
            None => {}
        }
    }
    let Ok(req) = serde_json::from_slice::<IssueBody>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Yêu cầu không hợp lệ",
            "Malformed request",
        );
    };
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 128)
        .map(str::to_owned);
    issue_offline(&local, &centre, req, key).await
}

async fn issue_offline(
    local: &Local,
    centre: &str,
    req: IssueBody,
    key: Option<String>,
) -> Response {
    // A retried request (same Idempotency-Key) gets the ticket it already has.
    if let Some(key) = &key {
        if let Some((t, b, _)) = local
            .book
            .lock()
            .ok()
            .and_then(|book| book.by_key(key).map(|t| t.token.clone()))
            .and_then(|token| unsynced(local, &token))
        {
            return (StatusCode::CREATED, Json(view(&t, &b, centre))).into_response();
        }
    }
    let token = new_token();
    let (ticket, block, timezone) = {
        let Ok(mut book) = local.book.lock() else {
            return unreachable_server();
        };
        let now = book.now();
        let leases = book.leases().clone();
        let valid = leases
            .valid_until
            .parse::<Timestamp>()
            .is_ok_and(|until| now < until);
        let Some((seq, block)) = book.free_number(&req.service, valid) else {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "no_offline_numbers",
                "Mất kết nối máy chủ và kiosk đã hết số ngoại tuyến: mời công dân chờ hoặc hỏi cán bộ",
                "The server is unreachable and this kiosk has no offline numbers left",
            );
        };
        let block = block.clone();
        let ticket = book::OfflineTicket {
            service: req.service.clone(),
            priority: req.priority.clone(),
            seq,
            number: book::number(&block.prefix, seq),
            token: token.clone(),
            issued_at: now.to_string(),
            key,
        };
        // On disk before anything else: a number handed out is never handed out again.
        if let Err(e) = book.record(ticket.clone()) {
            tracing::error!(error = %e, "cannot journal an offline ticket; not issued");
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "journal_failed",
                "Kiosk không ghi được phiếu: mời hỏi cán bộ",
                "The kiosk cannot record the ticket",
            );
        }
        (ticket, block, leases.timezone)
    };
    local.lease_due();
    tracing::warn!(number = %ticket.number, "server unreachable: ticket issued offline");
    let print = print_of(local, centre, &ticket, &block, &timezone);
    let id = offline::job_id(&ticket.token);
    // Known before the worker can answer, so the page sees it pending, then its outcome.
    local
        .prints
        .queued(id, &ticket.token, &print, ticket.issued_at.clone());
    let job = Job {
        id,
        ticket: Box::new(print),
        // Printed now, for the citizen standing at the kiosk.
        deadline: None,
    };
    if tokio::time::timeout(Duration::from_secs(2), local.jobs.send(job))
        .await
        .map_or(true, |r| r.is_err())
    {
        tracing::error!(number = %ticket.number, "the printer queue is full; offline ticket not printed");
    }
    local.wake.notify_one();
    (StatusCode::CREATED, Json(view(&ticket, &block, centre))).into_response()
}

/// The page's view of an offline ticket: the server's ticket fields plus `offline`.
fn view(t: &book::OfflineTicket, b: &book::Block, centre: &str) -> Value {
    json!({
        "number": t.number,
        "service": t.service,
        "service_name": b.service_name,
        "service_name_en": b.service_name_en,
        "status": "waiting",
        "priority": t.priority,
        "channel": "kiosk",
        "token": t.token,
        "position": 0,
        "eta_minutes": 0,
        "counter": null,
        "recalls": 0,
        "issued_at": t.issued_at,
        "centre": centre,
        "offline": true,
    })
}

/// The centre as the page last read it (`GET /api/v1/centres`), if cached.
fn centre_info(local: &Local, centre: &str) -> Option<Value> {
    let cache = local.cache.lock().ok()?;
    let (_, body) = cache.get("/api/v1/centres")?;
    let list: Vec<Value> = serde_json::from_slice(body).ok()?;
    list.into_iter().find(|c| c["code"] == centre)
}

/// What the printer prints for an offline ticket: marked "ngoại tuyến" beside
/// the time and in the footer; its QR opens the status page once replayed.
fn print_of(
    local: &Local,
    centre: &str,
    t: &book::OfflineTicket,
    b: &book::Block,
    timezone: &str,
) -> TicketPrint {
    let info = centre_info(local, centre).unwrap_or(Value::Null);
    let text = |k: &str| {
        info[k]
            .as_str()
            .filter(|s| !s.trim().is_empty())
            .map(str::to_owned)
    };
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let issued = t
        .issued_at
        .parse::<Timestamp>()
        .map(|ts| ts.to_zoned(tz).strftime("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default();
    let priority_label = t
        .priority
        .as_ref()
        .map(|_| luot_print::priority_label(false).to_owned());
    TicketPrint {
        centre_name: text("name").unwrap_or_default(),
        service_name: b.service_name.clone(),
        number: t.number.clone(),
        priority_label,
        issued_at: format!("{issued} · ngoại tuyến"),
        people_ahead: 0,
        eta_minutes: None,
        qr_url: format!("{}/t/{}", local.server, t.token),
        booking_code: None,
        appointment_time: None,
        hotline: text("hotline"),
        header: None,
        footer: Some(
            "Phiếu ngoại tuyến (cấp khi mất kết nối máy chủ): số của bạn vẫn được gọi theo thứ tự. \
             Mã QR dùng được khi kiosk kết nối lại."
                .into(),
        ),
        header_note: text("address"),
        logo_png: None,
        lang: Lang::Vi,
        documents: None,
        reprint: false,
    }
}

/// A random token like the server's: 22 letters and digits (about 131 bits).
fn new_token() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..22)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// An offline ticket the server does not have yet, by token.
fn unsynced(local: &Local, token: &str) -> Option<(book::OfflineTicket, book::Block, String)> {
    let book = local.book.lock().ok()?;
    let t = book.by_token(token)?.clone();
    if !book.pending().iter().any(|p| p.token == token) {
        return None;
    }
    let leases = book.leases();
    let b = leases
        .blocks
        .iter()
        .find(|b| b.service == t.service && (b.first..=b.last).contains(&t.seq))?
        .clone();
    Some((t, b, leases.timezone.clone()))
}

/// `GET /api/v1/tickets/{token}`: the server's, or the offline ticket not yet synced.
pub async fn status(
    State(local): State<Arc<Local>>,
    Path(token): Path<String>,
    req: Request,
) -> Response {
    if let Some((t, b, _)) = unsynced(&local, &token) {
        return Json(view(&t, &b, "")).into_response();
    }
    super::proxy::passthrough(State(local), req).await
}

/// `GET /api/v1/tickets/{token}/ticket.png`: drawn here for an offline ticket
/// not yet synced, from the same layout the printer gets.
pub async fn preview(
    State(local): State<Arc<Local>>,
    Path(token): Path<String>,
    req: Request,
) -> Response {
    if let Some((t, b, tz)) = unsynced(&local, &token) {
        let centre = local
            .cache
            .lock()
            .ok()
            .and_then(|c| c.get("/api/v1/centres").cloned())
            .and_then(|(_, body)| serde_json::from_slice::<Vec<Value>>(&body).ok())
            .and_then(|l| {
                l.first()
                    .and_then(|c| c["code"].as_str().map(str::to_owned))
            })
            .unwrap_or_default();
        let print = print_of(&local, &centre, &t, &b, &tz);
        let png = tokio::task::spawn_blocking(move || luot_print::render_png(&print, Paper::Mm80))
            .await
            .unwrap_or_default();
        return ([(header::CONTENT_TYPE, "image/png")], png).into_response();
    }
    super::proxy::passthrough(State(local), req).await
}
