//! Kiosk devices: the print agent's websocket (`luot-kiosk` connects here with
//! its device token), the kiosk's own health for the kiosk page (printer out of
//! paper, agent offline), every kiosk's health for administrators, and a
//! second copy of a ticket (printed "BẢN IN LẠI", audited): asked for by staff,
//! or once by the kiosk's own "In lại phiếu" button within a minute of issue.

use axum::{
    extract::{ws::rejection::WebSocketUpgradeRejection, State, WebSocketUpgrade},
    http::{HeaderMap, StatusCode},
    response::Response,
    routing::{get, post},
    Router,
};
use luot_store::{
    auth::{DeviceKind, DeviceView},
    KioskHealth, PrintJobRecord,
};
use serde::Serialize;
use serde_json::json;
use std::time::Duration;

use crate::{
    auth::{Caller, ClientIp, Device, RequireAdmin, RequireStaff},
    error::{ApiError, ApiResult},
    extract::{Json, Path},
    kiosk_agent::{self, Agent},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/kiosks", get(list))
        .route("/api/v1/kiosks/me", get(me))
        .route("/api/v1/kiosks/{kiosk}/agent", get(agent))
        .route("/api/v1/kiosks/{kiosk}/jobs/{job}/reprint", post(reprint))
        .route(
            "/api/v1/kiosks/me/tickets/{token}/reprint",
            post(reprint_mine),
        )
}

/// The calling kiosk device, whatever its centre.
fn kiosk(caller: &Caller) -> ApiResult<&Device> {
    match caller {
        Caller::Device(d) if d.kind == DeviceKind::Kiosk => Ok(d),
        Caller::Anonymous => Err(ApiError::unauthenticated()),
        _ => Err(ApiError::forbidden(
            "Chỉ thiết bị kiosk được dùng đường dẫn này",
            "Only a kiosk device may use this path",
        )),
    }
}

/// The print agent's connection (protocol: `luot_print::job`). Audience: a
/// kiosk device; `{kiosk}` is `me` or the device's own id.
#[utoipa::path(get, path = "/api/v1/kiosks/{kiosk}/agent", tag = "kiosks",
    params(("kiosk" = String, Path, description = "`me` or the kiosk's device id")),
    responses(
        (status = 101, description = "websocket: print jobs down, acks and printer status up"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "not a kiosk, or another kiosk's id"),
        (status = 426, body = crate::error::ErrorBody, description = "not a websocket request")))]
pub async fn agent(
    State(state): State<AppState>,
    Path(which): Path<String>,
    caller: Caller,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let device = kiosk(&caller)?;
    if which != "me" && which != device.id.to_string() {
        return Err(ApiError::forbidden(
            "Kiosk chỉ nhận lệnh in của chính nó",
            "A kiosk may only take its own print jobs",
        ));
    }
    let ws = ws.map_err(|_| {
        ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            "websocket_required",
            "Đường dẫn này chỉ dùng được qua WebSocket",
            "This path needs a WebSocket connection",
        )
    })?;
    let agent = Agent {
        device_id: device.id,
        centre: device.centre.clone(),
        // The host the agent reached is one the centre's network reaches too,
        // unless the operator configured the public URL.
        base_url: crate::printing::base_url(state.public_url.as_deref(), &headers),
    };
    // One agent per kiosk (a second replaces the first), and each counts
    // against the server's total of live connections like every websocket.
    let slot = state.websockets.take(None)?;
    Ok(ws
        .max_message_size(64 * 1024)
        .on_upgrade(move |socket| async move {
            let _slot = slot;
            kiosk_agent::run(socket, state, agent).await
        }))
}

/// A kiosk as its own page or an administrator sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KioskState {
    pub device: Device,
    /// The print agent's last report; null when `luot-kiosk` never connected.
    pub health: Option<KioskHealth>,
    /// Print jobs not yet acknowledged (also counted while no agent ever connected).
    pub pending_jobs: u32,
    /// The latest jobs and what became of them (`printed`, `unknown`, `failed`,
    /// `expired`, null while pending), newest first: the kiosk page shows the
    /// number in large type when its ticket did not print for sure.
    pub recent_jobs: Vec<PrintJobRecord>,
}

