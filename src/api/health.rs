//! `GET /healthz` (readiness: the database answers), `GET /livez` (liveness; both without auth)
//! and `GET /api/v1/status` (database reachable, version, counts).

use axum::extract::State;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::error::ApiError;
use super::openapi::envelope_schema;
use super::{AppState, envelope};
use crate::auth::Principal;
use crate::store;

pub fn open_router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/livez", get(livez))
}

pub fn guarded_router() -> Router<AppState> {
    Router::new().route("/api/v1/status", get(status))
}

/// `{"status": "ok"}` while the process serves (no envelope, no auth).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only.
pub struct Health {
    pub status: String,
}

/// Whether the database answers, the version and row counts visible to the caller.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only.
pub struct Status {
    pub status: String,
    pub version: String,
    pub database: DatabaseStatus,
    pub counts: StatusCounts,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only.
pub struct DatabaseStatus {
    pub reachable: bool,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only.
pub struct StatusCounts {
    pub tenants: i64,
    pub nodes: i64,
    pub edges: i64,
}

envelope_schema!(StatusEnvelope, Status);

/// Readiness (no auth): 200 when the process serves and its database answers `SELECT 1` within
/// two seconds, else 503 in the error shape. Load balancers should route on this.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses(
        (status = 200, body = Health),
        (status = 503, response = super::openapi::Unavailable),
    )
)]
async fn healthz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    store::ping(&state.pool).await?;
    Ok(Json(json!({"status": "ok"})))
}

/// Liveness (no auth): 200 while the process serves, whatever the database's state. Restart the
/// process only when this fails; `/healthz` says whether it can serve requests.
#[utoipa::path(get, path = "/livez", tag = "health", responses((status = 200, body = Health)))]
async fn livez() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// API status with database connectivity.
#[utoipa::path(
    get,
    path = "/api/v1/status",
    tag = "health",
    security(("bearer" = [])),
    responses((status = 200, body = StatusEnvelope))
)]
async fn status(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<Value>, ApiError> {
    let counts = store::counts(&state.pool, principal.tenant_id.as_deref()).await?;
    Ok(envelope::data(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "database": {"reachable": true},
        "counts": {"tenants": counts.tenants, "nodes": counts.nodes, "edges": counts.edges},
    })))
}
