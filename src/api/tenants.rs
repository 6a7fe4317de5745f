//! Tenants CRUD under `/api/v1/tenants` (platform admins only).

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::envelope::{Envelope, ListEnvelope};
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, QueryParams};
use super::guard::require_platform_admin;
use super::schema::{self};
use super::{AppState, envelope};
use crate::auth::Principal;
use crate::store::{self, paging::SortColumn, tenants::Tenant};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, update, delete))
}

const PLANS: &[&str] = &["free", "pro", "enterprise"];

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct TenantDto {
    id: String,
    name: String,
    /// `free`, `pro` or `enterprise` (sets the rate limit).
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateTenant {
    /// 2-63 lowercase letters, digits or `-`, starting and ending with a letter or digit.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$")]
    id: String,
    /// 1-200 characters, not only spaces.
    #[schema(schema_with = name_schema)]
    name: String,
    #[serde(default = "default_plan")]
    /// `free` (the default), `pro` or `enterprise`.
    #[schema(schema_with = plan_schema)]
    plan: String,
}

/// A tenant's plan: one of `PLANS`, what `validate_plan` accepts.
fn plan_schema() -> utoipa::openapi::schema::Schema {
    schema::names_schema(PLANS, Some("free"), false)
}

fn optional_plan_schema() -> utoipa::openapi::schema::Schema {
    schema::names_schema(PLANS, None, true)
}

fn default_plan() -> String {
    "free".to_string()
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateTenant {
    #[schema(schema_with = optional_name_schema)]
    name: Option<String>,
    #[schema(schema_with = optional_plan_schema)]
    plan: Option<String>,
}

fn name_schema() -> utoipa::openapi::schema::Schema {
    schema::text_schema(Some(200), false)
}

fn optional_name_schema() -> utoipa::openapi::schema::Schema {
    schema::text_schema(Some(200), true)
}

/// The query of `GET /api/v1/tenants`: paging only.
struct TenantListQuery;

impl utoipa::IntoParams for TenantListQuery {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        schema::page_parameters()
    }
}

/// `{tenant}` of `/api/v1/tenants/{tenant}`.
struct TenantIdPath;

impl utoipa::IntoParams for TenantIdPath {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        vec![schema::path_parameter("tenant", "Tenant id (slug)")]
    }
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
    if name.trim().is_empty() || name.chars().count() > 200 {
        return Err(ApiError::Validation(
            "`name` must be 1-200 characters".to_string(),
        ));
    }
    Ok(())
}

/// Lists tenants (platform admins).
#[utoipa::path(
    get,
    path = "/api/v1/tenants",
    tag = "tenants",
    params(TenantListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ListEnvelope<TenantDto>),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: QueryParams,
) -> Result<Json<ListEnvelope<TenantDto>>, ApiError> {
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

/// Creates a tenant (platform admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants",
    tag = "tenants",
    request_body = CreateTenant,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Envelope<TenantDto>),
        (status = 403, response = schema::Forbidden),
        (status = 409, response = schema::Conflict),
    )
)]
async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(body): ApiJson<CreateTenant>,
) -> Result<(StatusCode, Json<Envelope<TenantDto>>), ApiError> {
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

/// Gets a tenant (platform admins).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}",
    tag = "tenants",
    params(TenantIdPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Envelope<TenantDto>),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn read(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiPath(tenant_id): ApiPath<String>,
) -> Result<Json<Envelope<TenantDto>>, ApiError> {
    require_platform_admin(&principal)?;
    let tenant = store::tenants::get(&state.pool, &tenant_id)
        .await
        .map_err(not_found_as_tenant)?;
    Ok(envelope::data(TenantDto::from(tenant)))
}

/// Renames a tenant or changes its plan (platform admins).
#[utoipa::path(
    put,
    path = "/api/v1/tenants/{tenant}",
    tag = "tenants",
    params(TenantIdPath),
    request_body = UpdateTenant,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Envelope<TenantDto>),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn update(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiPath(tenant_id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateTenant>,
) -> Result<Json<Envelope<TenantDto>>, ApiError> {
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

/// Deletes a tenant and all its data (platform admins).
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}",
    tag = "tenants",
    params(TenantIdPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn delete(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiPath(tenant_id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    require_platform_admin(&principal)?;
    store::tenants::delete(&state.pool, &tenant_id)
        .await
        .map_err(not_found_as_tenant)?;
    // This process's cached graph goes at once; other processes' entries can never be served
    // again, because a re-created slug starts at a graph generation no snapshot was built at.
    state.snapshots.forget(&tenant_id);
    Ok(StatusCode::NO_CONTENT)
}

fn not_found_as_tenant(error: store::Error) -> ApiError {
    match error {
        store::Error::NotFound => ApiError::not_found("tenant"),
        other => other.into(),
    }
}
