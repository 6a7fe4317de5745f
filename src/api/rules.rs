//! `GET /api/v1/tenants/{tenant}/rules`, `GET …/rules/{id}` (the loaded rule pack) and
//! `POST …/evaluations` (an on-demand evaluation, run as a job: 202 with the job).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::error::ApiError;
use super::extract::ApiPath;
use super::{AppState, TenantContext, envelope};
use crate::store::{self, jobs::NewJob};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenants/{tenant}/rules", get(list))
        .route("/api/v1/tenants/{tenant}/rules/{rule_id}", get(read))
        .route("/api/v1/tenants/{tenant}/evaluations", post(evaluate))
}

async fn list(
    State(state): State<AppState>,
    Extension(_context): Extension<TenantContext>,
) -> Json<Value> {
    let mut rules: Vec<&Value> = state.rule_catalog.values().collect();
    rules.sort_by(|left, right| left["id"].as_str().cmp(&right["id"].as_str()));
    Json(json!({"data": rules, "meta": {"total": rules.len()}, "error": Value::Null}))
}

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

async fn evaluate(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    context.require_triage()?;
    let new_job = NewJob {
        kind: "evaluation".to_string(),
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
