//! One job from claim to commit: claim it, start the watcher that renews its lease and reads its
//! cancel flag, and hand it to its kind's module (`discovery`, `evaluation`, `report`), matched
//! once here. A job whose lease was taken over meanwhile is abandoned without commit. The helpers
//! every kind shares (the outcome of a job that discovers nothing, timeouts) live here too.

use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};
use uuid::Uuid;

use super::JobRuntime;
use super::watcher::{self, JobFlags};
use crate::model::{Job, JobKind, JobStatus};
use crate::store::{self, jobs::Outcome};

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
    pub(super) fn abandoned(job: &Job) -> FinishedJob {
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
    tracing::info!(tenant = %job.tenant_id, job = %job.job_id, attempt = job.attempts, worker = %runtime.config.worker_id, "job claimed");
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
    let finished = match job.kind {
        JobKind::Discovery => super::discovery::run(runtime, &job, token, &flags).await,
        JobKind::Evaluation => super::evaluation::run(runtime, &job, token).await,
        JobKind::Report => super::report::run(runtime, &job, token).await,
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

/// Records the outcome of a job that discovers nothing (evaluation, report), fires its
/// `job.completed`/`job.failed` event and commits; the caller has already checked the fencing
/// token in `transaction`.
pub(super) async fn finish_without_scopes(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    job: &Job,
    status: JobStatus,
    counts: Value,
    errors: Value,
) -> anyhow::Result<FinishedJob> {
    store::jobs::finish(
        transaction,
        &job.tenant_id,
        job.job_id,
        &Outcome {
            status,
            scopes: json!([]),
            counts: counts.clone(),
            errors: errors.clone(),
            progress: json!({}),
        },
    )
    .await?;
    let event = if status == JobStatus::Failed {
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
