//! The static UIs, embedded in the binary (release builds; debug builds read the
//! folders from disk so a page edit shows on reload). No build step, no CDN.

use axum::{
    extract::Path,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use rust_embed::RustEmbed;

use crate::state::AppState;

#[derive(RustEmbed)]
#[folder = "../../portal-ui"]
struct Portal;
#[derive(RustEmbed)]
#[folder = "../../kiosk-ui"]
struct Kiosk;
#[derive(RustEmbed)]
#[folder = "../../display-ui"]
struct Display;
#[derive(RustEmbed)]
#[folder = "../../counter-ui"]
struct CounterUi;
#[derive(RustEmbed)]
#[folder = "../../admin-ui"]
struct Admin;
/// What every UI shares: API calls, languages, the event stream.
#[derive(RustEmbed)]
#[folder = "../../shared-ui"]
struct Shared;

fn file<E: RustEmbed>(path: &str) -> Response {
    match E::get(path) {
        Some(f) => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            (
                [
                    (header::CONTENT_TYPE, mime.as_ref().to_owned()),
                    // Pages change with the server version; revalidate each time.
                    (header::CACHE_CONTROL, "no-cache".to_owned()),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                ],
                f.data,
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

macro_rules! mount {
    ($router:expr, $prefix:literal, $embed:ty) => {
        $router
            .route($prefix, get(|| async { file::<$embed>("index.html") }))
            .route(
                concat!($prefix, "/{*path}"),
                get(|Path(p): Path<String>| async move { file::<$embed>(&p) }),
            )
    };
}

pub fn router() -> Router<AppState> {
    let r = Router::new()
        .route("/", get(|| async { file::<Portal>("index.html") }))
        .route(
            "/t/{token}",
            get(|| async { file::<Portal>("ticket.html") }),
        )
        .route(
            "/display/counter/{n}",
            get(|| async { file::<Display>("counter.html") }),
        )
        .route(
            "/rate/{counter}",
            get(|| async { file::<CounterUi>("rate.html") }),
        )
        // A new device opens its pairing link here (the token in the fragment).
        .route("/pair", get(|| async { file::<Shared>("pair.html") }));
    let r = mount!(r, "/portal", Portal);
    let r = mount!(r, "/kiosk", Kiosk);
    let r = mount!(r, "/display", Display);
    let r = mount!(r, "/counter", CounterUi);
    let r = mount!(r, "/shared", Shared);
    mount!(r, "/admin", Admin)
}
