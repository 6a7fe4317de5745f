//! `POST /api/v1/auth/token`, `POST /api/v1/auth/refresh`, `GET /api/v1/auth/me`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::extract::ApiJson;
use super::{AppState, envelope};
use crate::auth::{self, Principal, TokenPair};

pub fn open_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/token", post(issue_token))
        .route("/api/v1/auth/refresh", post(refresh_token))
}

pub fn guarded_router() -> Router<AppState> {
    Router::new().route("/api/v1/auth/me", get(me))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    api_key: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshRequest {
    refresh_token: String,
}

fn token_body(pair: TokenPair) -> (StatusCode, Json<Value>) {
    (
        StatusCode::OK,
        envelope::data(json!({
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "token_type": "Bearer",
            "expires_in": pair.expires_in,
        })),
    )
}

async fn issue_token(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let pair = auth::issue_tokens(&state.pool, request.api_key.trim())
        .await?
        .ok_or_else(|| ApiError::Unauthorized("Invalid or revoked API key".to_string()))?;
    Ok(token_body(pair))
}

async fn refresh_token(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let pair = auth::refresh_tokens(&state.pool, request.refresh_token.trim())
        .await?
        .ok_or_else(|| {
            ApiError::Unauthorized("Invalid, used or expired refresh token".to_string())
        })?;
    Ok(token_body(pair))
}

async fn me(Extension(principal): Extension<Principal>) -> Json<Value> {
    envelope::data(json!({
        "key_id": principal.key_id,
        "tenant": principal.tenant_id,
        "role": principal.role.as_str(),
        "credential": principal.credential.as_str(),
        "expires_at": principal.expires_at,
    }))
}
