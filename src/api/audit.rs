//! The audit trail over HTTP: the middleware that records every write made through `/api/v1`,
//! and the two listings, `GET /api/v1/tenants/{tenant}/audit-events` (tenant and platform admins)
//! and `GET /api/v1/audit-events` (platform admins, across tenants).
//!
//! The middleware sits inside the guard, so it sees the authenticated principal and the matched
//! route template. It derives the action (`jobs.cancel`, `tenants.delete`, …) and the target from
//! the template, its path parameters and, for creates, the created object's `data.id`; handlers
//! do nothing for it. It records answers that changed something (2xx) and writes refused for the
//! caller's role (403). It never reads or records request bodies, and of a response body only
//! the id of what was created.

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, MatchedPath, RawPathParams, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::{Extension, Json, RequestExt};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::envelope::ListEnvelope;
use super::error::ApiError;
use super::extract::{PAGING_KEYS, QueryParams};
use super::schema::{self, TenantPath, query_params};
use super::{AppState, TenantContext, envelope};
use crate::auth::{Principal, Role};
use crate::store::audit::{
    AuditCursor, AuditEvent, AuditFilter, AuditScope, NewAuditEvent, PLATFORM_TENANT,
};
use crate::store::{self, paging::PageRequest};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tenant_list))
        .routes(routes!(platform_list))
}

// ---------------------------------------------------------------------------------------------
// Recording

/// What a write route does, read from its template: `POST /api/v1/tenants/{tenant}/jobs/{job_id}/cancel`
/// is `jobs.cancel` on the `job` named by `{job_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Described {
    action: String,
    target_type: String,
    /// The path parameter naming the target; `None` for creates (the response names it).
    target_parameter: Option<String>,
}

/// Routes that take a body with POST but change nothing.
const READ_ONLY_ROUTES: &[&str] = &["/api/v1/tenants/{tenant}/pathtracer/trace"];

fn describe(method: &Method, template: &str) -> Option<Described> {
    if [Method::GET, Method::HEAD, Method::OPTIONS].contains(method)
        || READ_ONLY_ROUTES.contains(&template)
    {
        return None;
    }
    let rest = template.strip_prefix("/api/v1/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    let (resource, tail): (&str, &[&str]) = match segments.as_slice() {
        ["tenants", tenant] => ("tenants", std::slice::from_ref(tenant)),
        ["tenants", _, resource, tail @ ..] => (resource, tail),
        [resource, tail @ ..] => (resource, tail),
        [] => return None,
    };
    let resource = resource.replace('-', "_");
    let parameter = |segment: &&str| {
        segment
            .strip_prefix('{')
            .and_then(|inner| inner.strip_suffix('}'))
            .map(str::to_string)
    };
    let target_parameter = tail.iter().find_map(parameter);
    let verb = tail
        .iter()
        .rev()
        .find(|segment| parameter(segment).is_none())
        .map(|segment| segment.replace('-', "_"))
        .unwrap_or_else(|| {
            match *method {
                Method::POST => "create",
                Method::PUT | Method::PATCH => "update",
                Method::DELETE => "delete",
                _ => "write",
            }
            .to_string()
        });
    let target_type = match resource.as_str() {
        // An evaluation is a job: its answer names the job.
        "evaluations" => "job".to_string(),
        other => other.strip_suffix('s').unwrap_or(other).to_string(),
    };
    Some(Described {
        action: format!("{resource}.{verb}"),
        target_type,
        target_parameter,
    })
}

