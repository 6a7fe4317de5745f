//! The web console: the files of `console/dist/` compiled into the binary and served at `/`,
//! with a strict Content-Security-Policy (scripts and styles from this origin only, nothing
//! inline, no framing) on every answer.
//!
//! It serves static files only: no API logic, no credentials, no state. The console talks to the
//! public API under `/api/v1` like any other client. Only the console's own page paths (`PAGES`)
//! answer `index.html`, so an unknown `/api/…` path keeps its JSON `NOT_FOUND` and `/healthz`
//! stays the health check. These are not API operations: they are added with `Router::route` over
//! the tables below rather than `.route("…")` literals, which `tests/api/openapi.rs` reads as the
//! list of documented API operations.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use super::{ApiError, AppState};

/// What the console may load: its own scripts, styles and images; API calls to this origin.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// Client-side pages: the console's router draws them, the server answers `index.html`. Keep in
/// step with `ROUTES` in `console/src/main.js`.
const PAGES: &[&str] = &[
    "/",
    "/signin",
    "/inventory",
    "/nodes/{node_id}",
    "/findings",
    "/findings/{finding_id}",
    "/compliance",
    "/compliance/{framework}",
    "/paths",
    "/exposure",
    "/jobs",
    "/jobs/{job_id}",
    "/reports",
];

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// The bundle under `/assets/{name}` (built by `console/build.mjs`, committed in `console/dist/`).
const ASSETS: &[Asset] = &[
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../console/dist/app.js"),
    },
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../console/dist/app.css"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../console/dist/favicon.svg"),
    },
];

const INDEX_HTML: &[u8] = include_bytes!("../../console/dist/index.html");

/// Entity tags of the assets (by position in `ASSETS`), from their bytes: the names are not
/// fingerprinted, so browsers revalidate (`no-cache`) and get a 304 while the binary is the same.
static ASSET_ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| {
            let digest = Sha256::digest(asset.bytes);
            format!("\"{}\"", hex::encode(&digest[..12]))
        })
        .collect()
});

pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for page in PAGES {
        router = Router::route(router, page, get(index));
    }
    Router::route(router, "/assets/{name}", get(asset))
}

/// Headers every console answer carries.
fn with_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

async fn index() -> Response {
    with_security_headers(
        (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                // The page names the current bundle: always revalidate it.
                (header::CACHE_CONTROL, "no-cache"),
            ],
            INDEX_HTML,
        )
            .into_response(),
    )
}

async fn asset(Path(name): Path<String>, request_headers: HeaderMap) -> Response {
    let Some(position) = ASSETS.iter().position(|asset| asset.name == name) else {
        return ApiError::NotFound("no such console asset".to_string()).into_response();
    };
    let asset = &ASSETS[position];
    let etag = ASSET_ETAGS[position].as_str();
    let unchanged = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let cache_headers = [(header::CACHE_CONTROL, "no-cache"), (header::ETAG, etag)];
    let response = if unchanged {
        (StatusCode::NOT_MODIFIED, cache_headers).into_response()
    } else {
        (
            cache_headers,
            [(header::CONTENT_TYPE, asset.content_type)],
            asset.bytes,
        )
            .into_response()
    };
    with_security_headers(response)
}
