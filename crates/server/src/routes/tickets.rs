//! Issuing walk-in tickets and reading a ticket by the token in its QR code.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::{get, post},
    Router,
};
use luot_domain::{Channel, PriorityCode, ServiceCode};
use luot_store::{auth::DeviceKind, IssueTicket, TicketView};
use serde::Deserialize;

use crate::{
    auth::{Caller, ClientIp},
    error::{ApiError, ApiResult},
    extract::{Json, Path, Query},
    state::{centre_code, ticket_token, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/centres/{centre}/tickets", post(issue))
        .route("/api/v1/tickets/{token}", get(status))
        .route("/api/v1/tickets/{token}/ticket.png", get(preview))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct IssueRequest {
    /// Service code, e.g. `A`.
    #[schema(value_type = String)]
    pub service: ServiceCode,
    /// A priority class code of the centre (`elderly`, ...), or null.
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub priority: Option<PriorityCode>,
}

/// The longest Idempotency-Key accepted.
const MAX_KEY_LEN: usize = 128;

/// A key is its caller's (the store keeps keys per actor). Devices and staff
/// are actors of their own; every anonymous caller is `public`, so an
/// anonymous caller's key is also bound to its address: another citizen
/// sending the same key, guessed or read somewhere, gets a ticket of their
/// own, never this one and its token. The address is stored only as an HMAC
/// under a key drawn at start (not reversible from the database); a retry that
/// spans a restart of the server issues a second remote ticket, which the
/// per-address limit and the remote share bound.
fn scoped_key(key: Option<String>, caller: &Caller, ip: &ClientIp) -> Option<String> {
    use hmac::{Hmac, Mac};
    static SALT: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    let salt = SALT.get_or_init(|| {
        use rand::RngCore;
        let mut s = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut s);
        s
    });
    match caller {
        Caller::Anonymous => key.map(|k| {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(salt).expect("any key length");
            mac.update(ip.key().as_bytes());
            let digest = mac.finalize().into_bytes();
            let tag: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
            format!("{tag}/{k}")
        }),
        _ => key,
    }
}

fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v.to_str().ok().filter(|k| {
        !k.is_empty() && k.len() <= MAX_KEY_LEN && k.bytes().all(|b| b.is_ascii_graphic())
    });
    match key {
        Some(k) => Ok(Some(k.to_owned())),
        None => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_idempotency_key",
            "Idempotency-Key phải là 1-128 ký tự ASCII in được",
            "Idempotency-Key must be 1-128 printable ASCII characters",
        )),
    }
}

/// Issues a walk-in ticket. A retry with the same `Idempotency-Key` returns the
/// same ticket and issues nothing new. Audience: a kiosk device of the centre
/// (channel `kiosk`), staff of the centre (channel `counter`), anyone when the
/// centre takes remote tickets (channel `remote`).
#[utoipa::path(post, path = "/api/v1/centres/{centre}/tickets", tag = "tickets",
    params(("centre" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = IssueRequest,
    responses(
        (status = 201, body = TicketView),
        (status = 401, body = crate::error::ErrorBody, description = "no credentials and no remote tickets"),
        (status = 403, body = crate::error::ErrorBody, description = "a device that is not this centre's kiosk"),
        (status = 404, body = crate::error::ErrorBody, description = "unknown centre or service"),
        (status = 409, body = crate::error::ErrorBody, description = "daily cap reached, remote share reached, service closed or inactive"),
        (status = 429, body = crate::error::ErrorBody, description = "too many remote tickets from this address"),
        (status = 422, body = crate::error::ErrorBody, description = "unknown priority class")))]
