//! Compliance under `/api/v1/tenants/{tenant}/compliance/…`: `summary` (score per framework,
//! counts by status, last evaluation time), `frameworks` (each revision with its score and
//! formula) and `controls?framework=` (status, resource counts, rules, failing resources).
//! Scores come from the rule results of the tenant's current snapshot and its accepted findings.

use axum::extract::State;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::error::ApiError;
use super::extract::QueryParams;
use super::openapi::{self, TenantPath, envelope_schema, query_params};
use super::{AppState, TenantContext, envelope};
use crate::compliance::{self, FrameworkScore};
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenants/{tenant}/compliance/summary", get(summary))
        .route(
            "/api/v1/tenants/{tenant}/compliance/frameworks",
            get(frameworks),
        )
        .route(
            "/api/v1/tenants/{tenant}/compliance/controls",
            get(controls),
        )
}

/// Controls by status.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only.
#[allow(non_snake_case)] // The keys are the statuses.
struct ControlCounts {
    PASS: u64,
    FAIL: u64,
    MANUAL: u64,
    NOT_APPLICABLE: u64,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: `summary` writes it.
struct SummaryFramework {
    framework: String,
    name: String,
    revision: String,
    /// Share of passing controls among PASS and FAIL ones; null when none applies.
    score: Option<f64>,
    formula: String,
    controls: ControlCounts,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only.
struct LastEvaluation {
    at: chrono::DateTime<chrono::Utc>,
    counts: Value,
}

/// The compliance overview.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: `summary` writes it.
struct Summary {
    /// The mean of the framework scores; null when no framework has a score.
    score: Option<f64>,
    formula: String,
    frameworks: Vec<SummaryFramework>,
    last_evaluation: Option<LastEvaluation>,
}

/// A framework revision with its score.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: `frameworks` writes it.
struct FrameworkDto {
    id: String,
    name: String,
    revision: String,
    score: Option<f64>,
    formula: String,
    controls_passing: u64,
    controls_failing: u64,
    controls_manual: u64,
    controls_not_applicable: u64,
    controls_total: u64,
}

#[derive(utoipa::ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(dead_code)] // A schema only: mirrors `compliance::ControlStatus`.
enum ControlStatus {
    Pass,
    Fail,
    Manual,
    NotApplicable,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: mirrors `compliance::FailingResource`.
struct FailingResource {
    node_id: String,
    rule_id: String,
    reason: String,
}

/// A control's status with the counts and formula behind its score.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: mirrors `compliance::ControlScore`.
struct ControlScore {
    id: String,
    section: String,
    title: String,
    status: ControlStatus,
    rules: Vec<String>,
    rules_passing: u64,
    rules_failing: u64,
    rules_errored: u64,
    resources_evaluated: u64,
    resources_passing: u64,
    resources_failing: u64,
    resources_accepted: u64,
    score: Option<f64>,
    formula: String,
    failing_resources: Vec<FailingResource>,
}

/// A framework revision with every control.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: mirrors `compliance::FrameworkScore`.
struct FrameworkControls {
    id: String,
    name: String,
    revision: String,
    score: Option<f64>,
    formula: String,
    controls_passing: u64,
    controls_failing: u64,
    controls_manual: u64,
    controls_not_applicable: u64,
    controls: Vec<ControlScore>,
}

envelope_schema!(SummaryEnvelope, Summary);
envelope_schema!(FrameworkListEnvelope, Vec<FrameworkDto>);
/// A framework with (a page of) its controls: the list meta counts the controls.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: `controls` writes this shape.
struct FrameworkControlsEnvelope {
    data: FrameworkControls,
    meta: openapi::ListMeta,
    error: openapi::Null,
}

query_params!(ControlsQuery => {
    let mut framework = openapi::query_parameter(
        "framework",
        "Framework id",
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .enum_values(Some(framework_ids())),
    );
    framework.required = utoipa::openapi::Required::True;
    let statuses = openapi::both_cases(&["pass", "fail", "manual", "not_applicable"]);
    let statuses: Vec<&str> = statuses.iter().map(String::as_str).collect();
    let mut parameters = vec![
        framework,
        openapi::comma_list_parameter("status", "Control statuses, comma-separated, lower or upper case", &statuses),
    ];
    // Without `page` or `per_page`, every control of the framework.
    parameters.extend(openapi::page_parameters());
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
    responses((status = 200, body = SummaryEnvelope))
)]
async fn summary(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
) -> Result<Json<Value>, ApiError> {
    let scores = scores(&state, context.tenant_id()).await?;
    let last = store::findings::latest_evaluation(&state.pool, context.tenant_id()).await?;
    let frameworks: Vec<Value> = scores
        .iter()
        .map(|score| {
            json!({
                "framework": score.id, "name": score.name, "revision": score.revision, "score": score.score, "formula": score.formula,
                "controls": {"PASS": score.controls_passing, "FAIL": score.controls_failing, "MANUAL": score.controls_manual, "NOT_APPLICABLE": score.controls_not_applicable},
            })
        })
        .collect();
    let overall: Vec<f64> = scores.iter().filter_map(|score| score.score).collect();
    let average = (!overall.is_empty()).then(|| overall.iter().sum::<f64>() / overall.len() as f64);
    Ok(envelope::data(json!({
        "score": average,
        "formula": "mean of the framework scores that have at least one PASS or FAIL control",
        "frameworks": frameworks,
        "last_evaluation": last.map(|(at, counts)| json!({"at": at, "counts": counts})),
    })))
}

/// Each framework revision with its score and formula.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/compliance/frameworks",
    tag = "compliance",
    params(TenantPath),
    security(("bearer" = [])),
    responses((status = 200, body = FrameworkListEnvelope))
)]
async fn frameworks(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
) -> Result<Json<Value>, ApiError> {
    let scores = scores(&state, context.tenant_id()).await?;
    let body: Vec<Value> = scores
        .iter()
        .map(|score| {
            json!({
                "id": score.id, "name": score.name, "revision": score.revision, "score": score.score, "formula": score.formula,
                "controls_passing": score.controls_passing, "controls_failing": score.controls_failing,
                "controls_manual": score.controls_manual, "controls_not_applicable": score.controls_not_applicable,
                "controls_total": score.controls.len(),
            })
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
) -> Result<Json<Value>, ApiError> {
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
    let Some(score) = scores.into_iter().find(|score| score.id == wanted) else {
        return Err(ApiError::not_found("framework"));
    };
    // The framework's score comes with its controls (the answer is the framework); `status`
    // filters the controls, and `page`/`per_page` page them (all of them when neither is given).
    let mut body = serde_json::to_value(&score)
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("serialising a score: {error}")))?;
    let controls: Vec<Value> = body["controls"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|control| {
            statuses.is_empty()
                || control["status"]
                    .as_str()
                    .is_some_and(|status| statuses.contains(&status.to_ascii_lowercase()))
        })
        .collect();
    let total = controls.len() as i64;
    let (page, per_page) = if paged {
        (request.page, request.per_page)
    } else {
        (1, u32::try_from(total).unwrap_or(u32::MAX).max(1))
    };
    let start = (page.saturating_sub(1) as usize).saturating_mul(per_page as usize);
    body["controls"] = Value::Array(
        controls
            .into_iter()
            .skip(start)
            .take(per_page as usize)
            .collect(),
    );
    let total_pages = if total == 0 {
        0
    } else {
        (total + i64::from(per_page) - 1) / i64::from(per_page)
    };
    Ok(Json(serde_json::json!({
        "data": body,
        "meta": {"total": total, "page": page, "per_page": per_page, "total_pages": total_pages},
        "error": Value::Null,
    })))
}

/// Controls are listed in the framework's order.
const CONTROL_ORDER: crate::store::paging::SortColumn = crate::store::paging::SortColumn {
    field: "id",
    column: "id",
    sql_type: "text",
};
