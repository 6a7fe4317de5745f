//! Jobs: the worker pool, the scheduler and the pipeline. The only orchestrator: it claims a job
//! row, runs a discovery provider, reconciles the result into the store under the job's fencing
//! token, swaps in a new graph snapshot and re-evaluates.
//!
//! Work is bounded: a pool of workers shares the queue fairly between tenants, every job has a
//! deadline, a cancel stops a running provider within a heartbeat, a job whose worker keeps dying
//! ends `failed` after a few attempts, and a shutdown abandons what is still running after a grace
//! period (its lease lapses and another process takes it over; commits are transactional).
//!
//! Nothing here is reachable from `api`; the API only writes job rows.

pub mod deliveries;
mod discovery;
pub mod evaluation;
mod pipeline;
mod providers;
mod report;
pub mod scheduler;
mod watcher;

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::watch;

pub use pipeline::FinishedJob;
pub use providers::Progress;

use crate::compliance::Catalog;
use crate::snapshots::GraphSnapshots;

/// Lease and polling timings of a worker.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// `<host>-<pid>-<uuid>`; `run_workers` appends `-<index>` per worker. Stored as the lease
    /// owner of the job a worker runs.
    pub worker_id: String,
    /// How long a claim holds before another worker may take the job over.
    pub lease: Duration,
    /// How often the lease is renewed while the job runs.
    pub renew_every: Duration,
    /// How often the cancel flag is read while the job runs.
    pub check_every: Duration,
    /// How long an idle worker waits before looking for work again.
    pub idle_poll: Duration,
    /// Per-tenant share of the workers and the attempt cap.
    pub claim: crate::store::jobs::ClaimPolicy,
    /// How long a discovery's provider may run before the job fails as timed out.
    pub discovery_timeout: Duration,
    /// How long an evaluation or report job may run before it fails as timed out.
    pub evaluation_timeout: Duration,
}

impl WorkerConfig {
    /// A lease of `lease`, renewed four times per lease.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self.renew_every = lease / 4;
        self
    }
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            // Host and process id first, so an operator (or a test) reading `jobs.lease_owner`
            // can tell which process holds a job; the uuid keeps ids unique where every process
            // is pid 1 (containers).
            worker_id: format!(
                "{}-{}-{}",
                hostname(),
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ),
            lease: Duration::from_secs(60),
            renew_every: Duration::from_secs(15),
            check_every: Duration::from_secs(1),
            idle_poll: Duration::from_secs(1),
            claim: crate::store::jobs::ClaimPolicy::default(),
            discovery_timeout: Duration::from_secs(30 * 60),
            evaluation_timeout: Duration::from_secs(10 * 60),
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "worker".to_string())
}

/// Called with the running job's progress after every event.
pub type ProgressCallback = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Everything a job needs from the process.
#[derive(Clone)]
pub struct JobRuntime {
    pub pool: PgPool,
    pub snapshots: Arc<GraphSnapshots>,
    pub config: WorkerConfig,
    /// Receives progress of running jobs (the CLI draws a progress bar from it).
    pub on_progress: Option<ProgressCallback>,
    /// The rule pack evaluated after every discovery.
    pub rules: Arc<crate::rules::RuleSet>,
    /// The frameworks reports score against.
    pub frameworks: Arc<Vec<crate::compliance::Framework>>,
    /// What tenants' discovery jobs may use (endpoints, credentials, fixture files).
    pub policy: crate::model::provider_config::DiscoveryPolicy,
    /// Turns true when the process is shutting down (set by `run_workers`): an evaluation stops
    /// between its phases and rolls back rather than holding the shutdown.
    pub shutdown: watch::Receiver<bool>,
}

impl JobRuntime {
    /// A runtime over the catalog the process loaded at startup (`Catalog::builtin`).
    pub fn new(pool: PgPool, snapshots: Arc<GraphSnapshots>, catalog: Catalog) -> Self {
        JobRuntime {
            pool,
            snapshots,
            config: WorkerConfig::default(),
            on_progress: None,
            rules: catalog.rules,
            frameworks: catalog.frameworks,
            policy: crate::model::provider_config::DiscoveryPolicy::default(),
            // No shutdown signal of its own: the sender is dropped, so it never turns true.
            shutdown: watch::channel(false).1,
        }
    }
}

/// Claims and runs one job, if any is waiting.
pub async fn run_next(runtime: &JobRuntime) -> anyhow::Result<Option<FinishedJob>> {
    pipeline::run_next(runtime).await
}

/// Runs `count` workers until `shutdown` turns true: then no worker claims again, and a job still
/// running `grace` later is abandoned (dropped mid-way: its transaction rolls back and its lease
/// lapses, so another process re-claims it). A worker that fails on one job logs it and goes on
/// with the next.
pub async fn run_workers(
    runtime: JobRuntime,
    count: usize,
    shutdown: watch::Receiver<bool>,
    grace: Duration,
) {
    let mut handles = Vec::new();
    for index in 0..count {
        let mut runtime = runtime.clone();
        runtime.config.worker_id = format!("{}-{index}", runtime.config.worker_id);
        runtime.shutdown = shutdown.clone();
        let mut shutdown = shutdown.clone();
        handles.push(tokio::spawn(async move {
            loop {
                if *shutdown.borrow() {
                    return;
                }
                let mut grace_watch = shutdown.clone();
                let grace_over = async move {
                    let _ = grace_watch.wait_for(|stopping| *stopping).await;
                    tokio::time::sleep(grace).await;
                };
                let ran = tokio::select! {
                    ran = run_next(&runtime) => ran,
                    _ = grace_over => {
                        tracing::warn!(worker = %runtime.config.worker_id, grace_seconds = grace.as_secs_f64(), "shutdown grace over; abandoning the running job (its lease will lapse)");
                        return;
                    }
                };
                match ran {
                    Ok(Some(finished)) => {
                        tracing::info!(job = %finished.job_id, status = %finished.status, "job finished");
                        continue;
                    }
                    Ok(None) => {}
                    Err(error) => tracing::error!(error = ?error, "worker failed to run a job"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(runtime.config.idle_poll) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }));
    }
    for handle in handles {
        let _ = handle.await;
    }
}
