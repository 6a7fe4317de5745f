//! Discovery jobs under `/api/v1/tenants/{tenant}/jobs`: create, list, get, start, cancel, the
//! diff a job made, and its progress as Server-Sent Events. The API only writes job rows; workers
//! run them.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::{Extension, Json};
use futures::Stream;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::envelope::{Envelope, ListEnvelope};
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, QueryParams};
use super::schema::{self as openapi, TenantPath, path_params, query_params};
use super::{AppState, TenantContext, envelope};
use crate::model::provider_config::{
    AwsConfig, DiscoveryPolicy, FixtureSource, OPERATOR_MARKER, ProviderConfig,
};
use crate::model::{ChangeKind, ChangedEntity, Job, JobChange, JobKind, JobStatus};
use crate::store::paging::SortColumn;
use crate::store::{self, jobs::NewJob};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read))
        .routes(routes!(start))
        .routes(routes!(cancel))
        .routes(routes!(diff))
        .routes(routes!(events))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobDto {
    id: Uuid,
    kind: JobKind,
    /// `aws` or `fixture` (discovery jobs).
    provider: Option<String>,
    config: Value,
    status: JobStatus,
    cancel_requested: bool,
    progress: Value,
    scopes: Value,
    counts: Value,
    errors: Value,
    attempts: i32,
    schedule_id: Option<Uuid>,
    created_at: chrono::DateTime<chrono::Utc>,
    started_at: Option<chrono::DateTime<chrono::Utc>>,
    finished_at: Option<chrono::DateTime<chrono::Utc>>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<Job> for JobDto {
    fn from(job: Job) -> Self {
        JobDto {
            id: job.job_id,
            kind: job.kind,
            provider: job.provider,
            config: shown_config(job.config),
            status: job.status,
            cancel_requested: job.cancel_requested,
            progress: job.progress,
            scopes: job.scopes,
            counts: job.counts,
            errors: job.errors,
            attempts: job.attempts,
            schedule_id: job.schedule_id,
            created_at: job.created_at,
            started_at: job.started_at,
            finished_at: job.finished_at,
            updated_at: job.updated_at,
        }
    }
}

/// The body of `POST /jobs` and of a schedule's job template.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    pub provider: String,
    #[serde(default)]
    pub config: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateJob {
    provider: String,
    #[serde(default)]
    config: Value,
    /// Queue at once instead of waiting for `POST /start`.
    #[serde(default)]
    start: bool,
}

fn constant_schema(
    schema_type: utoipa::openapi::Type,
    value: serde_json::Value,
) -> utoipa::openapi::ObjectBuilder {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(schema_type)
        .enum_values(Some([value]))
}

/// A job request body: `{"provider": "aws", "config": {…}}` or `{"provider": "fixture", …}`,
/// plus `extra` properties (`start` for `POST /jobs`).
pub fn job_request_schema(
    extra: &[(&str, utoipa::openapi::schema::Schema)],
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    let variant =
        |provider: &str, config: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>| {
            let mut object = utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::Type::Object)
                .property(
                    "provider",
                    constant_schema(utoipa::openapi::Type::String, provider.into()),
                )
                .required("provider")
                .property("config", config)
                .required("config")
                .additional_properties(Some(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                ));
            for (name, schema) in extra {
                object = object.property(*name, schema.clone());
            }
            object
        };
    utoipa::openapi::schema::OneOfBuilder::new()
        // The `aws` config's schema is derived from the type the API and the worker parse.
        .item(variant(
            "aws",
            <AwsConfig as utoipa::PartialSchema>::schema(),
        ))
        .item(variant(
            "fixture",
            <FixtureSource as utoipa::PartialSchema>::schema(),
        ))
        .into()
}

// `CreateJob` is its own schema: the provider/config one-of (each config's schema comes from the
// type `ProviderConfig::parse` produces) plus `start`.
impl utoipa::PartialSchema for CreateJob {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let start = utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::Boolean)
            .description(Some("Queue at once instead of waiting for `POST …/start`"))
            .into();
        job_request_schema(&[("start", start)])
    }
}

impl utoipa::ToSchema for CreateJob {}