/// Jobs the kiosk page and the admin list look at.
const RECENT_JOBS: u32 = 10;

/// The calling kiosk and its printer, so the kiosk page can warn when the
/// printer is out of paper or the print agent is offline. Audience: a kiosk device.
#[utoipa::path(get, path = "/api/v1/kiosks/me", tag = "kiosks",
    responses((status = 200, body = KioskState), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<KioskState>> {
    let device = kiosk(&caller)?.clone();
    let now = state.now();
    let health = state.store.kiosk_health(&[device.id]).await?.pop();
    let health = health.map(|h| kiosk_agent::as_of(h, now));
    let pending_jobs = pending(&state, device.id).await?;
    let recent_jobs = state
        .store
        .recent_print_jobs(device.id, RECENT_JOBS)
        .await?;
    Ok(Json(KioskState {
        device,
        health,
        pending_jobs,
        recent_jobs,
    }))
}

async fn pending(state: &AppState, device_id: i64) -> ApiResult<u32> {
    let jobs = state.store.pending_print_jobs(device_id, 0).await?;
    Ok(u32::try_from(jobs.len()).unwrap_or(u32::MAX))
}

/// A registered kiosk with its health, for the devices page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KioskListing {
    pub device: DeviceView,
    pub health: Option<KioskHealth>,
    /// Print jobs not yet acknowledged.
    pub pending_jobs: u32,
    /// Recent tickets not confirmed printed (`unknown`, `failed`, `expired`),
    /// newest first, so staff can look out for those citizens.
    pub unconfirmed_jobs: Vec<PrintJobRecord>,
}

/// Every kiosk of the administrator's centres with its agent's connection,
/// printer state, last job and jobs waiting. Audience: admin.
#[utoipa::path(get, path = "/api/v1/kiosks", tag = "kiosks",
    responses((status = 200, body = [KioskListing]), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
) -> ApiResult<Json<Vec<KioskListing>>> {
    let kiosks: Vec<DeviceView> = state
        .store
        .devices()
        .await?
        .into_iter()
        .filter(|d| d.kind == DeviceKind::Kiosk && admin.belongs_to(&d.centre))
        .collect();
    let ids: Vec<i64> = kiosks.iter().map(|d| d.id).collect();
    let mut health = state.store.kiosk_health(&ids).await?;
    let now = state.now();
    let mut out = Vec::with_capacity(kiosks.len());
    for device in kiosks {
        let i = health.iter().position(|h| h.device_id == device.id);
        let health = i.map(|i| kiosk_agent::as_of(health.swap_remove(i), now));
        let pending_jobs = match &health {
            Some(h) => h.pending_jobs,
            None => pending(&state, device.id).await?,
        };
        let unconfirmed_jobs = state
            .store
            .recent_print_jobs(device.id, RECENT_JOBS)
            .await?
            .into_iter()
            .filter(|j| j.outcome.as_deref().is_some_and(|o| o != "printed"))
            .collect();
        out.push(KioskListing {
            device,
            health,
            pending_jobs,
            unconfirmed_jobs,
        });
    }
    Ok(Json(out))
}

/// The second copy queued by [`reprint`].
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Reprinted {
    /// The new print job; it prints marked "BẢN IN LẠI".
    pub job_id: i64,
}

/// Prints a kiosk job's ticket again on the same kiosk, marked "BẢN IN LẠI"
/// under the number, for a citizen whose ticket did not come out (an
/// `unknown` or `failed` job in the kiosk list). Never automatic: each copy is
/// asked for by a person and audited (`print.reprint`). Audience: staff or
/// administrators of the kiosk's centre.
#[utoipa::path(post, path = "/api/v1/kiosks/{kiosk}/jobs/{job}/reprint", tag = "kiosks",
    params(("kiosk" = i64, Path, description = "the kiosk's device id"),
        ("job" = i64, Path, description = "the print job to copy")),
    responses((status = 202, body = Reprinted, description = "queued; the kiosk prints it within seconds"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "another centre's kiosk"),
        (status = 404, body = crate::error::ErrorBody, description = "no such kiosk, or no such job on it")))]
