//! Tenants CRUD under `/api/v1/tenants` (platform admins only).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, QueryParams};
use super::guard::require_platform_admin;
use super::{AppState, envelope};
use crate::auth::Principal;
use crate::store::{self, paging::SortColumn, tenants::Tenant};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenants", get(list).post(create))
        .route(
            "/api/v1/tenants/{tenant}",
            get(read).put(update).delete(delete),
        )
}

const PLANS: &[&str] = &["free", "pro", "enterprise"];

#[derive(Debug, Serialize)]
struct TenantDto {
    id: String,
    name: String,
    plan: String,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<Tenant> for TenantDto {
    fn from(tenant: Tenant) -> Self {
        TenantDto {
            id: tenant.id,
            name: tenant.name,
            plan: tenant.plan,
            created_at: tenant.created_at,
            updated_at: tenant.updated_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateTenant {
    id: String,
    name: String,
    #[serde(default = "default_plan")]
    plan: String,
}

fn default_plan() -> String {
    "free".to_string()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateTenant {
    name: Option<String>,
    plan: Option<String>,
}

/// A tenant slug: 2-63 lowercase letters, digits or `-`, starting and ending alphanumeric.
pub fn validate_slug(slug: &str) -> Result<(), ApiError> {
    let alphanumeric = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let valid = (2..=63).contains(&slug.len())
        && slug.chars().all(|c| alphanumeric(c) || c == '-')
        && slug.starts_with(alphanumeric)
        && slug.ends_with(alphanumeric);
    if valid {
        return Ok(());
    }
    Err(ApiError::Validation(format!(
        "tenant id `{slug}` must be 2-63 lowercase letters, digits or `-`, starting and ending with a letter or digit"
    )))
}

pub fn validate_plan(plan: &str) -> Result<(), ApiError> {
    if PLANS.contains(&plan) {
        return Ok(());
    }
    Err(ApiError::Validation(format!(
        "unknown plan `{plan}`; expected one of: {}",
        PLANS.join(", ")
    )))
}

fn validate_name(name: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() || name.len() > 200 {
        return Err(ApiError::Validation(
            "`name` must be 1-200 characters".to_string(),
        ));
    }
    Ok(())
}

async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    require_platform_admin(&principal)?;
    query.only(&["page", "per_page"])?;
    const BY_ID: &[SortColumn] = &[SortColumn {
        field: "id",
        column: "id",
        sql_type: "text",
    }];
    let sort = query.sort(BY_ID, "id")?;
    let request = query.page_request(&sort)?;
    let page = store::tenants::list(&state.pool, &request).await?;
    Ok(envelope::list(page, &request, TenantDto::from))
}

async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(body): ApiJson<CreateTenant>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_platform_admin(&principal)?;
    validate_slug(&body.id)?;
    validate_name(&body.name)?;
    validate_plan(&body.plan)?;
    let tenant = store::tenants::create(&state.pool, &body.id, body.name.trim(), &body.plan)
        .await
        .map_err(|error| match error {
            store::Error::Conflict(_) => {
                ApiError::Conflict(format!("tenant `{}` already exists", body.id))
            }
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, envelope::data(TenantDto::from(tenant))))
}

async fn read(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiPath(tenant_id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    require_platform_admin(&principal)?;
    let tenant = store::tenants::get(&state.pool, &tenant_id)
        .await
        .map_err(not_found_as_tenant)?;
    Ok(envelope::data(TenantDto::from(tenant)))
}

async fn update(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiPath(tenant_id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateTenant>,
) -> Result<Json<Value>, ApiError> {
    require_platform_admin(&principal)?;
    if let Some(name) = &body.name {
        validate_name(name)?;
    }
    if let Some(plan) = &body.plan {
        validate_plan(plan)?;
    }
    let tenant = store::tenants::update(
        &state.pool,
        &tenant_id,
        body.name.as_deref().map(str::trim),
        body.plan.as_deref(),
    )
    .await
    .map_err(not_found_as_tenant)?;
    Ok(envelope::data(TenantDto::from(tenant)))
}

async fn delete(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiPath(tenant_id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    require_platform_admin(&principal)?;
    store::tenants::delete(&state.pool, &tenant_id)
        .await
        .map_err(not_found_as_tenant)?;
    Ok(StatusCode::NO_CONTENT)
}

fn not_found_as_tenant(error: store::Error) -> ApiError {
    match error {
        store::Error::NotFound => ApiError::not_found("tenant"),
        other => other.into(),
    }
}
