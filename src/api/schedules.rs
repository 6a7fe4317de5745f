//! Schedules under `/api/v1/tenants/{tenant}/schedules`: a cron expression and a job template;
//! create, list, get, delete, enable, disable.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::envelope::Envelope;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use super::jobs::{JobRequest, job_request_schema, validate_job_request};
use super::schema::{self as openapi, TenantPath, path_params};
use super::{AppState, TenantContext, envelope};
use crate::model::Schedule;
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, delete))
        .routes(routes!(enable))
        .routes(routes!(disable))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ScheduleDto {
    id: Uuid,
    name: String,
    cron: String,
    /// The job template: `{"provider", "config"}`.
    job: Value,
    enabled: bool,
    /// When it fires next; null while the schedule is disabled.
    next_run_at: Option<chrono::DateTime<chrono::Utc>>,
    last_run_at: Option<chrono::DateTime<chrono::Utc>>,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<Schedule> for ScheduleDto {
    fn from(schedule: Schedule) -> Self {
        ScheduleDto {
            id: schedule.schedule_id,
            name: schedule.name,
            cron: schedule.cron,
            job: schedule.job_template,
            enabled: schedule.enabled,
            next_run_at: schedule.enabled.then_some(schedule.next_run_at),
            last_run_at: schedule.last_run_at,
            created_at: schedule.created_at,
            updated_at: schedule.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateSchedule {
    /// Defaults to `<provider> discovery`.
    name: Option<String>,
    /// Five fields (minute hour day month weekday), or six/seven with seconds and year.
    #[schema(schema_with = cron_schema)]
    cron: String,
    /// The job each run creates.
    #[schema(schema_with = job_template_schema)]
    job: JobRequest,
    #[serde(default = "enabled_by_default")]
    #[schema(default = true)]
    enabled: bool,
}

/// Five to seven whitespace-separated fields; the cron parser decides the rest.
fn cron_schema() -> utoipa::openapi::schema::Schema {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .pattern(Some(format!(
            "^[{ws}]*[^{ws}\\x00]+([{ws}]+[^{ws}\\x00]+){{4,6}}[{ws}]*$",
            ws = openapi::WHITESPACE_CLASS
        )))
        .examples(["0 3 * * *"])
        .into()
}

fn job_template_schema() -> utoipa::openapi::schema::Schema {
    match job_request_schema(&[]) {
        utoipa::openapi::RefOr::T(schema) => schema,
        utoipa::openapi::RefOr::Ref(_) => utoipa::openapi::schema::Schema::default(),
    }
}

path_params!(SchedulePath {
    "tenant" => "Tenant id (slug)",
    "schedule_id" => "Schedule id (UUID)",
});

fn enabled_by_default() -> bool {
    true
}

fn next_run(cron: &str) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    store::schedules::parse_cron(cron).map_err(ApiError::Validation)?;
    store::schedules::next_run(cron, chrono::Utc::now())
        .ok_or_else(|| ApiError::Validation(format!("cron expression `{cron}` never fires again")))
}

fn parse_schedule_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found("schedule"))
}

fn not_found_as_schedule(error: store::Error) -> ApiError {
    match error {
        store::Error::NotFound => ApiError::not_found("schedule"),
        other => other.into(),
    }
}

/// Creates a schedule (admins). 400 when the expression fires more often than the tenant's plan
/// allows (free 1 h, pro 15 min, enterprise 5 min; never seconds-level); 409 when the tenant has
/// its plan's cap of schedules (free 5, pro 50, enterprise 200).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/schedules",
    tag = "jobs",
    params(TenantPath),
    request_body = CreateSchedule,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Envelope<ScheduleDto>),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
async fn create(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiJson(mut body): ApiJson<CreateSchedule>,
) -> Result<(StatusCode, Json<Envelope<ScheduleDto>>), ApiError> {
    context.require_write()?;
    super::extract::normalise_whole_numbers(&mut body.job.config);
    let next_run_at = next_run(&body.cron)?;
    validate_job_request(
        &body.job.provider,
        &body.job.config,
        &state.discovery_policy,
    )?;
    let template = json!({"provider": body.job.provider, "config": body.job.config});
    let name = body
        .name
        .unwrap_or_else(|| format!("{} discovery", body.job.provider));
    let schedule = store::schedules::create(
        &state.pool,
        context.tenant_id(),
        &name,
        body.cron.trim(),
        &template,
        body.enabled,
        next_run_at,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        envelope::data(ScheduleDto::from(schedule)),
    ))
}

/// Lists schedules.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/schedules",
    tag = "jobs",
    params(TenantPath),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<Vec<ScheduleDto>>))
)]
async fn list(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
) -> Result<Json<Envelope<Vec<ScheduleDto>>>, ApiError> {
    let schedules = store::schedules::list(&state.pool, context.tenant_id()).await?;
    let dtos: Vec<ScheduleDto> = schedules.into_iter().map(ScheduleDto::from).collect();
    Ok(envelope::data(dtos))
}

/// Gets a schedule.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/schedules/{schedule_id}",
    tag = "jobs",
    params(SchedulePath),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<ScheduleDto>))
)]
async fn read(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, schedule_id)): ApiPath<(String, String)>,
) -> Result<Json<Envelope<ScheduleDto>>, ApiError> {
    let schedule = store::schedules::get(
        &state.pool,
        context.tenant_id(),
        parse_schedule_id(&schedule_id)?,
    )
    .await
    .map_err(not_found_as_schedule)?;
    Ok(envelope::data(ScheduleDto::from(schedule)))
}

/// Deletes a schedule (admins).
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/schedules/{schedule_id}",
    tag = "jobs",
    params(SchedulePath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = openapi::Forbidden),
    )
)]
async fn delete(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, schedule_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    context.require_write()?;
    store::schedules::delete(
        &state.pool,
        context.tenant_id(),
        parse_schedule_id(&schedule_id)?,
    )
    .await
    .map_err(not_found_as_schedule)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_enabled(
    state: &AppState,
    context: &TenantContext,
    schedule_id: &str,
    enabled: bool,
) -> Result<Json<Envelope<ScheduleDto>>, ApiError> {
    context.require_write()?;
    let schedule_id = parse_schedule_id(schedule_id)?;
    let current = store::schedules::get(&state.pool, context.tenant_id(), schedule_id)
        .await
        .map_err(not_found_as_schedule)?;
    let next_run_at = next_run(&current.cron)?;
    let schedule = store::schedules::set_enabled(
        &state.pool,
        context.tenant_id(),
        schedule_id,
        enabled,
        next_run_at,
    )
    .await
    .map_err(not_found_as_schedule)?;
    Ok(envelope::data(ScheduleDto::from(schedule)))
}

/// Enables a schedule (admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/schedules/{schedule_id}/enable",
    tag = "jobs",
    params(SchedulePath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Envelope<ScheduleDto>),
        (status = 403, response = openapi::Forbidden),
    )
)]
async fn enable(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, schedule_id)): ApiPath<(String, String)>,
) -> Result<Json<Envelope<ScheduleDto>>, ApiError> {
    set_enabled(&state, &context, &schedule_id, true).await
}

/// Disables a schedule (admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/schedules/{schedule_id}/disable",
    tag = "jobs",
    params(SchedulePath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Envelope<ScheduleDto>),
        (status = 403, response = openapi::Forbidden),
    )
)]
async fn disable(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, schedule_id)): ApiPath<(String, String)>,
) -> Result<Json<Envelope<ScheduleDto>>, ApiError> {
    set_enabled(&state, &context, &schedule_id, false).await
}