pub async fn issue(
    State(state): State<AppState>,
    Path(centre): Path<String>,
    caller: Caller,
    ip: ClientIp,
    headers: HeaderMap,
    Json(req): Json<IssueRequest>,
) -> ApiResult<(StatusCode, Json<TicketView>)> {
    let centre = centre_code(&centre)?;
    // A kiosk's ticket is printed on that kiosk: the print job commits with it.
    let mut print_on = None;
    let channel = match &caller {
        Caller::Device(_) => {
            print_on = Some(caller.device(&[DeviceKind::Kiosk], &centre)?.id);
            Channel::Kiosk
        }
        Caller::Staff(_) => {
            caller.staff_of(&centre)?;
            Channel::Counter
        }
        Caller::Anonymous => {
            if !state
                .store
                .centre_setup(&centre)
                .await?
                .centre
                .remote_tickets
            {
                return Err(ApiError::unauthenticated());
            }
            crate::ratelimit::limit(&state.public_limits.remote_tickets, &ip.key())?;
            remote_share(&state, &centre, &req.service).await?;
            Channel::Remote
        }
    };
    // A staff issue is audited: the entry commits with the ticket.
    let audit = match &caller {
        Caller::Staff(s) => {
            let details = serde_json::json!({"service": req.service, "priority": req.priority});
            Some(state.audit_entry(s.actor(), ip, "ticket.issue", Some(&centre), details))
        }
        _ => None,
    };
    let cmd = IssueTicket {
        centre: centre.clone(),
        service: req.service,
        priority: req.priority,
        channel,
        actor: caller.actor(),
        idempotency_key: scoped_key(idempotency_key(&headers)?, &caller, &ip),
        print_on,
        now: state.now(),
        audit,
        any_hour: state.always_open,
    };
    let ticket = state.store.issue_ticket(cmd).await?;
    // Staff hand the citizen a number, never the token of its status page.
    let ticket = match caller {
        Caller::Staff(_) => ticket.for_staff(),
        _ => ticket,
    };
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// 409 `remote_share_reached` once remote tickets have taken their share of the
/// service's daily cap: the rest is kept for citizens at the centre. Checked
/// before the issue, not in its transaction: concurrent remote requests may
/// pass it by a few (each address is limited besides).
async fn remote_share(
    state: &AppState,
    centre: &luot_domain::CentreCode,
    service: &ServiceCode,
) -> ApiResult<()> {
    let services = state.store.services(centre, state.now()).await?;
    let Some(cap) = services
        .iter()
        .find(|s| &s.code == service)
        .and_then(|s| s.daily_cap)
    else {
        return Ok(());
    };
    let most = state.public_limits.remote_cap(cap);
    let taken = state
        .store
        .issued_today(centre, service, Channel::Remote, state.now())
        .await?;
    if taken >= most {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "remote_share_reached",
            "Đã hết số lấy từ xa hôm nay cho lĩnh vực này; vui lòng lấy số tại trung tâm",
            "Remote tickets for this service are used up today; take a ticket at the centre",
        ));
    }
    Ok(())
}

/// A ticket's live status by the token in its QR code. No personal data: a
/// priority class shows only as `priority`. Audience: anyone with the token.
#[utoipa::path(get, path = "/api/v1/tickets/{token}", tag = "tickets",
    params(("token" = String, Path)),
    responses((status = 200, body = TicketView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<TicketView>> {
    ticket_token(&token)?;
    Ok(Json(
        state
            .store
            .ticket_by_token(&token, state.now())
            .await?
            .public(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PreviewQuery {
    /// `58` or `80` (default) millimetre paper.
    pub paper: Option<String>,
    /// `vi` (default) or `en`.
    pub lang: Option<String>,
}

/// The ticket as printed, as a PNG: the same layout the kiosk printer rasterises,
/// with the centre's logo, header and footer. Audience: anyone with the token.
#[utoipa::path(get, path = "/api/v1/tickets/{token}/ticket.png", tag = "tickets",
    params(("token" = String, Path), PreviewQuery),
    responses((status = 200, content_type = "image/png", description = "the ticket"),
        (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PreviewQuery>,
    headers: HeaderMap,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let paper = match q.paper.as_deref() {
        None => luot_print::Paper::Mm80,
        Some(p) => p.parse().map_err(|_| {
            ApiError::bad_request("Khổ giấy phải là 58 hoặc 80", "paper must be 58 or 80")
        })?,
    };
    let lang = match q.lang.as_deref() {
        None | Some("vi") => luot_print::Lang::Vi,
        Some("en") => luot_print::Lang::En,
        Some(_) => {
            return Err(ApiError::bad_request(
                "Ngôn ngữ phải là vi hoặc en",
                "lang must be vi or en",
            ))
        }
    };
    ticket_token(&token)?;
    let ticket = state.store.ticket_by_token(&token, state.now()).await?;
    let centre = state.store.centre(&ticket.centre).await?;
    // The logo converted for this paper, as the kiosk agent sends it: the
    // preview and the paper stay dot for dot the same.
    let logo = state
        .logos
        .get(state.store.as_ref(), &ticket.centre, paper)
        .await;
    let base = crate::printing::base_url(state.public_url.as_deref(), &headers);
    let booking = crate::printing::booking_of(state.store.as_ref(), &ticket).await;
    let documents = crate::printing::documents_of(state.store.as_ref(), &ticket, &centre).await;
    let print = crate::printing::ticket_print(
        &ticket,
        &centre,
        &base,
        lang,
        logo.as_deref().map(Vec::as_slice),
        booking.as_ref(),
        documents,
    );
    // Rendering rasterises text and a QR code: keep it off the async workers.
    let png = tokio::task::spawn_blocking(move || luot_print::render_png(&print, paper))
        .await
        .map_err(ApiError::internal)?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "image/png"),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        png,
    )
        .into_response())
}