/// The changes a job made, by kind.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct JobDiff {
    job_id: Uuid,
    status: JobStatus,
    counts: Value,
    diff: DiffGroups,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
struct DiffGroups {
    added: DiffIds,
    changed: DiffIds,
    removed: DiffIds,
}

impl DiffGroups {
    /// Groups a job's recorded changes by what happened and to which entity.
    fn from_changes(changes: Vec<JobChange>) -> DiffGroups {
        let mut groups = DiffGroups::default();
        for change in changes {
            let ids = match change.change {
                ChangeKind::Added => &mut groups.added,
                ChangeKind::Changed => &mut groups.changed,
                ChangeKind::Removed => &mut groups.removed,
            };
            match change.entity {
                ChangedEntity::Node => ids.nodes.push(change.entity_id),
                ChangedEntity::Edge => ids.edges.push(change.entity_id),
            }
        }
        groups
    }
}

/// Node and edge ids.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
struct DiffIds {
    nodes: Vec<String>,
    edges: Vec<String>,
}

/// The `data` of each Server-Sent Event of `GET …/events`: the job's state when it was sent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct JobStreamState {
    id: Uuid,
    status: JobStatus,
    progress: Value,
    scopes: Value,
    counts: Value,
    errors: Value,
}

impl From<&Job> for JobStreamState {
    fn from(job: &Job) -> Self {
        JobStreamState {
            id: job.job_id,
            status: job.status,
            progress: job.progress.clone(),
            scopes: job.scopes.clone(),
            counts: job.counts.clone(),
            errors: job.errors.clone(),
        }
    }
}

/// One Server-Sent Event of `GET …/events`, as the stream frames it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct JobStreamEvent {
    event: JobStreamEventName,
    /// JSON of `JobStreamState`: `{id, status, progress, scopes, counts, errors}` of the job.
    data: String,
}

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum JobStreamEventName {
    Progress,
    Done,
}

impl JobStreamEvent {
    /// The event for the job's current state: `done` once it is terminal.
    fn of(job: &Job) -> JobStreamEvent {
        let event = if job.is_terminal() {
            JobStreamEventName::Done
        } else {
            JobStreamEventName::Progress
        };
        JobStreamEvent {
            event,
            data: serde_json::to_string(&JobStreamState::from(job)).unwrap_or_default(),
        }
    }

    fn into_sse(self) -> Event {
        let name = match self.event {
            JobStreamEventName::Progress => "progress",
            JobStreamEventName::Done => "done",
        };
        Event::default().event(name).data(self.data)
    }
}

path_params!(JobPath {
    "tenant" => "Tenant id (slug)",
    "job_id" => "Job id (UUID)",
});

query_params!(JobListQuery => {
    let statuses = openapi::both_cases(&JobStatus::names());
    let statuses: Vec<&str> = statuses.iter().map(String::as_str).collect();
    let kinds = openapi::both_cases(&JobKind::names());
    let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
    let mut parameters = vec![
        openapi::comma_list_parameter("status", "Job statuses, comma-separated, lower or upper case", &statuses),
        openapi::comma_list_parameter("kind", "Job kinds, comma-separated, lower or upper case", &kinds),
    ];
    // Jobs page by number only (no keyset cursor).
    parameters.extend(
        openapi::list_parameters(JOB_SORT_COLUMNS, "-created_at")
            .into_iter()
            .filter(|parameter| parameter.name != "cursor"),
    );
    parameters
});

/// `sort` of the job list: by creation time, either way.
const JOB_SORT_COLUMNS: &[SortColumn] = &[SortColumn {
    field: "created_at",
    column: "created_at",
    sql_type: "timestamptz",
}];

/// Validates a provider and its config against the operator's policy; the message names the
/// problem and what to do instead. The worker checks again before it runs the job.
pub fn validate_job_request(
    provider: &str,
    config: &Value,
    policy: &DiscoveryPolicy,
) -> Result<(), ApiError> {
    if config.get(OPERATOR_MARKER).is_some() {
        return Err(ApiError::Validation(format!(
            "{provider} config: unknown field `{OPERATOR_MARKER}`"
        )));
    }
    ProviderConfig::parse(provider, config)
        .and_then(|parsed| parsed.check(policy))
        .map_err(ApiError::Validation)
}

