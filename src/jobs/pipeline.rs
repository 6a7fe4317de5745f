//! One job from claim to commit: run the provider while a watcher renews the lease, then, under
//! the fencing token, reconcile completed scopes into the store in one transaction. A failed or
//! cancelled job, or one whose lease was taken over, changes nothing.

use std::sync::atomic::Ordering;

use anyhow::Context;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::JobRuntime;
use super::providers::{self, Progress};
use super::watcher::{self, JobFlags};
use crate::discovery::{DiscoveryOutcome, ProgressEvent, ScopeStatus};
use crate::model::Scope;
use crate::store::{self, jobs::Job, jobs::Outcome};

/// What happened to a job this worker ran.
#[derive(Debug, Clone, PartialEq)]
pub struct FinishedJob {
    pub tenant_id: String,
    pub job_id: Uuid,
    /// The final status, or `abandoned` when another worker took the job over.
    pub status: String,
    pub counts: Value,
}

pub async fn run_next(runtime: &JobRuntime) -> anyhow::Result<Option<FinishedJob>> {
    let lease_seconds = runtime.config.lease.as_secs_f64();
    let Some(job) =
        store::jobs::claim_next(&runtime.pool, &runtime.config.worker_id, lease_seconds)
            .await
            .context("claiming a job")?
    else {
        return Ok(None);
    };
    tracing::info!(tenant = %job.tenant_id, job = %job.job_id, attempt = job.attempts, "job claimed");
    let token = job.fencing_token;
    let flags = JobFlags::default();
    let watcher = watcher::watch(
        runtime.pool.clone(),
        job.tenant_id.clone(),
        job.job_id,
        token,
        runtime.config.clone(),
        flags.clone(),
    );
    let (events, receiver) = mpsc::unbounded_channel();
    let recorder = tokio::spawn(record_progress(runtime.clone(), job.clone(), receiver));

    if job.kind == "evaluation" {
        drop(events);
        let _ = recorder.await;
        watcher.abort();
        return finish_evaluation_job(runtime, &job, token).await.map(Some);
    }
    if job.kind == "report" {
        drop(events);
        let _ = recorder.await;
        // The watcher keeps renewing the lease while a large report renders.
        let finished = super::report::run_report_job(runtime, &job, token).await;
        watcher.abort();
        return finished.map(Some);
    }
    let discovered = match job.kind.as_str() {
        "discovery" => providers::discover(runtime, &job, &flags, events).await,
        other => Err(format!("unknown job kind `{other}`")),
    };
    let progress = recorder.await.unwrap_or_default();
    watcher.abort();

    if flags.lease_lost.load(Ordering::SeqCst) {
        tracing::warn!(job = %job.job_id, "lease taken over by another worker; abandoning without commit");
        return Ok(Some(FinishedJob {
            tenant_id: job.tenant_id,
            job_id: job.job_id,
            status: "abandoned".to_string(),
            counts: Value::Null,
        }));
    }
    let cancelled = flags.cancelled.load(Ordering::SeqCst);
    let finished = commit(runtime, &job, token, discovered, cancelled, progress).await?;
    if finished.status == "succeeded" || finished.status == "partially_succeeded" {
        let summary = super::evaluation::evaluate_tenant(runtime, &job.tenant_id, Some(job.job_id))
            .await
            .context("evaluating rules after discovery")?;
        tracing::info!(job = %job.job_id, failing = summary.failing, new = summary.new, resolved = summary.resolved, "evaluation finished");
    }
    Ok(Some(finished))
}

async fn record_progress(
    runtime: JobRuntime,
    job: Job,
    mut receiver: mpsc::UnboundedReceiver<ProgressEvent>,
) -> Progress {
    let mut progress = Progress::default();
    while let Some(event) = receiver.recv().await {
        progress.apply(&event);
        if let Some(callback) = &runtime.on_progress {
            callback(&progress);
        }
        // Page events are frequent; scope boundaries are what readers wait for.
        let worth_writing =
            !matches!(event, ProgressEvent::PageFetched { .. }) || progress.pages_fetched % 10 == 0;
        if worth_writing {
            let value = serde_json::to_value(&progress).unwrap_or(Value::Null);
            if let Err(error) = store::jobs::record_progress(
                &runtime.pool,
                &job.tenant_id,
                job.job_id,
                job.fencing_token,
                &value,
            )
            .await
            {
                tracing::warn!(job = %job.job_id, %error, "recording progress failed");
            }
        }
    }
    progress
}

fn scope_results_json(outcome: &DiscoveryOutcome) -> Value {
    Value::Array(
        outcome
            .scopes
            .iter()
            .map(|result| {
                let error = match &result.status {
                    ScopeStatus::Failed { error } => Value::String(error.clone()),
                    _ => Value::Null,
                };
                json!({
                    "provider": result.scope.provider,
                    "account": result.scope.account,
                    "region": result.scope.region,
                    "status": providers::status_name(&result.status),
                    "nodes": result.nodes,
                    "edges": result.edges,
                    "gaps": result.gaps,
                    "error": error,
                })
            })
            .collect(),
    )
}

