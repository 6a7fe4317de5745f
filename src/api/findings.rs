//! Findings under `/api/v1/tenants/{tenant}/findings`: list (filters `severity`, `status`,
//! `rule_id`, `node_id`, `type`, `category`, `region`), get, accept, resolve. Analysts and admins
//! may triage; viewers may not.

use axum::extract::State;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, PAGING_KEYS, QueryParams};
use super::schema::{self as openapi, TenantPath, envelope_schema, path_params, query_params};
use super::{AppState, TenantContext, envelope};
use crate::model::{NodeType, Severity};
use crate::store::paging::IdType;
use crate::store::{self, findings::Finding, findings::FindingFilter};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(read))
        .routes(routes!(accept))
        .routes(routes!(resolve))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FindingDto {
    id: Uuid,
    rule_id: String,
    node_id: String,
    node_type: String,
    region: String,
    /// `info`, `low`, `medium`, `high` or `critical`.
    severity: String,
    categories: Vec<String>,
    /// `open`, `accepted` or `resolved`.
    status: String,
    /// Who accepted it, why and until when (accepted findings only).
    #[schema(value_type = Option<Acceptance>)]
    acceptance: Option<Value>,
    resolution_reason: Option<String>,
    rule_version: i32,
    /// A sentence naming the resource and the offending rule or route.
    reason: String,
    /// The rule's evidence (and a path proof for network findings).
    #[schema(value_type = Object)]
    evidence: Value,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    reopen_count: i32,
}

impl From<Finding> for FindingDto {
    fn from(finding: Finding) -> Self {
        let acceptance = finding
            .acceptance_kind
            .as_ref()
            .filter(|_| finding.status == "accepted")
            .map(|kind| {
                json!({
                    "kind": kind,
                    "reason": finding.acceptance_reason,
                    "by": finding.accepted_by,
                    "at": finding.accepted_at,
                    "expires_at": finding.expires_at,
                })
            });
        FindingDto {
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
            evidence: finding.evidence.0,
            first_seen: finding.first_seen,
            last_seen: finding.last_seen,
            resolved_at: finding.resolved_at,
            reopen_count: finding.reopen_count,
        }
    }
}

/// The acceptance of a finding.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: `FindingDto::from` writes it.
struct Acceptance {
    /// `risk_accepted` or `false_positive`.
    kind: String,
    reason: Option<String>,
    by: Option<String>,
    at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
}

/// A finding with its rule (title, description, remediation…).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: `read` writes it.
struct FindingWithRule {
    #[serde(flatten)]
    finding: FindingDto,
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
    #[serde(default = "risk_accepted")]
    #[schema(value_type = AcceptanceKind, default = "risk_accepted")]
    kind: String,
    /// When the acceptance ends (in the future); the finding reopens then.
    expires_at: Option<DateTime<Utc>>,
}

/// How a finding is accepted.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // A schema only: `accept` validates.
enum AcceptanceKind {
    RiskAccepted,
    FalsePositive,
}

fn risk_accepted() -> String {
    "risk_accepted".to_string()
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

envelope_schema!(FindingEnvelope, FindingDto);
envelope_schema!(FindingWithRuleEnvelope, FindingWithRule);
envelope_schema!(FindingListEnvelope, list FindingDto);

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
    let statuses = openapi::both_cases(store::findings::STATUSES);
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
        .map(|value| Severity::parse(value).map(|severity| severity.as_str().to_string()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| ApiError::Validation(error.to_string()))?;
    let statuses = query
        .comma_names("status", store::findings::STATUSES)
        .map_err(|bad| {
            ApiError::Validation(format!(
                "unknown finding status `{bad}`; expected open, accepted or resolved (lower or upper case)"
            ))
        })?;
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
    responses((status = 200, body = FindingListEnvelope))
)]
async fn list(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
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
    Ok(envelope::list(page, &request, FindingDto::from))
}

/// Gets a finding with its rule.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/findings/{finding_id}",
    tag = "findings",
    params(FindingPath),
    security(("bearer" = [])),
    responses((status = 200, body = FindingWithRuleEnvelope))
)]
async fn read(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, finding_id)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let finding = store::findings::get(
        &state.pool,
        context.tenant_id(),
        parse_finding_id(&finding_id)?,
    )
    .await
    .map_err(not_found_as_finding)?;
    let rule = state
        .rule_catalog
        .get(&finding.rule_id)
        .cloned()
        .unwrap_or(Value::Null);
    let mut body = serde_json::to_value(FindingDto::from(finding)).unwrap_or(Value::Null);
    body["rule"] = rule;
    Ok(envelope::data(body))
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
        (status = 200, body = FindingEnvelope),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
async fn accept(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, finding_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<AcceptRequest>,
) -> Result<Json<Value>, ApiError> {
    context.require_triage()?;
    if body.reason.trim().is_empty() {
        return Err(ApiError::Validation(
            "`reason` must say why the finding is accepted".to_string(),
        ));
    }
    if !["risk_accepted", "false_positive"].contains(&body.kind.as_str()) {
        return Err(ApiError::Validation(format!(
            "unknown acceptance kind `{}`; expected risk_accepted or false_positive",
            body.kind
        )));
    }
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
        &body.kind,
        body.reason.trim(),
        &accepted_by,
        body.expires_at,
    )
    .await
    .map_err(not_found_as_finding)?;
    Ok(envelope::data(FindingDto::from(finding)))
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
        (status = 200, body = FindingEnvelope),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
async fn resolve(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, finding_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ResolveRequest>,
) -> Result<Json<Value>, ApiError> {
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
    Ok(envelope::data(FindingDto::from(finding)))
}
