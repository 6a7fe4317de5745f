//! `POST /api/v1/auth/token`, `POST /api/v1/auth/refresh`, `GET /api/v1/auth/me`.
//!
//! Token calls are limited per client address and, for `token`, per API key (`GuardLimit`): each
//! call writes two token rows, so an unlimited caller could fill the table.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::envelope::Envelope;
use super::error::ApiError;
use super::extract::{ApiJson, ClientAddress};
use super::rate_limit::GuardLimit;
use super::{AppState, envelope};
use crate::auth::{self, Principal, TokenPair};

pub fn open_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue_token))
        .routes(routes!(refresh_token))
}

pub fn guarded_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    /// An API key (`ic_live_…`).
    api_key: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RefreshRequest {
    refresh_token: String,
}

/// A short-lived access token and a single-use refresh token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Tokens {
    access_token: String,
    refresh_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Seconds until the access token expires.
    expires_in: i64,
}

/// Who is calling.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Me {
    key_id: uuid::Uuid,
    /// The key's tenant; null for platform keys.
    tenant: Option<String>,
    /// `platform_admin`, `admin`, `analyst` or `viewer`.
    role: &'static str,
    /// `api_key` or `access_token`.
    credential: &'static str,
    /// When the access token expires (null for API keys).
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The external id the tenant's AWS role must require (`sts:ExternalId`) for Infracast to
    /// assume it; null for platform keys.
    aws_external_id: Option<uuid::Uuid>,
}

fn token_body(pair: TokenPair) -> (StatusCode, Json<Envelope<Tokens>>) {
    (
        StatusCode::OK,
        envelope::data(Tokens {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
            token_type: "Bearer",
            expires_in: pair.expires_in,
        }),
    )
}

/// Exchanges an API key for an access token and a refresh token (no auth).
#[utoipa::path(
    post,
    path = "/api/v1/auth/token",
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, body = Envelope<Tokens>),
        (status = 401, response = super::schema::Unauthorized),
        (status = 429, response = super::schema::RateLimited),
    )
)]
async fn issue_token(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<(StatusCode, Json<Envelope<Tokens>>), ApiError> {
    admit_attempt(&state, &client)?;
    // Keyed by the key's hash (never the secret): each key has its own allowance, whichever
    // addresses it comes from.
    let key_hash = hex::encode(auth::hash_secret(request.api_key.trim()));
    admit(&state, GuardLimit::TokenIssuePerKey, &key_hash)?;
    let pair = auth::issue_tokens(&state.pool, request.api_key.trim())
        .await?
        .ok_or_else(|| ApiError::Unauthorized("Invalid or revoked API key".to_string()))?;
    Ok(token_body(pair))
}

/// Exchanges a refresh token (once) for a new pair (no auth).
#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = Envelope<Tokens>),
        (status = 401, response = super::schema::Unauthorized),
        (status = 429, response = super::schema::RateLimited),
    )
)]
async fn refresh_token(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<(StatusCode, Json<Envelope<Tokens>>), ApiError> {
    admit_attempt(&state, &client)?;
    let pair = auth::refresh_tokens(&state.pool, request.refresh_token.trim())
        .await?
        .ok_or_else(|| {
            ApiError::Unauthorized("Invalid, used or expired refresh token".to_string())
        })?;
    Ok(token_body(pair))
}

/// Takes one attempt from the client address's allowance of token and refresh calls.
fn admit_attempt(state: &AppState, client: &str) -> Result<(), ApiError> {
    admit(state, GuardLimit::AuthAttemptsPerClient, client)
}

fn admit(state: &AppState, guard: GuardLimit, key: &str) -> Result<(), ApiError> {
    let decision = state.rate_limits.check_guard(guard, key);
    if decision.allowed {
        return Ok(());
    }
    Err(ApiError::RateLimited {
        retry_after_seconds: decision.retry_after_seconds,
    })
}

/// The caller: key, tenant, role and credential kind.
#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<Me>))
)]
async fn me(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<Envelope<Me>>, ApiError> {
    let aws_external_id = match &principal.tenant_id {
        Some(tenant) => Some(crate::store::tenants::uid(&state.pool, tenant).await?),
        None => None,
    };
    Ok(envelope::data(Me {
        key_id: principal.key_id,
        tenant: principal.tenant_id,
        role: principal.role.as_str(),
        credential: principal.credential.as_str(),
        expires_at: principal.expires_at,
        aws_external_id,
    }))
}
