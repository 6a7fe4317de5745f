//! `GET /api/v1/tenants/{tenant}/rules`, `GET …/rules/{id}` (the loaded rule pack) and
//! `POST …/evaluations` (an on-demand evaluation, run as a job: 202 with the job).

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Serialize;
use serde_json::json;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::envelope::{Envelope, ListEnvelope};
use super::error::ApiError;
use super::extract::ApiPath;
use super::schema::{self, TenantPath, path_params, query_params};
use super::{AppState, TenantContext, envelope};
use crate::rules::Rule;
use crate::store::{self, jobs::NewJob};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(read))
        .routes(routes!(evaluate))
}

/// The answer of `POST …/evaluations`: the queued job.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct EvaluationJob {
    job_id: uuid::Uuid,
    status: crate::model::JobStatus,
}

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
    responses((status = 200, body = ListEnvelope<Rule>))
)]
async fn list(
    State(state): State<AppState>,
    Extension(_context): Extension<TenantContext>,
    query: super::extract::QueryParams,
) -> Result<Json<ListEnvelope<Rule>>, ApiError> {
    query.only(&["resource", "severity", "page", "per_page"])?;
    let severities = query
        .comma_list("severity")
        .iter()
        .map(|value| crate::model::Severity::parse(value))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| ApiError::Validation(error.to_string()))?;
    let resource = query.non_empty("resource")?;
    let mut rules: Vec<&Rule> = state
        .rule_set
        .rules()
        .iter()
        .filter(|rule| {
            resource
                .as_deref()
                .is_none_or(|wanted| rule.resource.as_str() == wanted)
        })
        .filter(|rule| severities.is_empty() || severities.contains(&rule.severity))
        .collect();
    rules.sort_by(|left, right| left.id.cmp(&right.id));
    // The pack is in memory: a page is a slice of it, in id order.
    let request = query.page_request(&crate::store::paging::Sort {
        column: RULE_ORDER,
        descending: false,
    })?;
    let total = rules.len() as i64;
    let start = (request.page.saturating_sub(1) as usize).saturating_mul(request.per_page as usize);
    let items: Vec<Rule> = rules
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
    let severities = schema::both_cases(
        &crate::model::Severity::ALL
            .iter()
            .map(|severity| severity.as_str())
            .collect::<Vec<_>>(),
    );
    let severities: Vec<&str> = severities.iter().map(String::as_str).collect();
    let mut parameters = vec![
        schema::text_parameter("resource", "Only rules on this node type (`aws.ec2.instance`, …)"),
        schema::comma_list_parameter("severity", "Severities, comma-separated, lower or upper case", &severities),
    ];
    parameters.extend(schema::page_parameters());
    parameters
});

/// Gets a rule.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/rules/{rule_id}",
    tag = "findings",
    params(RulePath),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<Rule>))
)]
async fn read(
    State(state): State<AppState>,
    Extension(_context): Extension<TenantContext>,
    ApiPath((_, rule_id)): ApiPath<(String, String)>,
) -> Result<Json<Envelope<Rule>>, ApiError> {
    let rule = state
        .rule_set
        .rules()
        .iter()
        .find(|rule| rule.id == rule_id)
        .ok_or_else(|| ApiError::not_found("rule"))?;
    Ok(envelope::data(rule.clone()))
}

/// Queues an evaluation of the rules over the current graph (analysts, admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/evaluations",
    tag = "findings",
    params(TenantPath),
    security(("bearer" = [])),
    responses(
        (status = 202, body = Envelope<EvaluationJob>),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn evaluate(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
) -> Result<(StatusCode, Json<Envelope<EvaluationJob>>), ApiError> {
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
        envelope::data(EvaluationJob {
            job_id: job.job_id,
            status: job.status,
        }),
    ))
}
