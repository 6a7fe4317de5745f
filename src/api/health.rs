//! `GET /healthz` (readiness: the database answers), `GET /livez` (liveness; both without auth)
//! and `GET /api/v1/status` (database reachable, version, counts).

use axum::extract::State;
use axum::{Extension, Json};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::envelope::Envelope;
use super::error::ApiError;
use super::{AppState, envelope};
use crate::auth::Principal;
use crate::store;

pub fn open_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(livez))
}

pub fn guarded_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(status))
}

/// `{"status": "ok"}` while the process serves (no envelope, no auth).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

const OK: Health = Health { status: "ok" };

/// Whether the database answers, the version and row counts visible to the caller.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Status {
    pub status: &'static str,
    pub version: &'static str,
    pub database: DatabaseStatus,
    pub counts: StatusCounts,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DatabaseStatus {
    pub reachable: bool,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StatusCounts {
    pub tenants: i64,
    pub nodes: i64,
    pub edges: i64,
}

/// Readiness (no auth): 200 when the process serves and its database answers `SELECT 1` within
/// two seconds, else 503 in the error shape. Load balancers should route on this.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses(
        (status = 200, body = Health),
        (status = 503, response = super::schema::Unavailable),
    )
)]
async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    store::ping(&state.pool).await?;
    Ok(Json(OK))
}

/// Liveness (no auth): 200 while the process serves, whatever the database's state. Restart the
/// process only when this fails; `/healthz` says whether it can serve requests.
#[utoipa::path(get, path = "/livez", tag = "health", responses((status = 200, body = Health)))]
async fn livez() -> Json<Health> {
    Json(OK)
}

/// API status with database connectivity.
#[utoipa::path(
    get,
    path = "/api/v1/status",
    tag = "health",
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<Status>))
)]
async fn status(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<Envelope<Status>>, ApiError> {
    let counts = store::counts(&state.pool, principal.tenant_id.as_deref()).await?;
    Ok(envelope::data(Status {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        database: DatabaseStatus { reachable: true },
        counts: StatusCounts {
            tenants: counts.tenants,
            nodes: counts.nodes,
            edges: counts.edges,
        },
    }))
}
