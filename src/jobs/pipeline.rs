//! One job from claim to commit: run the provider while a watcher renews the lease (raced against
//! the cancel flag and the job's deadline, so neither waits for a page boundary), then, under the
//! fencing token, reconcile completed scopes into the store in one transaction. The job is
//! reported finished (status, `job.completed`, SSE `done`) only after the evaluation that follows
//! has committed too; a worker that dies in between leaves the job for a re-claim that resumes
//! with the evaluation. A failed, timed-out or cancelled job, or one whose lease was taken over,
//! changes nothing.

use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::JobRuntime;
use super::providers::{self, Progress};
use super::watcher::{self, AbortOnDrop, JobFlags};
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

impl FinishedJob {
    fn abandoned(job: &Job) -> FinishedJob {
        FinishedJob {
            tenant_id: job.tenant_id.clone(),
            job_id: job.job_id,
            status: "abandoned".to_string(),
            counts: Value::Null,
        }
    }
}

/// "30 min", "90 s": how a timeout reads in a job's error.
pub(super) fn describe_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds >= 60 && seconds.is_multiple_of(60) {
        format!("{} min", seconds / 60)
    } else if seconds >= 1 {
        format!("{seconds} s")
    } else {
        format!("{} ms", duration.as_millis())
    }
}

pub(super) fn timed_out_message(limit: Duration) -> String {
    format!("timed out after {}", describe_duration(limit))
}

pub async fn run_next(runtime: &JobRuntime) -> anyhow::Result<Option<FinishedJob>> {
    let lease_seconds = runtime.config.lease.as_secs_f64();
    let Some(job) = store::jobs::claim_next_fairly(
        &runtime.pool,
        &runtime.config.worker_id,
        lease_seconds,
        &runtime.config.claim,
    )
    .await
    .context("claiming a job")?
    else {
        return Ok(None);
    };
    tracing::info!(tenant = %job.tenant_id, job = %job.job_id, attempt = job.attempts, "job claimed");
    let token = job.fencing_token;
    let flags = JobFlags::default();
    // Renews the lease for as long as this job is worked on, evaluation included; dropped (and
    // so stopped) when this function returns or is abandoned.
    let _watcher = watcher::watch(
        runtime.pool.clone(),
        job.tenant_id.clone(),
        job.job_id,
        token,
        runtime.config.clone(),
        flags.clone(),
    );
    let finished = match job.kind.as_str() {
        "evaluation" => finish_evaluation_job(runtime, &job, token).await,
        "report" => run_report_job_with_deadline(runtime, &job, token).await,
        "discovery" if job.committed_status.is_some() => {
            // The graph of this job committed under an earlier claim whose worker died before the
            // evaluation did: resume there, so the diff is neither lost nor recorded twice.
            tracing::info!(job = %job.job_id, "resuming a committed discovery with its evaluation");
            let outcome = Outcome {
                status: job.committed_status.clone().unwrap_or_default(),
                scopes: job.scopes.0.clone(),
                counts: job.counts.0.clone(),
                errors: job.errors.0.clone(),
                progress: job.progress.0.clone(),
            };
            finish_after_evaluation(runtime, &job, token, outcome).await
        }
        _ => run_discovery(runtime, &job, token, &flags).await,
    };
    match finished {
        Err(error) if is_fenced(&error) => {
            tracing::warn!(job = %job.job_id, "lease taken over by another worker; abandoning without commit");
            Ok(Some(FinishedJob::abandoned(&job)))
        }
        other => other.map(Some),
    }
}

fn is_fenced(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<store::Error>(),
        Some(store::Error::Fenced(_))
    )
}

/// How the provider's run ended.
enum Raced {
    Finished(Result<DiscoveryOutcome, String>),
    /// Cancelled, or the lease was lost: the provider was dropped mid-call.
    Stopped,
    TimedOut,
}