/// Decides the final status and writes it (and, when scopes completed, the reconciled graph) in
/// one transaction guarded by the fencing token.
async fn commit(
    runtime: &JobRuntime,
    job: &Job,
    token: i64,
    discovered: Result<DiscoveryOutcome, String>,
    cancelled: bool,
    progress: Progress,
) -> anyhow::Result<FinishedJob> {
    let progress = serde_json::to_value(&progress).unwrap_or(Value::Null);
    let mut transaction = runtime.pool.begin().await?;
    // A cancel that arrived after the watcher's last look still wins: checked under the row lock.
    let cancel_requested =
        store::jobs::lock_for_commit(&mut transaction, &job.tenant_id, job.job_id, token).await?;
    let cancelled = cancelled || cancel_requested;
    let (status, outcome, errors) = match discovered {
        Err(_) if cancelled => ("cancelled", None, Vec::new()),
        Err(message) => ("failed", None, vec![message]),
        Ok(outcome) => {
            let completed = outcome
                .scopes
                .iter()
                .filter(|result| result.status == ScopeStatus::Completed)
                .count();
            let errors: Vec<String> = outcome
                .scopes
                .iter()
                .filter_map(|result| match &result.status {
                    ScopeStatus::Failed { error } => {
                        Some(format!("{}: {error}", result.scope.region))
                    }
                    _ => None,
                })
                .collect();
            let status = if cancelled {
                "cancelled"
            } else if completed == 0 {
                "failed"
            } else if completed < outcome.scopes.len() {
                "partially_succeeded"
            } else {
                "succeeded"
            };
            (status, Some(outcome), errors)
        }
    };

    let mut counts = Value::Object(Default::default());
    if let (Some(outcome), "succeeded" | "partially_succeeded") = (&outcome, status) {
        let completed: Vec<Scope> = outcome
            .scopes
            .iter()
            .filter(|result| result.status == ScopeStatus::Completed)
            .map(|result| result.scope.clone())
            .collect();
        let reconciled = store::reconcile::reconcile(
            &mut transaction,
            &job.tenant_id,
            job.job_id,
            &outcome.inventory,
            &completed,
        )
        .await?;
        counts = serde_json::to_value(reconciled)?;
    }
    let scopes = outcome
        .as_ref()
        .map(scope_results_json)
        .unwrap_or(Value::Array(Vec::new()));
    store::jobs::finish(
        &mut transaction,
        &job.tenant_id,
        job.job_id,
        &Outcome {
            status: status.to_string(),
            scopes,
            counts: counts.clone(),
            errors: json!(errors),
            progress,
        },
    )
    .await?;
    let event = if status == "failed" {
        "job.failed"
    } else {
        "job.completed"
    };
    let payload = json!({"job_id": job.job_id, "kind": job.kind, "provider": job.provider, "status": status, "counts": counts, "errors": errors});
    store::webhooks::enqueue(&mut transaction, &job.tenant_id, event, &payload).await?;
    transaction.commit().await?;
    Ok(FinishedJob {
        tenant_id: job.tenant_id.clone(),
        job_id: job.job_id,
        status: status.to_string(),
        counts,
    })
}

/// An on-demand evaluation job: evaluate, then record the outcome under the fencing token.
async fn finish_evaluation_job(
    runtime: &JobRuntime,
    job: &Job,
    token: i64,
) -> anyhow::Result<FinishedJob> {
    let outcome =
        super::evaluation::evaluate_tenant(runtime, &job.tenant_id, Some(job.job_id)).await;
    let (status, counts, errors) = match &outcome {
        Ok(summary) => (
            "succeeded",
            json!({"results": summary.results, "failing": summary.failing, "new": summary.new, "resolved": summary.resolved, "reopened": summary.reopened}),
            json!([]),
        ),
        Err(error) => ("failed", json!({}), json!([format!("{error:#}")])),
    };
    let mut transaction = runtime.pool.begin().await?;
    store::jobs::lock_for_commit(&mut transaction, &job.tenant_id, job.job_id, token).await?;
    let finished = finish_without_scopes(&mut transaction, job, status, counts, errors).await?;
    transaction.commit().await?;
    Ok(finished)
}

/// Records the outcome of a job that discovers nothing (evaluation, report), fires its
/// `job.completed`/`job.failed` event and commits; the caller has already checked the fencing
/// token in `transaction`.
pub(super) async fn finish_without_scopes(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    job: &Job,
    status: &str,
    counts: Value,
    errors: Value,
) -> anyhow::Result<FinishedJob> {
    store::jobs::finish(
        transaction,
        &job.tenant_id,
        job.job_id,
        &Outcome {
            status: status.to_string(),
            scopes: json!([]),
            counts: counts.clone(),
            errors: errors.clone(),
            progress: json!({}),
        },
    )
    .await?;
    let event = if status == "failed" {
        "job.failed"
    } else {
        "job.completed"
    };
    let payload = json!({"job_id": job.job_id, "kind": job.kind, "status": status, "counts": counts, "errors": errors});
    store::webhooks::enqueue(transaction, &job.tenant_id, event, &payload).await?;
    Ok(FinishedJob {
        tenant_id: job.tenant_id.clone(),
        job_id: job.job_id,
        status: status.to_string(),
        counts,
    })
}
