//! While a job runs: renew its lease, read its cancel flag, and notice when another worker took
//! it over. Results land in atomic flags the pipeline and the provider read between pages.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use sqlx::PgPool;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::WorkerConfig;
use crate::store;

/// Flags set by the watcher.
#[derive(Debug, Clone, Default)]
pub struct JobFlags {
    pub cancelled: Arc<AtomicBool>,
    pub lease_lost: Arc<AtomicBool>,
}

/// Starts watching a claimed job; abort the handle when the job is done.
pub fn watch(
    pool: PgPool,
    tenant_id: String,
    job_id: Uuid,
    token: i64,
    config: WorkerConfig,
    flags: JobFlags,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_renewal = Instant::now();
        let mut ticker = tokio::time::interval(config.check_every);
        loop {
            ticker.tick().await;
            let renew = last_renewal.elapsed() >= config.renew_every;
            let result = store::jobs::heartbeat(
                &pool,
                &tenant_id,
                job_id,
                token,
                config.lease.as_secs_f64(),
                renew,
            )
            .await;
            match result {
                Ok(heartbeat) => {
                    if renew {
                        last_renewal = Instant::now();
                    }
                    if !heartbeat.lease_held {
                        flags.lease_lost.store(true, Ordering::SeqCst);
                        flags.cancelled.store(true, Ordering::SeqCst);
                        return;
                    }
                    if heartbeat.cancel_requested {
                        flags.cancelled.store(true, Ordering::SeqCst);
                    }
                }
                // A failed heartbeat is retried at the next tick; the lease outlives several ticks.
                Err(error) => tracing::warn!(job = %job_id, %error, "heartbeat failed"),
            }
        }
    })
}
