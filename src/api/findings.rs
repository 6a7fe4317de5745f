//! Findings under `/api/v1/tenants/{tenant}/findings`: list (filters `severity`, `status`,
//! `rule_id`, `node_id`, `type`, `category`, `region`), get, accept, resolve. Analysts and admins
//! may triage; viewers may not.

use axum::extract::State;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::envelope::{self, Envelope, ListEnvelope};
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, PAGING_KEYS, QueryParams};
use super::schema::{self as openapi, TenantPath, path_params, query_params};
use super::{AppState, TenantContext};
use crate::model::{AcceptanceKind, Finding, FindingEvidence, FindingStatus, NodeType, Severity};
use crate::store::paging::IdType;
use crate::store::{self, findings::FindingFilter};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(read))
        .routes(routes!(accept))
        .routes(routes!(resolve))
}

/// A finding as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FindingResponse {
    id: Uuid,
    rule_id: String,
    node_id: String,
    node_type: String,
    region: String,
    severity: Severity,
    categories: Vec<String>,
    status: FindingStatus,
    /// Who accepted it, why and until when (accepted findings only).
    acceptance: Option<AcceptanceResponse>,
    resolution_reason: Option<String>,
    rule_version: i32,
    /// A sentence naming the resource and the offending rule or route.
    reason: String,
    /// The rule's evidence (and a path proof for network findings).
    evidence: FindingEvidence,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    reopen_count: i32,
}

impl From<Finding> for FindingResponse {
    fn from(finding: Finding) -> Self {
        let acceptance = finding
            .current_acceptance()
            .map(|acceptance| AcceptanceResponse {
                kind: acceptance.kind,
                reason: acceptance.reason.clone(),
                by: acceptance.accepted_by.clone(),
                at: acceptance.accepted_at,
                expires_at: acceptance.expires_at,
            });
        FindingResponse {
            id: finding.id,
            rule_id: finding.rule_id,
            node_id: finding.node_id,
            node_type: finding.node_type,
            region: finding.region,
            severity: finding.severity,
            categories: finding.categories,
            status: finding.status,
            acceptance,
            resolution_reason: finding.resolution_reason,
            rule_version: finding.rule_version,
            reason: finding.reason,
            evidence: finding.evidence,
            first_seen: finding.first_seen,
            last_seen: finding.last_seen,
            resolved_at: finding.resolved_at,
            reopen_count: finding.reopen_count,
        }
    }
}

/// The acceptance of a finding.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Acceptance)]
pub struct AcceptanceResponse {
    kind: AcceptanceKind,
    reason: Option<String>,
    by: Option<String>,
    at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
}

/// A finding with its rule (title, description, remediation…).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FindingWithRule {
    #[serde(flatten)]
    finding: FindingResponse,
    /// The rule that produced it (null when the rule is no longer loaded).
    #[schema(value_type = Option<Object>)]
    rule: Option<Value>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct AcceptRequest {
    /// Why the finding is accepted (not blank).
    #[schema(schema_with = reason_schema)]
    reason: String,
    // Read as text and parsed in `accept`, so an unknown kind gets a message naming both kinds.
    #[serde(default = "risk_accepted")]
    #[schema(value_type = AcceptanceKind, default = "risk_accepted")]
    kind: String,
    /// When the acceptance ends (in the future); the finding reopens then.
    expires_at: Option<DateTime<Utc>>,
}

fn risk_accepted() -> String {
    AcceptanceKind::RiskAccepted.as_str().to_string()
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ResolveRequest {
    /// Why the finding is resolved (not blank).
    #[schema(schema_with = reason_schema)]
    reason: String,
}

fn reason_schema() -> utoipa::openapi::schema::Schema {
    openapi::text_schema(None, false)
}

path_params!(FindingPath {
    "tenant" => "Tenant id (slug)",
    "finding_id" => "Finding id (UUID)",
});

query_params!(FindingListQuery => {
    let upper: Vec<String> = Severity::ALL
        .iter()
        .map(|severity| severity.as_str().to_ascii_uppercase())
        .collect();
    let severities: Vec<&str> = Severity::ALL
        .iter()
        .map(|severity| severity.as_str())
        .chain(upper.iter().map(String::as_str))
        .collect();
    let statuses = openapi::both_cases(&FindingStatus::ALL.map(FindingStatus::as_str));
    let statuses: Vec<&str> = statuses.iter().map(String::as_str).collect();
    let mut parameters = vec![
        openapi::comma_list_parameter("severity", "Severities, comma-separated, any case", &severities),
        openapi::comma_list_parameter("status", "Statuses, comma-separated, lower or upper case", &statuses),
        openapi::query_parameter(
            "rule_id",
            "Rule ids, comma-separated",
            utoipa::openapi::ArrayBuilder::new()
                .items(utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::String)),
        ),
        openapi::text_parameter("node_id", "Exact node id"),
        openapi::comma_list_parameter("type", "Node types, comma-separated", &openapi::node_type_names()),
        openapi::text_parameter("category", "Rule category"),
        openapi::text_parameter("region", "Exact region"),
    ];
    parameters.extend(openapi::list_parameters(store::findings::SORT_COLUMNS, "-severity"));
    parameters
});

fn parse_finding_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found("finding"))
}

fn not_found_as_finding(error: store::Error) -> ApiError {
    match error {
        store::Error::NotFound => ApiError::not_found("finding"),
        other => other.into(),
    }
}