async fn run_discovery(
    runtime: &JobRuntime,
    job: &Job,
    token: i64,
    flags: &JobFlags,
) -> anyhow::Result<FinishedJob> {
    let (events, receiver) = mpsc::unbounded_channel();
    let mut recorder = AbortOnDrop(tokio::spawn(record_progress(
        runtime.clone(),
        job.clone(),
        receiver,
    )));
    let limit = runtime.config.discovery_timeout;
    // The provider is dropped the moment a cancel or the deadline wins: nothing waits for a page
    // boundary or a remote endpoint that never answers.
    let raced = match job.kind.as_str() {
        "discovery" => tokio::select! {
            result = providers::discover(runtime, job, flags, events) => Raced::Finished(result),
            _ = flags.stopped() => Raced::Stopped,
            _ = tokio::time::sleep(limit) => Raced::TimedOut,
        },
        other => Raced::Finished(Err(format!("unknown job kind `{other}`"))),
    };
    // The senders went with the provider; a task it spawned may hold one a moment longer.
    let progress = match tokio::time::timeout(Duration::from_secs(2), &mut recorder.0).await {
        Ok(Ok(progress)) => progress,
        _ => Progress::default(),
    };
    drop(recorder);

    if flags.lease_lost.load(Ordering::SeqCst) {
        return Ok(FinishedJob::abandoned(job));
    }
    let discovered = match raced {
        Raced::Finished(result) => result,
        Raced::Stopped => Err("cancelled while running".to_string()),
        Raced::TimedOut => {
            tracing::warn!(job = %job.job_id, limit_seconds = limit.as_secs(), "discovery timed out");
            Err(timed_out_message(limit))
        }
    };
    let cancelled = flags.cancelled.load(Ordering::SeqCst);
    match commit(runtime, job, token, discovered, cancelled, progress).await? {
        Committed::Finished(finished) => Ok(finished),
        Committed::GraphOnly(outcome) => {
            finish_after_evaluation(runtime, job, token, outcome).await
        }
    }
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

/// What the discovery commit wrote.
enum Committed {
    /// Nothing to evaluate (failed, cancelled): the job's final state is written.
    Finished(FinishedJob),
    /// The reconciled graph and the status it earned are written; the job is still `running`
    /// until its evaluation commits.
    GraphOnly(Outcome),
}

/// Decides the status and, in one transaction guarded by the fencing token, writes either the
/// final state (nothing completed) or the reconciled graph with the status it earned.
async fn commit(
    runtime: &JobRuntime,
    job: &Job,
    token: i64,
    discovered: Result<DiscoveryOutcome, String>,
    cancelled: bool,
    progress: Progress,
) -> anyhow::Result<Committed> {
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
    let recorded = Outcome {
        status: status.to_string(),
        scopes,
        counts,
        errors: json!(errors),
        progress,
    };
    if status == "succeeded" || status == "partially_succeeded" {
        store::jobs::record_graph_commit(&mut transaction, &job.tenant_id, job.job_id, &recorded)
            .await?;
        transaction.commit().await?;
        return Ok(Committed::GraphOnly(recorded));
    }
    let finished = finish_discovery(&mut transaction, job, &recorded).await?;
    transaction.commit().await?;
    Ok(Committed::Finished(finished))
}

/// Writes a discovery's final state and its `job.completed`/`job.failed` event; the caller has
/// checked the fencing token in `transaction`.
async fn finish_discovery(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    job: &Job,
    outcome: &Outcome,
) -> anyhow::Result<FinishedJob> {
    store::jobs::finish(transaction, &job.tenant_id, job.job_id, outcome).await?;
    let event = if outcome.status == "failed" {
        "job.failed"
    } else {
        "job.completed"
    };
    let payload = json!({"job_id": job.job_id, "kind": job.kind, "provider": job.provider, "status": outcome.status, "counts": outcome.counts, "errors": outcome.errors});
    store::webhooks::enqueue(transaction, &job.tenant_id, event, &payload).await?;
    Ok(FinishedJob {
        tenant_id: job.tenant_id.clone(),
        job_id: job.job_id,
        status: outcome.status.clone(),
        counts: outcome.counts.clone(),
    })
}

/// After a discovery's graph committed: evaluate the new graph, and only once its findings have
/// committed write the job's final state and event. An evaluation error leaves the job `running`
/// for a re-claim (bounded by the attempt cap). A cancel that arrives now changes nothing: the
/// graph is already in.
async fn finish_after_evaluation(
    runtime: &JobRuntime,
    job: &Job,
    token: i64,
    outcome: Outcome,
) -> anyhow::Result<FinishedJob> {
    let summary = super::evaluation::evaluate_tenant(runtime, &job.tenant_id, Some(job.job_id))
        .await
        .context("evaluating rules after discovery")?;
    tracing::info!(job = %job.job_id, failing = summary.failing, new = summary.new, resolved = summary.resolved, "evaluation finished");
    let mut transaction = runtime.pool.begin().await?;
    store::jobs::lock_for_commit(&mut transaction, &job.tenant_id, job.job_id, token).await?;
    let finished = finish_discovery(&mut transaction, job, &outcome).await?;
    transaction.commit().await?;
    Ok(finished)
}

/// An on-demand evaluation job: evaluate, then record the outcome under the fencing token.
async fn finish_evaluation_job(
    runtime: &JobRuntime,
    job: &Job,
    token: i64,
) -> anyhow::Result<FinishedJob> {
    let limit = runtime.config.evaluation_timeout;
    let evaluation = super::evaluation::evaluate_tenant(runtime, &job.tenant_id, Some(job.job_id));
    let outcome = match tokio::time::timeout(limit, evaluation).await {
        Ok(outcome) => outcome,
        Err(_) => Err(anyhow::anyhow!(timed_out_message(limit))),
    };
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

/// A report job under the evaluation deadline: on timeout the report and the job fail together.
async fn run_report_job_with_deadline(
    runtime: &JobRuntime,
    job: &Job,
    token: i64,
) -> anyhow::Result<FinishedJob> {
    let limit = runtime.config.evaluation_timeout;
    let report = super::report::run_report_job(runtime, job, token);
    if let Ok(finished) = tokio::time::timeout(limit, report).await {
        return finished;
    }
    let message = timed_out_message(limit);
    tracing::warn!(job = %job.job_id, limit_seconds = limit.as_secs(), "report timed out");
    let mut transaction = runtime.pool.begin().await?;
    store::jobs::lock_for_commit(&mut transaction, &job.tenant_id, job.job_id, token).await?;
    store::reports::fail_for_job(&mut transaction, &job.tenant_id, job.job_id, &message).await?;
    let finished =
        finish_without_scopes(&mut transaction, job, "failed", json!({}), json!([message])).await?;
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