/// A job's config as the API shows it: an inline inventory is summarised, not echoed.
fn shown_config(mut config: Value) -> Value {
    if let Some(inventory) = config.get_mut("inventory") {
        let count = |key: &str| {
            inventory
                .get(key)
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
        };
        *inventory = serde_json::json!({"nodes": count("nodes"), "edges": count("edges")});
    }
    config
}

fn parse_job_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found("job"))
}

fn not_found_as_job(error: store::Error) -> ApiError {
    match error {
        store::Error::NotFound => ApiError::not_found("job"),
        other => other.into(),
    }
}

/// Creates a discovery job; `start: true` queues it at once (admins). 409 when the tenant already
/// has its plan's cap of queued (created, pending or running) jobs.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/jobs",
    tag = "jobs",
    params(TenantPath),
    request_body = CreateJob,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Envelope<JobDto>),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
async fn create(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiJson(mut body): ApiJson<CreateJob>,
) -> Result<(StatusCode, Json<Envelope<JobDto>>), ApiError> {
    context.require_write()?;
    super::extract::normalise_whole_numbers(&mut body.config);
    validate_job_request(&body.provider, &body.config, &state.discovery_policy)?;
    let new_job = NewJob {
        kind: JobKind::Discovery,
        provider: Some(body.provider),
        config: body.config,
        start: body.start,
    };
    let job = store::jobs::create(&state.pool, context.tenant_id(), &new_job).await?;
    Ok((StatusCode::CREATED, envelope::data(JobDto::from(job))))
}

/// Lists jobs, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/jobs",
    tag = "jobs",
    params(TenantPath, JobListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = ListEnvelope<JobDto>))
)]
async fn list(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    query: QueryParams,
) -> Result<Json<ListEnvelope<JobDto>>, ApiError> {
    query.only(&["status", "kind", "sort", "page", "per_page"])?;
    let statuses: Vec<JobStatus> = query
        .comma_names("status", &JobStatus::names())
        .map_err(|bad| {
            ApiError::Validation(format!(
                "unknown job status `{bad}`; expected one of: {}",
                JobStatus::names().join(", ")
            ))
        })?
        .iter()
        .filter_map(|name| JobStatus::parse(name).ok())
        .collect();
    let kinds: Vec<JobKind> = query
        .comma_names("kind", &JobKind::names())
        .map_err(|bad| {
            ApiError::Validation(format!(
                "unknown job kind `{bad}`; expected one of: {}",
                JobKind::names().join(", ")
            ))
        })?
        .iter()
        .filter_map(|name| JobKind::parse(name).ok())
        .collect();
    let sort = query.sort(JOB_SORT_COLUMNS, "-created_at")?;
    let request = query.page_request(&sort)?;
    let page = store::jobs::list(
        &state.pool,
        context.tenant_id(),
        &statuses,
        &kinds,
        !sort.descending,
        &request,
    )
    .await?;
    Ok(envelope::list(page, &request, JobDto::from))
}

/// Gets a job with its progress, counts and errors.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/jobs/{job_id}",
    tag = "jobs",
    params(JobPath),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<JobDto>))
)]
async fn read(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, job_id)): ApiPath<(String, String)>,
) -> Result<Json<Envelope<JobDto>>, ApiError> {
    let job = store::jobs::get(&state.pool, context.tenant_id(), parse_job_id(&job_id)?)
        .await
        .map_err(not_found_as_job)?;
    Ok(envelope::data(JobDto::from(job)))
}

/// Queues a created job (admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/jobs/{job_id}/start",
    tag = "jobs",
    params(JobPath),
    security(("bearer" = [])),
    responses(
        (status = 202, body = Envelope<JobDto>),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
async fn start(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, job_id)): ApiPath<(String, String)>,
) -> Result<(StatusCode, Json<Envelope<JobDto>>), ApiError> {
    context.require_write()?;
    let job = store::jobs::start(&state.pool, context.tenant_id(), parse_job_id(&job_id)?)
        .await
        .map_err(not_found_as_job)?;
    Ok((StatusCode::ACCEPTED, envelope::data(JobDto::from(job))))
}

