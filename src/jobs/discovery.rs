//! Discovery jobs: run the provider the job names while the watcher renews the lease (raced
//! against the cancel flag and the job's deadline, so neither waits for a page boundary), then,
//! under the fencing token, reconcile completed scopes into the store in one transaction. The job
//! is reported finished (status, `job.completed`, SSE `done`) only after the evaluation that
//! follows has committed too; a worker that dies in between leaves the job for a re-claim that
//! resumes with the evaluation. A failed, timed-out or cancelled job changes nothing.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::JobRuntime;
use super::pipeline::{FinishedJob, timed_out_message};
use super::providers::{self, Progress};
use super::watcher::{AbortOnDrop, JobFlags};
use crate::discovery::{DiscoveryOutcome, ProgressEvent, ScopeStatus};
use crate::model::{Job, JobStatus, Scope};
use crate::snapshots::ReconciledGraph;
use crate::store::{self, jobs::Outcome};

/// Runs a claimed discovery job to its end, or, when its graph already committed under an
/// earlier claim whose worker died before the evaluation did, resumes with that evaluation (so
/// the diff is neither lost nor recorded twice).
pub(super) async fn run(
    runtime: &JobRuntime,
    job: &Job,
    token: i64,
    flags: &JobFlags,
) -> anyhow::Result<FinishedJob> {
    let Some(committed_status) = job.committed_status else {
        return run_discovery(runtime, job, token, flags).await;
    };
    tracing::info!(job = %job.job_id, "resuming a committed discovery with its evaluation");
    let outcome = Outcome {
        status: committed_status,
        scopes: job.scopes.clone(),
        counts: job.counts.clone(),
        errors: job.errors.clone(),
        progress: job.progress.clone(),
    };
    finish_after_evaluation(runtime, job, token, outcome, None).await
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
    let discovering = Instant::now();
    // The provider is dropped the moment a cancel or the deadline wins: nothing waits for a page
    // boundary or a remote endpoint that never answers.
    let raced = tokio::select! {
        result = providers::discover(runtime, job, flags, events) => Raced::Finished(result),
        _ = flags.stopped() => Raced::Stopped,
        _ = tokio::time::sleep(limit) => Raced::TimedOut,
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
    let discover_ms = discovering.elapsed().as_millis() as u64;
    match commit(
        runtime,
        job,
        token,
        discovered,
        cancelled,
        progress,
        discover_ms,
    )
    .await?
    {
        Committed::Finished(finished) => Ok(finished),
        Committed::GraphOnly(outcome, reconciled) => {
            finish_after_evaluation(runtime, job, token, outcome, reconciled).await
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
                    "timings_ms": result.timings_ms,
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
    /// until its evaluation commits. The inventory comes along when it is the whole live graph,
    /// so the evaluation's snapshot is built from it rather than read back.
    GraphOnly(Outcome, Option<ReconciledGraph>),
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
    discover_ms: u64,
) -> anyhow::Result<Committed> {
    let committing = Instant::now();
    let mut progress = serde_json::to_value(&progress).unwrap_or(Value::Null);
    let mut transaction = runtime.pool.begin().await?;
    // A cancel that arrived after the watcher's last look still wins: checked under the row lock.
    let cancel_requested =
        store::jobs::lock_for_commit(&mut transaction, &job.tenant_id, job.job_id, token).await?;
    let cancelled = cancelled || cancel_requested;
    let (status, outcome, errors) = match discovered {
        Err(_) if cancelled => (JobStatus::Cancelled, None, Vec::new()),
        Err(message) => (JobStatus::Failed, None, vec![message]),
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
                JobStatus::Cancelled
            } else if completed == 0 {
                JobStatus::Failed
            } else if completed < outcome.scopes.len() {
                JobStatus::PartiallySucceeded
            } else {
                JobStatus::Succeeded
            };
            (status, Some(outcome), errors)
        }
    };

    let mut counts = Value::Object(Default::default());
    let mut reconcile_ms = 0;
    // (nodes, edges) the reconcile wrote, for the planner statistics once it has committed.
    let mut written_rows = (0, 0);
    // The generation at which the inventory is the whole live graph, when it is.
    let mut whole_graph_generation = None;
    let mut node_content_hashes = Vec::new();
    if let (Some(outcome), true) = (&outcome, status.is_success()) {
        let reconciling = Instant::now();
        let completed: Vec<Scope> = outcome
            .scopes
            .iter()
            .filter(|result| result.status == ScopeStatus::Completed)
            .map(|result| result.scope.clone())
            .collect();
        let reconciled = store::reconcile::reconcile_graph(
            &mut transaction,
            &job.tenant_id,
            job.job_id,
            &outcome.inventory,
            &completed,
        )
        .await?;
        if reconciled.live_graph_is_inventory {
            whole_graph_generation = Some(reconciled.generation);
        }
        node_content_hashes = reconciled.node_content_hashes;
        let reconciled = reconciled.counts;
        written_rows = (
            reconciled.nodes_added + reconciled.nodes_changed + reconciled.nodes_removed,
            reconciled.edges_added + reconciled.edges_changed + reconciled.edges_removed,
        );
        counts = serde_json::to_value(reconciled)?;
        reconcile_ms = reconciling.elapsed().as_millis() as u64;
    }
    let scopes = outcome
        .as_ref()
        .map(scope_results_json)
        .unwrap_or(Value::Array(Vec::new()));
    let mut recorded = Outcome {
        status,
        scopes,
        counts,
        errors: json!(errors),
        progress: Value::Null,
    };
    if status.is_success() {
        // The commit's own time is known only once it is done; the phases are recorded with the
        // job's final state (`finish_after_evaluation`), so they are complete there.
        record_phase(&mut progress, "discover", discover_ms);
        record_phase(&mut progress, "reconcile", reconcile_ms);
        recorded.progress = progress;
        store::jobs::record_graph_commit(&mut transaction, &job.tenant_id, job.job_id, &recorded)
            .await?;
        // The evaluation follows under the same lease: renewed now, not when the commit began.
        store::jobs::renew_lease_in(
            &mut transaction,
            &job.tenant_id,
            job.job_id,
            token,
            runtime.config.lease,
        )
        .await?;
        transaction.commit().await?;
        // A large import leaves the planner believing the tables are small until autovacuum
        // looks; the evaluation and the first list requests come now.
        for (table, rows) in [
            (store::statistics::WrittenTable::Nodes, written_rows.0),
            (store::statistics::WrittenTable::Edges, written_rows.1),
        ] {
            if let Err(error) =
                store::statistics::refresh_after_write(&runtime.pool, table, rows).await
            {
                tracing::warn!(job = %job.job_id, %error, "could not refresh {table:?} statistics");
            }
        }
        record_phase(
            &mut recorded.progress,
            "commit",
            committing.elapsed().as_millis() as u64,
        );
        let reconciled_graph = whole_graph_generation
            .zip(outcome)
            .map(|(generation, outcome)| ReconciledGraph {
                generation,
                nodes: outcome.inventory.nodes,
                edges: outcome.inventory.edges,
                node_content_hashes,
            });
        return Ok(Committed::GraphOnly(recorded, reconciled_graph));
    }
    record_phase(&mut progress, "discover", discover_ms);
    recorded.progress = progress;
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
    let event = if outcome.status == JobStatus::Failed {
        "job.failed"
    } else {
        "job.completed"
    };
    let payload = json!({"job_id": job.job_id, "kind": job.kind, "provider": job.provider, "status": outcome.status, "counts": outcome.counts, "errors": outcome.errors});
    store::webhooks::enqueue(transaction, &job.tenant_id, event, &payload).await?;
    Ok(FinishedJob {
        tenant_id: job.tenant_id.clone(),
        job_id: job.job_id,
        status: outcome.status.to_string(),
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
    mut outcome: Outcome,
    reconciled: Option<ReconciledGraph>,
) -> anyhow::Result<FinishedJob> {
    let evaluating = Instant::now();
    let summary =
        super::evaluation::evaluate_tenant(runtime, &job.tenant_id, Some(job.job_id), reconciled)
            .await
            .context("evaluating rules after discovery")?;
    tracing::info!(job = %job.job_id, failing = summary.failing, new = summary.new, resolved = summary.resolved, "evaluation finished");
    record_phase(
        &mut outcome.progress,
        "evaluation",
        evaluating.elapsed().as_millis() as u64,
    );
    record_evaluation_work(&mut outcome.progress, &summary);
    let phases = outcome.progress.get(PHASES).cloned().unwrap_or(Value::Null);
    // The discovery benchmark (`benches/discovery.rs`) reads the phases from the job's progress.
    tracing::info!(job = %job.job_id, phases_ms = %phases, "discovery timing");
    let mut transaction = runtime.pool.begin().await?;
    store::jobs::lock_for_commit(&mut transaction, &job.tenant_id, job.job_id, token).await?;
    let finished = finish_discovery(&mut transaction, job, &outcome).await?;
    transaction.commit().await?;
    Ok(finished)
}

/// The key of the job's progress that holds its phases' wall milliseconds: `discover` (the
/// provider, every scope; each scope's services are timed in its `timings_ms`), `reconcile`
/// (the store's diff and writes), `commit` (the whole graph transaction, reconcile included) and
/// `evaluation` (snapshot, rules, findings and compliance writes).
const PHASES: &str = "phases_ms";

/// Records under the progress's `evaluation_work` how many nodes the rules ran on and how many kept
/// the previous evaluation's results (a rescan evaluates only what its changes may affect).
fn record_evaluation_work(progress: &mut Value, summary: &super::evaluation::EvaluationSummary) {
    progress_fields(progress).insert(
        "evaluation_work".to_string(),
        json!({"evaluated_nodes": summary.evaluated_nodes, "carried_over_nodes": summary.carried_over_nodes}),
    );
}

/// The progress's fields, the progress made an object first when it is not one.
fn progress_fields(progress: &mut Value) -> &mut serde_json::Map<String, Value> {
    if !progress.is_object() {
        *progress = Value::Object(Default::default());
    }
    match progress {
        Value::Object(fields) => fields,
        _ => unreachable!("made an object above"),
    }
}

/// Records one phase's milliseconds under the progress's `phases_ms`.
fn record_phase(progress: &mut Value, phase: &str, milliseconds: u64) {
    let phases = progress_fields(progress)
        .entry(PHASES)
        .or_insert_with(|| json!({}));
    if let Value::Object(phases) = phases {
        phases.insert(phase.to_string(), json!(milliseconds));
    }
}
