//! Compliance under `/api/v1/tenants/{tenant}/compliance/…`: `summary` (score per framework,
//! counts by status, last evaluation time), `frameworks` (each revision with its score and
//! formula) and `controls?framework=` (status, resource counts, rules, failing resources).
//! Scores come from the rule results of the tenant's current snapshot and its accepted findings.

use axum::extract::State;
use axum::{Extension, Json};
use serde::Serialize;
use serde_json::Value;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::envelope::{Envelope, Null};
use super::error::ApiError;
use super::extract::QueryParams;
use super::schema::{self, TenantPath, query_params};
use super::{AppState, TenantContext, envelope};
use crate::compliance::{self, ControlScore, ControlStatus, FrameworkScore};
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(summary))
        .routes(routes!(frameworks))
        .routes(routes!(controls))
}

/// Controls by status.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ControlCounts {
    #[serde(rename = "PASS")]
    #[schema(rename = "PASS")]
    pass: usize,
    #[serde(rename = "FAIL")]
    #[schema(rename = "FAIL")]
    fail: usize,
    #[serde(rename = "MANUAL")]
    #[schema(rename = "MANUAL")]
    manual: usize,
    #[serde(rename = "NOT_APPLICABLE")]
    #[schema(rename = "NOT_APPLICABLE")]
    not_applicable: usize,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SummaryFramework {
    framework: String,
    name: String,
    revision: String,
    /// Share of passing controls among PASS and FAIL ones; null when none applies.
    score: Option<f64>,
    formula: String,
    controls: ControlCounts,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct LastEvaluation {
    at: chrono::DateTime<chrono::Utc>,
    counts: Value,
}

/// The compliance overview.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Summary {
    /// The mean of the framework scores; null when no framework has a score.
    score: Option<f64>,
    formula: &'static str,
    frameworks: Vec<SummaryFramework>,
    last_evaluation: Option<LastEvaluation>,
}

/// A framework revision with its score.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct FrameworkDto {
    id: String,
    name: String,
    revision: String,
    score: Option<f64>,
    formula: String,
    controls_passing: usize,
    controls_failing: usize,
    controls_manual: usize,
    controls_not_applicable: usize,
    controls_total: usize,
}

/// The `meta` of the controls answer: the page of controls.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ControlsMeta {
    #[schema(minimum = 0)]
    total: i64,
    #[schema(minimum = 1)]
    page: u32,
    #[schema(minimum = 1)]
    per_page: u32,
    #[schema(minimum = 0)]
    total_pages: i64,
}

/// A framework with (a page of) its controls: the meta counts the controls.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct FrameworkControlsEnvelope {
    data: FrameworkScore,
    meta: ControlsMeta,
    error: Null,
}

query_params!(ControlsQuery => {
    let mut framework = schema::query_parameter(
        "framework",
        "Framework id",
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .enum_values(Some(framework_ids())),
    );
    framework.required = utoipa::openapi::Required::True;
    let statuses = schema::both_cases(&["pass", "fail", "manual", "not_applicable"]);
    let statuses: Vec<&str> = statuses.iter().map(String::as_str).collect();
    let mut parameters = vec![
        framework,
        schema::comma_list_parameter("status", "Control statuses, comma-separated, lower or upper case", &statuses),
    ];
    // Without `page` or `per_page`, every control of the framework.
    parameters.extend(schema::page_parameters());
    parameters
});

/// The ids of the shipped frameworks (what `framework=` accepts), from the catalog the process
/// loaded at startup (the document is built without a state at hand).
fn framework_ids() -> Vec<String> {
    compliance::Catalog::builtin()
        .map(|catalog| catalog.framework_ids())
        .unwrap_or_default()
}

async fn scores(state: &AppState, tenant_id: &str) -> Result<Vec<FrameworkScore>, ApiError> {
    let snapshot = state.snapshots.current(&state.pool, tenant_id).await?;
    let accepted = store::findings::accepted_pairs(&state.pool, tenant_id).await?;
    let rule_set = state.rule_set.clone();
    let frameworks = state.frameworks.clone();
    tokio::task::spawn_blocking(move || {
        let evaluation = snapshot.evaluation(&rule_set);
        frameworks
            .iter()
            .map(|framework| compliance::score(framework, evaluation, &accepted))
            .collect()
    })
    .await
    .map_err(|error| ApiError::Internal(anyhow::anyhow!("scoring failed: {error}")))
}

