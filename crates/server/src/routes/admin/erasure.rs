//! `POST /api/v1/admin/centres/{centre}/erasure` `{phone}` or `{id_number}`:
//! a citizen asks the centre to erase their data (Law 91/2025/QH15, the data
//! subject's right to erasure). Everything at the centre that names them goes
//! at once (see `luot_store::RetentionStore::erase_person`), and on SQLite the
//! WAL is truncated afterwards, so the values are in no database file.
//! Audience: admin of the centre; audited as `privacy.erasure` with the counts,
//! never the phone or ID number.

use axum::{extract::State, routing::post, Router};
use luot_domain::{cccd, Phone};
use luot_store::{Erased, Person};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Admin;
use crate::{
    error::{ApiResult, ErrorBody},
    extract::{Json, Path},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/admin/centres/{centre}/erasure", post(erase))
}

/// Whose data: exactly one of the two.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    /// The phone they gave, `0912345678` or `+84912345678`.
    #[serde(default)]
    pub phone: Option<String>,
    /// Their CCCD number (12 digits).
    #[serde(default)]
    pub id_number: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErasureReply {
    /// Records erased in all (0: nothing at this centre named them, or it was
    /// erased already).
    pub erased: u32,
    /// Per kind of record.
    pub by_kind: Erased,
}

fn one_of() -> luot_domain::Error {
    luot_domain::Error::invalid("phone", "give either a phone or an id_number, not both")
}

/// Erases a person's data at the centre, by phone or ID number, and answers
/// how many records were erased. Audience: admin (audited).
#[utoipa::path(post, path = "/api/v1/admin/centres/{centre}/erasure", tag = "admin",
    params(("centre" = String, Path, description = "Centre code")),
    request_body = ErasureRequest,
    responses((status = 200, body = ErasureReply), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "neither or both given, or a malformed phone or ID number")))]
pub async fn erase(
    State(state): State<AppState>,
    admin: Admin,
    Path(centre): Path<String>,
    Json(req): Json<ErasureRequest>,
) -> ApiResult<Json<ErasureReply>> {
    let ctx = admin.ctx(&state, &centre)?;
    let (person, by) = match (req.phone.as_deref(), req.id_number.as_deref()) {
        (Some(p), None) => (Person::Phone(Phone::parse(p)?), "phone"),
        (None, Some(id)) => (
            Person::IdNumber(cccd::parse_id_number(id.trim())?),
            "id_number",
        ),
        _ => return Err(one_of().into()),
    };
    let ctx = admin.audited(ctx, "privacy.erasure", json!({ "by": by }));
    let erased = state.store.erase_person(ctx, person).await?;
    Ok(Json(ErasureReply {
        erased: erased.total(),
        by_kind: erased,
    }))
}
