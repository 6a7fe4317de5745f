//! Compliance under `/api/v1/tenants/{tenant}/compliance/…`: `summary` (score and coverage per
//! framework, counts by status, the evaluation scored), `frameworks` (each revision with its score,
//! formula and coverage) and `controls?framework=` (status, resource counts, rules, failing
//! resources, the manual check of MANUAL controls).
//!
//! Scores are read, not recomputed: the evaluation that follows a discovery (or `POST
//! /evaluations`) stores the result it implies (`store::compliance`), and each answer says which
//! evaluation, job and graph generation it reflects; while the next evaluation runs the previous
//! result answers. The tenant's current acceptances are applied at read time
//! (`compliance::apply_acceptance`, costing the number of accepted findings), so accepting or
//! reopening a finding moves the score at once. Before a tenant's first evaluation every answer
//! has `evaluation: null`, no score, and its automated controls NOT_APPLICABLE.

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
use crate::compliance::{self, Acceptance, ControlScore, ControlStatus, FrameworkScore};
use crate::store;
use crate::store::compliance::EvaluationRef;

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
    /// 100 × PASS / (PASS + FAIL) controls; null when none passed or failed. Read it with the
    /// coverage: MANUAL and NOT_APPLICABLE controls are not in it.
    score: Option<f64>,
    formula: String,
    controls: ControlCounts,
    /// Every control of the revision.
    controls_total: usize,
    /// PASS + FAIL controls: what the score is about.
    controls_assessed: usize,
    /// 100 × controls_assessed / controls_total; null for a framework without controls.
    coverage: Option<f64>,
    /// e.g. "12 of 62 controls assessed (19%); 40 manual, 10 not applicable".
    coverage_text: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct LastEvaluation {
    at: chrono::DateTime<chrono::Utc>,
    counts: Value,
}

/// The evaluation a stored compliance result reflects.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
struct ScoredEvaluation {
    evaluation_id: uuid::Uuid,
    /// The job (discovery or evaluation) that ran it; null when none did.
    job_id: Option<uuid::Uuid>,
    /// The tenant's graph generation (snapshot) that was evaluated.
    graph_generation: i64,
    evaluated_at: chrono::DateTime<chrono::Utc>,
}

impl From<&EvaluationRef> for ScoredEvaluation {
    fn from(evaluation: &EvaluationRef) -> Self {
        ScoredEvaluation {
            evaluation_id: evaluation.evaluation_id,
            job_id: evaluation.job_id,
            graph_generation: evaluation.graph_generation,
            evaluated_at: evaluation.evaluated_at,
        }
    }
}

/// The compliance overview.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Summary {
    /// The mean of the framework scores; null when no framework has a score.
    score: Option<f64>,
    formula: &'static str,
    frameworks: Vec<SummaryFramework>,
    /// The evaluation whose stored result these scores are; null before the tenant's first one.
    evaluation: Option<ScoredEvaluation>,
    /// When that evaluation ran and what it changed; null before the tenant's first one.
    last_evaluation: Option<LastEvaluation>,
}

/// A framework revision with its score and coverage.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct FrameworkDto {
    id: String,
    name: String,
    revision: String,
    /// 100 × PASS / (PASS + FAIL) controls; null when none passed or failed.
    score: Option<f64>,
    formula: String,
    controls_passing: usize,
    controls_failing: usize,
    controls_manual: usize,
    controls_not_applicable: usize,
    /// Every control of the revision.
    controls_total: usize,
    /// PASS + FAIL controls: what the score is about.
    controls_assessed: usize,
    /// 100 × controls_assessed / controls_total; null for a framework without controls.
    coverage: Option<f64>,
    /// e.g. "12 of 62 controls assessed (19%); 40 manual, 10 not applicable".
    coverage_text: String,
    /// The evaluation this score reflects; null before the tenant's first one.
    evaluation: Option<ScoredEvaluation>,
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
    /// The evaluation this result reflects; null before the tenant's first one.
    evaluation: Option<ScoredEvaluation>,
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