fn filter_from_query(query: &QueryParams) -> Result<FindingFilter, ApiError> {
    let severities = query
        .comma_list("severity")
        .iter()
        .map(|value| Severity::parse(value))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| ApiError::Validation(error.to_string()))?;
    let unknown_status = |bad: &str| {
        ApiError::Validation(format!(
            "unknown finding status `{bad}`; expected open, accepted or resolved (lower or upper case)"
        ))
    };
    let statuses = query
        .comma_names("status", &FindingStatus::ALL.map(FindingStatus::as_str))
        .map_err(|bad| unknown_status(&bad))?
        .iter()
        .map(|name| FindingStatus::parse(name).map_err(|_| unknown_status(name)))
        .collect::<Result<Vec<_>, _>>()?;
    let node_types = query
        .comma_list("type")
        .iter()
        .map(|value| NodeType::parse(value).map(|node_type| node_type.as_str().to_string()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| ApiError::Validation(error.to_string()))?;
    Ok(FindingFilter {
        severities,
        statuses,
        rule_ids: query.comma_list("rule_id"),
        node_id: query.non_empty("node_id")?,
        node_types,
        category: query.non_empty("category")?,
        region: query.non_empty("region")?,
    })
}

/// Lists findings with filters, sort and page or cursor.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/findings",
    tag = "findings",
    params(TenantPath, FindingListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = ListEnvelope<FindingResponse>))
)]
async fn list(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    query: QueryParams,
) -> Result<Json<ListEnvelope<FindingResponse>>, ApiError> {
    let mut allowed = vec![
        "severity", "status", "rule_id", "node_id", "type", "category", "region",
    ];
    allowed.extend_from_slice(PAGING_KEYS);
    query.only(&allowed)?;
    let filter = filter_from_query(&query)?;
    let sort = query.sort(store::findings::SORT_COLUMNS, "-severity")?;
    let request = query.page_request_with_id_type(&sort, IdType::Uuid)?;
    // A severity cursor holds a rank (info 0 … critical 4); any other number names no position.
    if let Some(cursor) = &request.cursor
        && sort.column.field == "severity"
        && !matches!(cursor.value.parse::<i16>(), Ok(0..=4))
    {
        return Err(ApiError::Validation(
            "cursor is malformed: the severity rank must be from 0 to 4".to_string(),
        ));
    }
    let page =
        store::findings::list(&state.pool, context.tenant_id(), &filter, &sort, &request).await?;
    Ok(envelope::list(page, &request, FindingResponse::from))
}

/// Gets a finding with its rule.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/findings/{finding_id}",
    tag = "findings",
    params(FindingPath),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<FindingWithRule>))
)]
async fn read(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, finding_id)): ApiPath<(String, String)>,
) -> Result<Json<Envelope<FindingWithRule>>, ApiError> {
    let finding = store::findings::get(
        &state.pool,
        context.tenant_id(),
        parse_finding_id(&finding_id)?,
    )
    .await
    .map_err(not_found_as_finding)?;
    let rule = state.rule_catalog.get(&finding.rule_id).cloned();
    Ok(envelope::data(FindingWithRule {
        finding: FindingResponse::from(finding),
        rule,
    }))
}

/// Accepts the risk of a finding, or marks it a false positive (analysts, admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/findings/{finding_id}/accept",
    tag = "findings",
    params(FindingPath),
    request_body = AcceptRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Envelope<FindingResponse>),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
async fn accept(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, finding_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<AcceptRequest>,
) -> Result<Json<Envelope<FindingResponse>>, ApiError> {
    context.require_triage()?;
    if body.reason.trim().is_empty() {
        return Err(ApiError::Validation(
            "`reason` must say why the finding is accepted".to_string(),
        ));
    }
    let kind = AcceptanceKind::parse(&body.kind).map_err(|_| {
        ApiError::Validation(format!(
            "unknown acceptance kind `{}`; expected risk_accepted or false_positive",
            body.kind
        ))
    })?;
    if let Some(expires_at) = body.expires_at
        && expires_at <= Utc::now()
    {
        return Err(ApiError::Validation(
            "`expires_at` must be in the future".to_string(),
        ));
    }
    let accepted_by = format!("key:{}", context.principal.key_id);
    let finding = store::findings::accept(
        &state.pool,
        context.tenant_id(),
        parse_finding_id(&finding_id)?,
        kind,
        body.reason.trim(),
        &accepted_by,
        body.expires_at,
    )
    .await
    .map_err(not_found_as_finding)?;
    Ok(envelope::data(FindingResponse::from(finding)))
}

/// Marks a finding resolved (analysts, admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/findings/{finding_id}/resolve",
    tag = "findings",
    params(FindingPath),
    request_body = ResolveRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Envelope<FindingResponse>),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
async fn resolve(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, finding_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ResolveRequest>,
) -> Result<Json<Envelope<FindingResponse>>, ApiError> {
    context.require_triage()?;
    if body.reason.trim().is_empty() {
        return Err(ApiError::Validation(
            "`reason` must say why the finding is resolved".to_string(),
        ));
    }
    let finding = store::findings::resolve(
        &state.pool,
        context.tenant_id(),
        parse_finding_id(&finding_id)?,
        body.reason.trim(),
    )
    .await
    .map_err(not_found_as_finding)?;
    Ok(envelope::data(FindingResponse::from(finding)))
}