/// Requests cancellation; workers honour it between pages (admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/jobs/{job_id}/cancel",
    tag = "jobs",
    params(JobPath),
    security(("bearer" = [])),
    responses(
        (status = 202, body = Envelope<JobDto>),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
async fn cancel(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, job_id)): ApiPath<(String, String)>,
) -> Result<(StatusCode, Json<Envelope<JobDto>>), ApiError> {
    context.require_write()?;
    let job = store::jobs::request_cancel(&state.pool, context.tenant_id(), parse_job_id(&job_id)?)
        .await
        .map_err(not_found_as_job)?;
    Ok((StatusCode::ACCEPTED, envelope::data(JobDto::from(job))))
}

/// The nodes and edges a job added, changed and removed.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/jobs/{job_id}/diff",
    tag = "jobs",
    params(JobPath),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<JobDiff>))
)]
async fn diff(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, job_id)): ApiPath<(String, String)>,
) -> Result<Json<Envelope<JobDiff>>, ApiError> {
    let job_id = parse_job_id(&job_id)?;
    let job = store::jobs::get(&state.pool, context.tenant_id(), job_id)
        .await
        .map_err(not_found_as_job)?;
    let changes = store::jobs::changes(&state.pool, context.tenant_id(), job_id).await?;
    Ok(envelope::data(JobDiff {
        job_id,
        status: job.status,
        counts: job.counts,
        diff: DiffGroups::from_changes(changes),
    }))
}

/// Streams `progress` events while the job changes and one `done` event with its final state.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/jobs/{job_id}/events",
    tag = "jobs",
    params(JobPath),
    security(("bearer" = [])),
    responses((
        status = 200,
        description = "Server-Sent Events: `progress` while the job runs, then one `done` (data: \
            `{id, status, progress, scopes, counts, errors}`); the stream ends after `done`",
        content_type = "text/event-stream",
        body = JobStreamEvent
    ))
)]
async fn events(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    Extension(token): Extension<super::PresentedToken>,
    ApiPath((_, job_id)): ApiPath<(String, String)>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let job_id = parse_job_id(&job_id)?;
    let tenant_id = context.tenant_id().to_string();
    let first = store::jobs::get(&state.pool, &tenant_id, job_id)
        .await
        .map_err(not_found_as_job)?;
    let pool = state.pool.clone();
    let stream = async_stream(pool, tenant_id, first, token.0);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// How often a stream re-checks the credential it was opened with: a revoked key (or an expired
/// token) ends the stream within this time.
const STREAM_CREDENTIAL_CHECK: Duration = Duration::from_secs(2);

/// Polls the job row (works across processes) and emits an event whenever it changed; ends when
/// the job is done or the caller's credential is no longer valid.
fn async_stream(
    pool: sqlx::PgPool,
    tenant_id: String,
    first: Job,
    token: String,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let opened_at = tokio::time::Instant::now();
    futures::stream::unfold(Some((first, true, opened_at)), move |state| {
        let pool = pool.clone();
        let tenant_id = tenant_id.clone();
        let token = token.clone();
        async move {
            let (mut job, is_first, mut credential_checked_at) = state?;
            if !is_first {
                loop {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    if credential_checked_at.elapsed() >= STREAM_CREDENTIAL_CHECK {
                        credential_checked_at = tokio::time::Instant::now();
                        match crate::auth::authenticate(&pool, &token).await {
                            Ok(Some(_)) => {}
                            // Revoked or expired (or the database is gone): stop streaming.
                            Ok(None) | Err(_) => return None,
                        }
                    }
                    match store::jobs::get(&pool, &tenant_id, job.job_id).await {
                        Ok(latest)
                            if latest.updated_at != job.updated_at
                                || latest.status != job.status =>
                        {
                            job = latest;
                            break;
                        }
                        Ok(_) => continue,
                        Err(_) => return None,
                    }
                }
            }
            let event = JobStreamEvent::of(&job).into_sse();
            let next = if job.is_terminal() {
                None
            } else {
                Some((job, false, credential_checked_at))
            };
            Some((Ok(event), next))
        }
    })
}