/// The id of what a create answered with: `data.id`, else `data.job_id` (evaluations).
fn created_id(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let data = value.get("data")?;
    let id = data.get("id").or_else(|| data.get("job_id"))?;
    match id {
        Value::String(text) => Some(text.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Largest response body read back for a created id (creates answer one small object).
const MAX_INSPECTED_BODY: usize = 1024 * 1024;

/// Records each write through `/api/v1` in the audit trail (see the module comment).
pub async fn record_writes(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let Some(template) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|matched| matched.as_str().to_string())
    else {
        return next.run(request).await;
    };
    let Some(described) = describe(&method, &template) else {
        return next.run(request).await;
    };
    let parameters: Vec<(String, String)> = match request.extract_parts::<RawPathParams>().await {
        // A decoded `%00` would make the row unstorable (PostgreSQL text has no NUL), and a
        // refused write (403) may well carry one.
        Ok(raw) => raw
            .iter()
            .map(|(name, value)| (name.to_string(), value.replace('\0', "\\u0000")))
            .collect(),
        Err(_) => Vec::new(),
    };
    let parameter = |name: &str| {
        parameters
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let principal = request
        .extensions()
        .get::<Principal>()
        .cloned()
        .or_else(|| {
            request
                .extensions()
                .get::<TenantContext>()
                .map(|context| context.principal.clone())
        });
    let path = request.uri().path().to_string();
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .map(|value| value.chars().take(200).collect::<String>());
    let client_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip().to_string());
    let tenant_slug = parameter("tenant");
    // Before the handler: a deleted tenant's uid is gone afterwards.
    let tenant_uid_before = match &tenant_slug {
        Some(slug) => store::audit::tenant_uid(&state.pool, slug)
            .await
            .unwrap_or_else(|error| {
                tracing::error!(%error, tenant = %slug, "audit: tenant uid lookup failed");
                None
            }),
        None => None,
    };

    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_success() || status == StatusCode::FORBIDDEN) {
        return response;
    }

    let mut target_id = described.target_parameter.as_deref().and_then(parameter);
    let response = if target_id.is_none() && status.is_success() {
        let (parts, body) = response.into_parts();
        let bytes = match to_bytes(body, MAX_INSPECTED_BODY).await {
            Ok(bytes) => bytes,
            Err(error) => {
                tracing::error!(%error, "audit: could not read a created object's answer");
                return Response::from_parts(parts, Body::empty());
            }
        };
        target_id = created_id(&bytes);
        Response::from_parts(parts, Body::from(bytes))
    } else {
        response
    };

    // A tenant created by this request is named by its answer.
    let (tenant_id, tenant_uid) = match (&tenant_slug, described.action.as_str()) {
        (Some(slug), _) => (slug.clone(), tenant_uid_before),
        (None, "tenants.create") if status.is_success() => match &target_id {
            Some(slug) => (
                slug.clone(),
                store::audit::tenant_uid(&state.pool, slug)
                    .await
                    .unwrap_or(None),
            ),
            None => (PLATFORM_TENANT.to_string(), None),
        },
        (None, _) => (PLATFORM_TENANT.to_string(), None),
    };
    let event = NewAuditEvent {
        tenant_id,
        tenant_uid,
        actor_key_id: principal.as_ref().map(|principal| principal.key_id),
        actor_role: principal
            .as_ref()
            .map(|principal| principal.role.as_str().to_string()),
        action: described.action,
        method: method.as_str().to_string(),
        path,
        target_type: Some(described.target_type),
        target_id,
        status: status.as_u16(),
        request_id,
        client_ip,
    };
    // The write has happened; a failure to record it is the operator's to see, not the caller's.
    if let Err(error) = store::audit::record(&state.pool, &event).await {
        tracing::error!(%error, action = %event.action, "audit: event not recorded");
    }
    response
}

// ---------------------------------------------------------------------------------------------
// Listing

/// One audit event.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AuditEventDto {
    id: Uuid,
    occurred_at: DateTime<Utc>,
    /// The API key behind the request (an access token names the key it was minted from).
    actor_key_id: Option<Uuid>,
    /// `platform_admin`, `admin`, `analyst` or `viewer`.
    actor_role: Option<String>,
    /// `<resource>.<verb>`, e.g. `jobs.create`, `jobs.cancel`, `findings.accept`, `tenants.delete`.
    action: String,
    method: String,
    path: String,
    /// e.g. `job`, `finding`, `tenant`, `api_key`.
    target_type: Option<String>,
    target_id: Option<String>,
    /// The HTTP status answered (2xx, or 403 for a refused write).
    status: i32,
    /// The caller's `X-Request-Id`, if it sent one.
    request_id: Option<String>,
    client_ip: Option<String>,
}

/// One audit event across tenants (platform listing).
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct PlatformAuditEventDto {
    /// The tenant's slug at the time, or `*` for platform-wide actions.
    tenant_id: String,
    #[serde(flatten)]
    event: AuditEventDto,
}

impl From<AuditEvent> for AuditEventDto {
    fn from(event: AuditEvent) -> Self {
        AuditEventDto {
            id: event.event_id,
            occurred_at: event.occurred_at,
            actor_key_id: event.actor_key_id,
            actor_role: event.actor_role,
            action: event.action,
            method: event.method,
            path: event.path,
            target_type: event.target_type,
            target_id: event.target_id,
            status: event.status,
            request_id: event.request_id,
            client_ip: event.client_ip,
        }
    }
}

