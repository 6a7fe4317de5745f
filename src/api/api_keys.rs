//! Tenant API keys: `GET/POST /api/v1/tenants/{tenant}/api-keys`, `DELETE …/api-keys/{key_id}`.
//! The key's secret is in the create answer only.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::envelope::Envelope;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use super::schema::{self, TenantPath};
use super::{AppState, TenantContext, envelope};
use crate::auth::{self, KeyScope, Role};
use crate::store::{self, api_keys::ApiKey};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ApiKeyDto {
    id: Uuid,
    name: String,
    /// `admin`, `analyst` or `viewer`.
    role: String,
    /// The first characters of the key, to recognise it.
    prefix: String,
    created_at: chrono::DateTime<chrono::Utc>,
    revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Present only in the answer that created the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
}

impl ApiKeyDto {
    fn new(key: ApiKey, secret: Option<String>) -> Self {
        ApiKeyDto {
            id: key.key_id,
            name: key.name,
            role: key.role,
            prefix: key.key_prefix,
            created_at: key.created_at,
            revoked_at: key.revoked_at,
            key: secret,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateKey {
    /// `admin`, `analyst` or `viewer`.
    #[schema(schema_with = tenant_role_schema)]
    role: String,
    /// Defaults to `<role> key`.
    #[serde(default)]
    name: Option<String>,
}

/// The roles a tenant key may have (what `Role::parse` accepts, less the platform role).
fn tenant_role_schema() -> utoipa::openapi::schema::Schema {
    let names = [Role::Admin, Role::Analyst, Role::Viewer].map(Role::as_str);
    schema::names_schema(&names, None, false)
}

/// `{tenant}` and `{key_id}`.
struct KeyPath;

impl utoipa::IntoParams for KeyPath {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        vec![
            schema::path_parameter("tenant", "Tenant id (slug)"),
            schema::path_parameter("key_id", "API key id (UUID)"),
        ]
    }
}

/// Lists the tenant's API keys, without secrets (admins).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/api-keys",
    tag = "tenants",
    params(TenantPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Envelope<Vec<ApiKeyDto>>),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn list(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
) -> Result<Json<Envelope<Vec<ApiKeyDto>>>, ApiError> {
    context.require_write()?;
    let keys = store::api_keys::list_keys(&state.pool, context.tenant_id()).await?;
    let dtos: Vec<ApiKeyDto> = keys
        .into_iter()
        .map(|key| ApiKeyDto::new(key, None))
        .collect();
    Ok(envelope::data(dtos))
}

/// Creates an API key; its secret `key` is in this answer only (admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/api-keys",
    tag = "tenants",
    params(TenantPath),
    request_body = CreateKey,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Envelope<ApiKeyDto>),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn create(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiJson(body): ApiJson<CreateKey>,
) -> Result<(StatusCode, Json<Envelope<ApiKeyDto>>), ApiError> {
    context.require_write()?;
    let role = Role::parse(&body.role).map_err(|error| ApiError::Validation(error.to_string()))?;
    if role == Role::PlatformAdmin {
        return Err(ApiError::Validation(
            "tenant keys may have role admin, analyst or viewer".to_string(),
        ));
    }
    let name = body
        .name
        .unwrap_or_else(|| format!("{} key", role.as_str()));
    let scope = KeyScope::Tenant(context.tenant_id().to_string());
    let (key, secret) = auth::create_key(&state.pool, &scope, role, &name).await?;
    Ok((
        StatusCode::CREATED,
        envelope::data(ApiKeyDto::new(key, Some(secret))),
    ))
}

/// Revokes an API key (admins).
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/api-keys/{key_id}",
    tag = "tenants",
    params(KeyPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn revoke(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, key_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    context.require_write()?;
    let key_id = Uuid::parse_str(&key_id).map_err(|_| ApiError::not_found("api key"))?;
    store::api_keys::revoke_key(&state.pool, context.tenant_id(), key_id)
        .await
        .map_err(|error| match error {
            store::Error::NotFound => ApiError::not_found("api key"),
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}
