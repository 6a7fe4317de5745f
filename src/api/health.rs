//! `GET /healthz` (no auth) and `GET /api/v1/status` (database reachable, version, counts).

use axum::extract::State;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::error::ApiError;
use super::{AppState, envelope};
use crate::auth::Principal;
use crate::store;

pub fn open_router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

pub fn guarded_router() -> Router<AppState> {
    Router::new().route("/api/v1/status", get(status))
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

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