impl From<AuditEvent> for PlatformAuditEventDto {
    fn from(event: AuditEvent) -> Self {
        PlatformAuditEventDto {
            tenant_id: event.tenant_id.clone(),
            event: AuditEventDto::from(event),
        }
    }
}

fn filter_parameters() -> Vec<utoipa::openapi::path::Parameter> {
    let timestamp = |name: &str, description: &str| {
        schema::query_parameter(
            name,
            description,
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::Type::String)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::DateTime,
                ))),
        )
    };
    let mut parameters = vec![
        schema::query_parameter(
            "action",
            "Actions, comma-separated (`jobs.create,jobs.cancel`)",
            utoipa::openapi::ArrayBuilder::new().items(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::Type::String)
                    .pattern(Some(schema::NO_NUL_PATTERN)),
            ),
        ),
        schema::query_parameter(
            "actor_key_id",
            "The acting API key's id",
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::Type::String)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Uuid,
                ))),
        ),
        schema::text_parameter("target_type", "Target type (`job`, `finding`, `tenant`, …)"),
        schema::text_parameter("target_id", "Target id"),
        timestamp("since", "Events at or after this time (RFC 3339)"),
        timestamp("until", "Events before this time (RFC 3339)"),
    ];
    parameters.extend(schema::list_parameters(
        store::audit::SORT_COLUMNS,
        "-occurred_at",
    ));
    parameters
}

query_params!(AuditListQuery => filter_parameters());
query_params!(PlatformAuditListQuery => {
    let mut parameters = vec![schema::text_parameter("tenant", "Only this tenant's events (slug)")];
    parameters.extend(filter_parameters());
    parameters
});

const FILTER_KEYS: &[&str] = &[
    "action",
    "actor_key_id",
    "target_type",
    "target_id",
    "since",
    "until",
];

fn timestamp(query: &QueryParams, key: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    // Given means given: an empty value is not a time (the schema says `date-time`), not absent.
    let Some(raw) = query.single(key)?.map(str::to_string) else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(&raw)
        .map(|time| Some(time.with_timezone(&Utc)))
        .map_err(|_| {
            ApiError::Validation(format!(
                "`{key}` must be an RFC 3339 time such as 2026-11-30T18:00:00Z, got `{raw}`"
            ))
        })
}

/// Filters, sort direction, page and keyset position from the query string.
fn read_query(
    query: &QueryParams,
    platform: bool,
) -> Result<(AuditFilter, bool, PageRequest, Option<AuditCursor>), ApiError> {
    let mut allowed: Vec<&str> = FILTER_KEYS.to_vec();
    allowed.extend_from_slice(PAGING_KEYS);
    if platform {
        allowed.push("tenant");
    }
    query.only(&allowed)?;
    // Given means given: an empty value is not a UUID, not an absent filter.
    let actor_key_id = match query.single("actor_key_id")? {
        None => None,
        Some(raw) => Some(Uuid::parse_str(raw).map_err(|_| {
            ApiError::Validation(format!("`actor_key_id` must be a UUID, got `{raw}`"))
        })?),
    };
    let filter = AuditFilter {
        actions: query.comma_list("action"),
        actor_key_id,
        target_type: query.non_empty("target_type")?,
        target_id: query.non_empty("target_id")?,
        since: timestamp(query, "since")?,
        until: timestamp(query, "until")?,
        tenant: if platform {
            query.non_empty("tenant")?
        } else {
            None
        },
    };
    if let (Some(since), Some(until)) = (filter.since, filter.until)
        && since > until
    {
        return Err(ApiError::Validation(
            "`since` must not be after `until`".to_string(),
        ));
    }
    let sort = query.sort(store::audit::SORT_COLUMNS, "-occurred_at")?;
    let request = query.page_request(&sort)?;
    let cursor = match &request.cursor {
        None => None,
        Some(cursor) => {
            let malformed = || ApiError::Validation("cursor is malformed".to_string());
            let occurred_at = DateTime::parse_from_rfc3339(&cursor.value)
                .map_err(|_| malformed())?
                .with_timezone(&Utc);
            let event_id = Uuid::parse_str(&cursor.id).map_err(|_| malformed())?;
            Some(AuditCursor {
                occurred_at,
                event_id,
            })
        }
    };
    Ok((filter, !sort.descending, request, cursor))
}