/// Score per framework, controls by status, last evaluation.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/compliance/summary",
    tag = "compliance",
    params(TenantPath),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<Summary>))
)]
async fn summary(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
) -> Result<Json<Envelope<Summary>>, ApiError> {
    let scores = scores(&state, context.tenant_id()).await?;
    let last = store::findings::latest_evaluation(&state.pool, context.tenant_id()).await?;
    let frameworks: Vec<SummaryFramework> = scores
        .iter()
        .map(|score| SummaryFramework {
            framework: score.id.clone(),
            name: score.name.clone(),
            revision: score.revision.clone(),
            score: score.score,
            formula: score.formula.clone(),
            controls: ControlCounts {
                pass: score.controls_passing,
                fail: score.controls_failing,
                manual: score.controls_manual,
                not_applicable: score.controls_not_applicable,
            },
        })
        .collect();
    let overall: Vec<f64> = scores.iter().filter_map(|score| score.score).collect();
    let average = (!overall.is_empty()).then(|| overall.iter().sum::<f64>() / overall.len() as f64);
    Ok(envelope::data(Summary {
        score: average,
        formula: "mean of the framework scores that have at least one PASS or FAIL control",
        frameworks,
        last_evaluation: last.map(|(at, counts)| LastEvaluation { at, counts }),
    }))
}

/// Each framework revision with its score and formula.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/compliance/frameworks",
    tag = "compliance",
    params(TenantPath),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<Vec<FrameworkDto>>))
)]
async fn frameworks(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
) -> Result<Json<Envelope<Vec<FrameworkDto>>>, ApiError> {
    let scores = scores(&state, context.tenant_id()).await?;
    let body: Vec<FrameworkDto> = scores
        .into_iter()
        .map(|score| FrameworkDto {
            controls_total: score.controls.len(),
            id: score.id,
            name: score.name,
            revision: score.revision,
            score: score.score,
            formula: score.formula,
            controls_passing: score.controls_passing,
            controls_failing: score.controls_failing,
            controls_manual: score.controls_manual,
            controls_not_applicable: score.controls_not_applicable,
        })
        .collect();
    Ok(envelope::data(body))
}

/// Every control of one framework: status, resource counts, rules, failing resources.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/compliance/controls",
    tag = "compliance",
    params(TenantPath, ControlsQuery),
    security(("bearer" = [])),
    responses((status = 200, body = FrameworkControlsEnvelope))
)]
async fn controls(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    query: QueryParams,
) -> Result<Json<FrameworkControlsEnvelope>, ApiError> {
    query.only(&["framework", "status", "page", "per_page"])?;
    let statuses = query
        .comma_names("status", &["pass", "fail", "manual", "not_applicable"])
        .map_err(|bad| {
            ApiError::Validation(format!(
                "unknown control status `{bad}`; expected PASS, FAIL, MANUAL or NOT_APPLICABLE"
            ))
        })?;
    let paged = query.single("page")?.is_some() || query.single("per_page")?.is_some();
    let request = query.page_request(&crate::store::paging::Sort {
        column: CONTROL_ORDER,
        descending: false,
    })?;
    let wanted = query.non_empty("framework")?.ok_or_else(|| {
        ApiError::Validation("`framework` is required (e.g. cis-aws-foundations)".to_string())
    })?;
    let known: Vec<String> = state
        .frameworks
        .iter()
        .map(|framework| framework.id.clone())
        .collect();
    if !known.contains(&wanted) {
        return Err(ApiError::Validation(format!(
            "unknown framework `{wanted}`; expected one of: {}",
            known.join(", ")
        )));
    }
    let scores = scores(&state, context.tenant_id()).await?;
    let Some(mut score) = scores.into_iter().find(|score| score.id == wanted) else {
        return Err(ApiError::not_found("framework"));
    };
    // The framework's score comes with its controls (the answer is the framework); `status`
    // filters the controls, and `page`/`per_page` page them (all of them when neither is given).
    let controls: Vec<ControlScore> = std::mem::take(&mut score.controls)
        .into_iter()
        .filter(|control| {
            statuses.is_empty() || statuses.contains(&control_status_name(control.status))
        })
        .collect();
    let total = controls.len() as i64;
    let (page, per_page) = if paged {
        (request.page, request.per_page)
    } else {
        (1, u32::try_from(total).unwrap_or(u32::MAX).max(1))
    };
    let start = (page.saturating_sub(1) as usize).saturating_mul(per_page as usize);
    score.controls = controls
        .into_iter()
        .skip(start)
        .take(per_page as usize)
        .collect();
    let total_pages = if total == 0 {
        0
    } else {
        (total + i64::from(per_page) - 1) / i64::from(per_page)
    };
    Ok(Json(FrameworkControlsEnvelope {
        data: score,
        meta: ControlsMeta {
            total,
            page,
            per_page,
            total_pages,
        },
        error: Null,
    }))
}

/// The lower-case name `status=` uses for a control status.
fn control_status_name(status: ControlStatus) -> String {
    match status {
        ControlStatus::Pass => "pass",
        ControlStatus::Fail => "fail",
        ControlStatus::Manual => "manual",
        ControlStatus::NotApplicable => "not_applicable",
    }
    .to_string()
}

/// Controls are listed in the framework's order.
const CONTROL_ORDER: crate::store::paging::SortColumn = crate::store::paging::SortColumn {
    field: "id",
    column: "id",
    sql_type: "text",
};
