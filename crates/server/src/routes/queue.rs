//! `GET /api/v1/centres/{centre}/queue`: the live picture of a centre. Plain,
//! it is public (displays, anyone) and carries ticket numbers only, whoever
//! asks. With `?view=staff` it is the counter console's view, for staff of the
//! centre only: the same snapshot plus the citizen's name behind each
//! appointment ticket and today's bookings still to check in. The staff view is
//! asked for explicitly, so a public screen in a browser that happens to carry
//! a staff cookie still gets the public part.

use axum::{
    extract::State,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use luot_store::QueueSnapshot;
use serde::Deserialize;

use crate::{
    auth::Caller,
    error::{ApiError, ApiResult},
    extract::{Json, Path, Query},
    state::{centre_code, AppState},
};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/centres/{centre}/queue", get(snapshot))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct QueueQuery {
    /// `public` (the default) or `staff`: staff of the centre only (401/403
    /// otherwise); the reply is a `StaffQueue`, with citizens' names.
    pub view: Option<String>,
}

/// Counters with their current tickets, services with waiting counts, the
/// waiting list in call order and the last calls. Audience: public; with
/// `view=staff`, staff of the centre (the reply is then a `StaffQueue`: these
/// fields plus `booked` and `awaiting_check_in`).
#[utoipa::path(get, path = "/api/v1/centres/{centre}/queue", tag = "queue",
    params(("centre" = String, Path), QueueQuery),
    responses((status = 200, body = QueueSnapshot, description = "with `view=staff`: a `StaffQueue`"),
        (status = 400, body = crate::error::ErrorBody, description = "unknown view"),
        (status = 401, body = crate::error::ErrorBody, description = "staff view without signing in"),
        (status = 403, body = crate::error::ErrorBody, description = "staff view for a device or another centre's staff"),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn snapshot(
    State(state): State<AppState>,
    // Only the staff view looks at the caller: a stale token must not break a
    // public display.
    caller: Result<Caller, ApiError>,
    Path(centre): Path<String>,
    Query(q): Query<QueueQuery>,
) -> ApiResult<Response> {
    match q.view.as_deref() {
        None | Some("public") => {
            let centre = centre_code(&centre)?;
            // Priority classes say something of a person: the public sees
            // only that a ticket has one.
            let queue = state.store.queue(&centre, state.now()).await?.public();
            Ok(Json(queue).into_response())
        }
        Some("staff") => {
            let caller = caller?;
            // 401 before 404: an anonymous caller learns nothing about centres.
            caller.staff()?;
            let centre = centre_code(&centre)?;
            caller.staff_of(&centre)?;
            let view = state.store.staff_queue(&centre, state.now()).await?;
            let mut res = Json(view).into_response();
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            Ok(res)
        }
        Some(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_view",
            "Tham số view phải là public hoặc staff",
            "view must be public or staff",
        )),
    }
}