/// Lists the tenant's audit events (tenant admins and platform admins).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/audit-events",
    tag = "audit",
    params(TenantPath, AuditListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ListEnvelope<AuditEventDto>),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn tenant_list(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    query: QueryParams,
) -> Result<Json<ListEnvelope<AuditEventDto>>, ApiError> {
    if !matches!(context.principal.role, Role::Admin | Role::PlatformAdmin) {
        return Err(ApiError::Forbidden(format!(
            "role `{}` may not read the audit trail",
            context.principal.role.as_str()
        )));
    }
    let (filter, ascending, request, cursor) = read_query(&query, false)?;
    let tenant_uid = store::audit::tenant_uid(&state.pool, context.tenant_id())
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))?;
    let scope = AuditScope::Tenant {
        tenant_id: context.tenant_id(),
        tenant_uid,
    };
    let page = store::audit::list(&state.pool, scope, &filter, ascending, &request, cursor).await?;
    Ok(envelope::list(page, &request, AuditEventDto::from))
}

/// Lists audit events across tenants, including deleted ones (platform admins).
#[utoipa::path(
    get,
    path = "/api/v1/audit-events",
    tag = "audit",
    params(PlatformAuditListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ListEnvelope<PlatformAuditEventDto>),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn platform_list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: QueryParams,
) -> Result<Json<ListEnvelope<PlatformAuditEventDto>>, ApiError> {
    if principal.role != Role::PlatformAdmin {
        return Err(ApiError::Forbidden(
            "only platform admins may read the platform audit trail".to_string(),
        ));
    }
    let (filter, ascending, request, cursor) = read_query(&query, true)?;
    let page = store::audit::list(
        &state.pool,
        AuditScope::Platform,
        &filter,
        ascending,
        &request,
        cursor,
    )
    .await?;
    Ok(envelope::list(page, &request, PlatformAuditEventDto::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(method: Method, template: &str) -> Option<(String, String, Option<String>)> {
        describe(&method, template).map(|described| {
            (
                described.action,
                described.target_type,
                described.target_parameter,
            )
        })
    }

    #[test]
    fn names_actions_and_targets_from_route_templates() {
        let some = |action: &str, target: &str, parameter: Option<&str>| {
            Some((
                action.to_string(),
                target.to_string(),
                parameter.map(str::to_string),
            ))
        };
        assert_eq!(
            action(
                Method::POST,
                "/api/v1/tenants/{tenant}/jobs/{job_id}/cancel"
            ),
            some("jobs.cancel", "job", Some("job_id"))
        );
        assert_eq!(
            action(Method::POST, "/api/v1/tenants/{tenant}/jobs"),
            some("jobs.create", "job", None)
        );
        assert_eq!(
            action(Method::DELETE, "/api/v1/tenants/{tenant}"),
            some("tenants.delete", "tenant", Some("tenant"))
        );
        assert_eq!(
            action(Method::POST, "/api/v1/tenants"),
            some("tenants.create", "tenant", None)
        );
        assert_eq!(
            action(Method::DELETE, "/api/v1/tenants/{tenant}/api-keys/{key_id}"),
            some("api_keys.delete", "api_key", Some("key_id"))
        );
        assert_eq!(
            action(Method::POST, "/api/v1/tenants/{tenant}/reports/generate"),
            some("reports.generate", "report", None)
        );
        assert_eq!(
            action(Method::POST, "/api/v1/tenants/{tenant}/evaluations"),
            some("evaluations.create", "job", None)
        );
        assert_eq!(action(Method::GET, "/api/v1/tenants/{tenant}/jobs"), None);
        assert_eq!(
            action(Method::POST, "/api/v1/tenants/{tenant}/pathtracer/trace"),
            None
        );
    }

    #[test]
    fn reads_the_created_id_only() {
        assert_eq!(
            created_id(br#"{"data":{"id":"abc","key":"ic_live_secret"}}"#).as_deref(),
            Some("abc")
        );
        assert_eq!(
            created_id(br#"{"data":{"job_id":"j-1","status":"pending"}}"#).as_deref(),
            Some("j-1")
        );
        assert_eq!(created_id(b"not json"), None);
    }
}
