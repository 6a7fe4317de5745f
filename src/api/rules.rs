//! `GET /api/v1/tenants/{tenant}/rules`, `GET …/rules/{id}` (the loaded rule pack) and
//! `POST …/evaluations` (an on-demand evaluation, run as a job: 202 with the job).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::error::ApiError;
use super::extract::ApiPath;
use super::openapi::{self, TenantPath, envelope_schema, path_params, query_params};
use super::{AppState, TenantContext, envelope};
use crate::store::{self, jobs::NewJob};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenants/{tenant}/rules", get(list))
        .route("/api/v1/tenants/{tenant}/rules/{rule_id}", get(read))
        .route("/api/v1/tenants/{tenant}/evaluations", post(evaluate))
}

/// How to fix a rule's violations.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: mirrors `rules::Remediation`.
struct Remediation {
    text: String,
    cli: Option<String>,
    terraform: Option<String>,
    url: Option<String>,
}

/// A loaded rule (CEL condition true = violation).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: mirrors `rules::Rule`.
struct RuleDto {
    id: String,
    version: i64,
    title: String,
    /// `info`, `low`, `medium`, `high` or `critical`.
    severity: String,
    /// The node type the rule evaluates.
    resource: String,
    categories: Vec<String>,
    description: String,
    risk: String,
    remediation: Remediation,
    references: Vec<String>,
    condition: String,
    reason: String,
    examples: Vec<Value>,
    /// The rule file it came from.
    source: String,
}

envelope_schema!(RuleListEnvelope, list RuleDto);

/// The answer of `POST …/evaluations`: the queued job.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: `evaluate` writes it.
struct EvaluationJob {
    job_id: uuid::Uuid,
    status: String,
}

envelope_schema!(RuleEnvelope, RuleDto);
envelope_schema!(EvaluationEnvelope, EvaluationJob);

path_params!(RulePath {
    "tenant" => "Tenant id (slug)",
    "rule_id" => "Rule id (`aws.ec2.sg_ssh_open_to_internet`, …)",
});

/// The loaded rule pack, by id.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/rules",
    tag = "findings",
    params(TenantPath, RuleListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = RuleListEnvelope))
)]
async fn list(
    State(state): State<AppState>,
    Extension(_context): Extension<TenantContext>,
    query: super::extract::QueryParams,
) -> Result<Json<Value>, ApiError> {
    query.only(&["resource", "severity", "page", "per_page"])?;
    let severities = query
        .comma_list("severity")
        .iter()
        .map(|value| crate::model::Severity::parse(value).map(|severity| severity.as_str()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| ApiError::Validation(error.to_string()))?;
    let resource = query.non_empty("resource")?;
    let mut rules: Vec<&Value> = state
        .rule_catalog
        .values()
        .filter(|rule| {
            resource
                .as_deref()
                .is_none_or(|wanted| rule["resource"] == wanted)
        })
        .filter(|rule| {
            severities.is_empty()
                || rule["severity"].as_str().is_some_and(|severity| {
                    severities.contains(&severity.to_ascii_lowercase().as_str())
                })
        })
        .collect();
    rules.sort_by(|left, right| left["id"].as_str().cmp(&right["id"].as_str()));
    // The pack is in memory: a page is a slice of it, in id order.
    let request = query.page_request(&crate::store::paging::Sort {
        column: RULE_ORDER,
        descending: false,
    })?;
    let total = rules.len() as i64;
    let start = (request.page.saturating_sub(1) as usize).saturating_mul(request.per_page as usize);
    let items: Vec<Value> = rules
        .into_iter()
        .skip(start)
        .take(request.per_page as usize)
        .cloned()
        .collect();
    let page = crate::store::paging::Page {
        items,
        total,
        next_cursor: None,
    };
    Ok(envelope::list(page, &request, |rule| rule))
}

/// Rules are listed in id order.
const RULE_ORDER: crate::store::paging::SortColumn = crate::store::paging::SortColumn {
    field: "id",
    column: "id",
    sql_type: "text",
};

query_params!(RuleListQuery => {
    let severities = openapi::both_cases(
        &crate::model::Severity::ALL
            .iter()
            .map(|severity| severity.as_str())
            .collect::<Vec<_>>(),
    );
    let severities: Vec<&str> = severities.iter().map(String::as_str).collect();
    let mut parameters = vec![
        openapi::text_parameter("resource", "Only rules on this node type (`aws.ec2.instance`, …)"),
        openapi::comma_list_parameter("severity", "Severities, comma-separated, lower or upper case", &severities),
    ];
    parameters.extend(openapi::page_parameters());
    parameters
});

/// Gets a rule.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/rules/{rule_id}",
    tag = "findings",
    params(RulePath),
    security(("bearer" = [])),
    responses((status = 200, body = RuleEnvelope))
)]
async fn read(
    State(state): State<AppState>,
    Extension(_context): Extension<TenantContext>,
    ApiPath((_, rule_id)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let rule = state
        .rule_catalog
        .get(&rule_id)
        .ok_or_else(|| ApiError::not_found("rule"))?;
    Ok(envelope::data(rule))
}

/// Queues an evaluation of the rules over the current graph (analysts, admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/evaluations",
    tag = "findings",
    params(TenantPath),
    security(("bearer" = [])),
    responses(
        (status = 202, body = EvaluationEnvelope),
        (status = 403, response = openapi::Forbidden),
    )
)]
async fn evaluate(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    context.require_triage()?;
    let new_job = NewJob {
        kind: crate::model::JobKind::Evaluation,
        provider: None,
        config: json!({}),
        start: true,
    };
    let job = store::jobs::create(&state.pool, context.tenant_id(), &new_job).await?;
    Ok((
        StatusCode::ACCEPTED,
        envelope::data(json!({"job_id": job.job_id, "status": job.status})),
    ))
}