pub async fn reprint(
    State(state): State<AppState>,
    // Who asks first: a stranger gets 401, not a path error.
    RequireStaff(staff): RequireStaff,
    Path((kiosk, job)): Path<(i64, i64)>,
    ip: ClientIp,
) -> ApiResult<(StatusCode, Json<Reprinted>)> {
    let device = state
        .store
        .devices()
        .await?
        .into_iter()
        .find(|d| d.id == kiosk && d.kind == DeviceKind::Kiosk)
        .ok_or_else(|| ApiError::not_found("kiosk"))?;
    if !staff.belongs_to(&device.centre) {
        return Err(ApiError::forbidden(
            "Kiosk này thuộc trung tâm khác",
            "This kiosk belongs to another centre",
        ));
    }
    let details = json!({"kiosk": kiosk, "job": job});
    let audit = state.audit_entry(
        staff.actor(),
        ip,
        "print.reprint",
        Some(&device.centre),
        details,
    );
    let job_id = state
        .store
        .reprint_job(kiosk, job, state.now(), Some(audit))
        .await?;
    tracing::info!(kiosk, job, reprint = job_id, by = %staff.actor(), "reprint queued");
    Ok((StatusCode::ACCEPTED, Json(Reprinted { job_id })))
}

/// How long after a ticket is issued the kiosk's own reprint button works: the
/// citizen is still standing at the kiosk. Later copies are for staff.
pub const KIOSK_REPRINT_WINDOW: Duration = Duration::from_secs(60);

/// The kiosk's "In lại phiếu" button: one more copy of a ticket this kiosk
/// issued, marked "BẢN IN LẠI", when its print went wrong (`unknown` or
/// `failed`), within [`KIOSK_REPRINT_WINDOW`] of issue and once per ticket (no
/// copy of it made yet, by the kiosk or staff). Audited (`print.reprint`, the
/// kiosk as actor). Audience: a kiosk device, for its own tickets.
#[utoipa::path(post, path = "/api/v1/kiosks/me/tickets/{token}/reprint", tag = "kiosks",
    params(("token" = String, Path, description = "the ticket's token")),
    responses((status = 202, body = Reprinted, description = "queued; this kiosk prints it within seconds"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody, description = "not a kiosk device"),
        (status = 404, body = crate::error::ErrorBody, description = "no ticket printed on this kiosk by that token"),
        (status = 409, body = crate::error::ErrorBody,
            description = "`reprint_not_needed` (printed or still printing), `reprint_used` (a copy exists), `reprint_too_late` (over 60 s)")))]
pub async fn reprint_mine(
    State(state): State<AppState>,
    caller: Caller,
    Path(token): Path<String>,
    ip: ClientIp,
) -> ApiResult<(StatusCode, Json<Reprinted>)> {
    let device = kiosk(&caller)?;
    let (job, _, made) = state
        .store
        .job_of_ticket(&token)
        .await?
        .filter(|(_, kiosk, _)| *kiosk == device.id)
        .ok_or_else(|| ApiError::not_found("ticket"))?;
    let now = state.now();
    let window = jiff::SignedDuration::try_from(KIOSK_REPRINT_WINDOW).unwrap_or_default();
    if now.duration_since(made) > window {
        return Err(luot_store::Error::Conflict(luot_store::Conflict::ReprintTooLate).into());
    }
    let details = json!({"kiosk": device.id, "job": job});
    let audit = state.audit_entry(
        device.actor(),
        ip,
        "print.reprint",
        Some(&device.centre),
        details,
    );
    let job_id = state
        .store
        .reprint_job_once(device.id, job, now, Some(audit))
        .await?;
    tracing::info!(
        kiosk = device.id,
        job,
        reprint = job_id,
        "reprint asked at the kiosk"
    );
    Ok((StatusCode::ACCEPTED, Json(Reprinted { job_id })))
}
