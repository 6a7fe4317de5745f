//! Compliance under `/api/v1/tenants/{tenant}/compliance/…`: `summary` (score per framework,
//! counts by status, last evaluation time), `frameworks` (each revision with its score and
//! formula) and `controls?framework=` (status, resource counts, rules, failing resources).
//! Scores come from the rule results of the tenant's current snapshot and its accepted findings.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::error::ApiError;
use super::extract::QueryParams;
use super::{AppState, TenantContext, envelope};
use crate::compliance::{self, FrameworkScore};
use crate::model::NodeId;
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

async fn scores(state: &AppState, tenant_id: &str) -> Result<Vec<FrameworkScore>, ApiError> {
    let snapshot = state.snapshots.current(&state.pool, tenant_id).await?;
    let accepted: HashSet<(String, NodeId)> =
        store::findings::accepted_pairs(&state.pool, tenant_id)
            .await?
            .into_iter()
            .filter_map(|(rule_id, node_id)| Some((rule_id, NodeId::parse(&node_id).ok()?)))
            .collect();
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

async fn controls(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    query.only(&["framework"])?;
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
    Ok(envelope::data(score))
}

/// The shipped frameworks, validated against the shipped rules.
pub fn builtin_frameworks(rule_set: &crate::rules::RuleSet) -> Arc<Vec<compliance::Framework>> {
    match compliance::builtin(rule_set) {
        Ok(frameworks) => Arc::new(frameworks),
        Err(error) => {
            tracing::error!(%error, "the shipped frameworks do not load");
            Arc::new(Vec::new())
        }
    }
}