/// The tenant's stored compliance result with its current acceptances applied, and the
/// evaluation it reflects (None before the first: then every framework scored over nothing).
struct Scores {
    evaluation: Option<EvaluationRef>,
    frameworks: Vec<FrameworkScore>,
}

/// Reads the stored result. Controls are loaded for the frameworks `with_controls` names and for
/// those an accepted finding touches (acceptance is applied control by control).
async fn scores(
    state: &AppState,
    tenant_id: &str,
    with_controls: Option<&str>,
) -> Result<Scores, ApiError> {
    let facts = store::compliance::acceptance_facts(&state.pool, tenant_id).await?;
    let accepted_rules: std::collections::HashSet<&str> = facts
        .accepted
        .iter()
        .map(|(rule, _)| rule.as_str())
        .collect();
    let stored = store::compliance::read(&state.pool, tenant_id, |framework, rule_ids| {
        with_controls == Some(framework)
            || rule_ids
                .iter()
                .any(|rule| accepted_rules.contains(rule.as_str()))
    })
    .await?;
    if stored.is_empty() {
        let nothing = crate::rules::Evaluation::default();
        return Ok(Scores {
            evaluation: None,
            frameworks: state
                .frameworks
                .iter()
                .map(|framework| compliance::score_unaccepted(framework, &nothing))
                .collect(),
        });
    }
    let acceptance = Acceptance {
        accepted: facts.accepted,
        failing_rules_by_node: facts.failing_rules_by_node,
        rules_with_unaccepted_failures: facts.rules_with_open_failures,
    };
    let evaluation = stored[0].evaluation.clone();
    let mut frameworks = Vec::with_capacity(stored.len());
    for row in stored {
        let whole = row.result.is_some();
        let value = row.result.unwrap_or(row.summary);
        let score: FrameworkScore = serde_json::from_value(value).map_err(|error| {
            ApiError::Internal(anyhow::anyhow!(
                "stored compliance result of {} does not parse: {error}",
                row.framework_id
            ))
        })?;
        frameworks.push(if whole {
            compliance::apply_acceptance(score, &acceptance)
        } else {
            score
        });
    }
    Ok(Scores {
        evaluation: Some(evaluation),
        frameworks,
    })
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
    let Scores {
        evaluation,
        frameworks: scores,
    } = scores(&state, context.tenant_id(), None).await?;
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
            controls_total: score.controls_total,
            controls_assessed: score.controls_assessed,
            coverage: score.coverage,
            coverage_text: score.coverage_text.clone(),
        })
        .collect();
    let overall: Vec<f64> = scores.iter().filter_map(|score| score.score).collect();
    let average = (!overall.is_empty()).then(|| overall.iter().sum::<f64>() / overall.len() as f64);
    Ok(envelope::data(Summary {
        score: average,
        formula: "mean of the framework scores that have at least one PASS or FAIL control",
        frameworks,
        last_evaluation: evaluation.as_ref().map(|evaluation| LastEvaluation {
            at: evaluation.evaluated_at,
            counts: evaluation
                .counts
                .clone()
                .unwrap_or_else(|| Value::Object(Default::default())),
        }),
        evaluation: evaluation.as_ref().map(ScoredEvaluation::from),
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
    let Scores {
        evaluation,
        frameworks: scores,
    } = scores(&state, context.tenant_id(), None).await?;
    let evaluation = evaluation.as_ref().map(ScoredEvaluation::from);
    let body: Vec<FrameworkDto> = scores
        .into_iter()
        .map(|score| FrameworkDto {
            controls_total: score.controls_total,
            controls_assessed: score.controls_assessed,
            coverage: score.coverage,
            coverage_text: score.coverage_text,
            evaluation: evaluation.clone(),
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
    let Scores {
        evaluation,
        frameworks: scores,
    } = scores(&state, context.tenant_id(), Some(&wanted)).await?;
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
            evaluation: evaluation.as_ref().map(ScoredEvaluation::from),
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
