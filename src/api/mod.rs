//! The HTTP adapter: axum routers per resource, DTOs, `ApiError`, paging and rate limits.
//!
//! Handlers extract, make one store/domain call and map to a DTO. Long work is enqueued as a job
//! row; this module never calls `jobs` or `discovery` directly.

mod api_keys;
mod audit;
mod auth_routes;
mod compliance;
mod console;
mod edges;
pub mod envelope;
pub mod error;
pub mod extract;
mod findings;
mod guard;
mod health;
mod internet;
mod jobs;
mod nodes;
pub mod openapi;
mod pathtracer;
pub mod rate_limit;
mod reports;
mod rules;
mod schedules;
pub mod schema;
pub mod server;
mod tenants;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use sqlx::PgPool;
use utoipa_axum::router::OpenApiRouter;

pub use error::ApiError;
pub use guard::{PresentedToken, TenantContext};

/// Validates a tenant slug and plan as the API does (for the CLI).
pub fn validate_tenant(slug: &str, plan: &str) -> Result<(), String> {
    let to_message = |error: ApiError| match error {
        ApiError::Validation(message) => message,
        other => format!("{other:?}"),
    };
    tenants::validate_slug(slug).map_err(to_message)?;
    tenants::validate_plan(plan).map_err(to_message)
}

/// Largest request body accepted (larger bodies get 413).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Cheap-to-clone handles shared by every handler.
#[derive(Clone, Debug)]
pub struct AppState {
    pub pool: PgPool,
    pub rate_limits: Arc<rate_limit::RateLimits>,
    /// Rule metadata by id (title, description, remediation…), shown with findings.
    pub rule_catalog: Arc<std::collections::HashMap<String, serde_json::Value>>,
    /// Whether webhooks may target loopback/private addresses (`INFRACAST_WEBHOOK_ALLOW_PRIVATE=1`).
    pub allow_internal_webhooks: bool,
    /// Per-tenant graph snapshots (and their exposure analysis).
    pub snapshots: Arc<crate::snapshots::GraphSnapshots>,
    /// The loaded rule pack and frameworks.
    pub rule_set: Arc<crate::rules::RuleSet>,
    pub frameworks: Arc<Vec<crate::compliance::Framework>>,
    /// What tenants' discovery jobs may use: the operator's endpoint allow-list, whether the
    /// server's own AWS credentials are lent, the fixture directory.
    pub discovery_policy: crate::model::provider_config::DiscoveryPolicy,
    /// Whether tenants' plan rate limits apply (`INFRACAST_RATE_LIMITS=off` switches them off for
    /// a load benchmark; an operator's environment, never a tenant's input). Guard limits stay on.
    pub plan_rate_limits: bool,
}

impl AppState {
    /// The state over the catalog the process loaded at startup (`Catalog::builtin`).
    pub fn new(pool: PgPool, catalog: crate::compliance::Catalog) -> Self {
        AppState {
            rule_catalog: Arc::new(rule_catalog(&catalog.rules)),
            frameworks: catalog.frameworks,
            rule_set: catalog.rules,
            pool,
            rate_limits: Arc::new(rate_limit::RateLimits::default()),
            allow_internal_webhooks: crate::netguard::internal_targets_allowed_by_environment(),
            snapshots: Arc::new(crate::snapshots::GraphSnapshots::default()),
            discovery_policy: crate::model::provider_config::DiscoveryPolicy::default(),
            plan_rate_limits: rate_limit::plan_limits_enabled_by_environment(),
        }
    }
}

/// The shipped rules as JSON by id (what `GET /rules` and finding details show).
fn rule_catalog(
    rule_set: &crate::rules::RuleSet,
) -> std::collections::HashMap<String, serde_json::Value> {
    rule_set
        .rules()
        .iter()
        .map(|rule| {
            (
                rule.id.clone(),
                serde_json::to_value(rule).unwrap_or_default(),
            )
        })
        .collect()
}

/// The documented routes that answer without credentials.
fn open_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(health::open_router())
        .merge(auth_routes::open_router())
        .merge(openapi::router())
}

/// The documented routes behind the auth guard (and the audit trail of writes).
fn guarded_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(health::guarded_router())
        .merge(auth_routes::guarded_router())
        .merge(tenants::router())
        .merge(api_keys::router())
        .merge(nodes::router())
        .merge(edges::router())
        .merge(jobs::router())
        .merge(findings::router())
        .merge(webhooks::router())
        .merge(pathtracer::router())
        .merge(rules::router())
        .merge(compliance::router())
        .merge(reports::router())
        .merge(schedules::router())
        .merge(audit::router())
}

/// Every documented route with its OpenAPI paths, in the document's frame (what
/// `openapi::document` serves).
fn documented_routes() -> OpenApiRouter<AppState> {
    use utoipa::OpenApi;
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(open_routes())
        .merge(guarded_routes())
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let (guarded, _) = guarded_routes().split_for_parts();
    let guarded = guarded
        // Inside the guard (layers added later run first): it needs the authenticated principal.
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            audit::record_writes,
        ))
        .route_layer(middleware::from_fn_with_state(state.clone(), guard::guard));
    let (open, _) = open_routes().split_for_parts();
    Router::new()
        .merge(open)
        .merge(console::router())
        .merge(guarded)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // A body that trickles in cannot hold a handler: reading it fails after this long.
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            REQUEST_BODY_TIMEOUT,
        ))
        .layer(middleware::from_fn(limit_handling_time))
        .layer(middleware::from_fn(server::reject_long_uris))
        .with_state(state)
}

/// How long a client may take to send a request body.
pub const REQUEST_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// How long a request may take until its answer starts (streams then run on: SSE ends itself).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Answers 503 when a handler has not answered within `REQUEST_TIMEOUT` (long work is a job, so
/// only a stuck dependency gets here); dropping the handler rolls its transaction back.
async fn limit_handling_time(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let target = request.uri().path().to_string();
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::TimedOut(format!(
            "{target} did not answer within {} s",
            REQUEST_TIMEOUT.as_secs()
        ))
        .into_response(),
    }
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".to_string())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
