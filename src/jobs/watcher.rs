//! While a job runs: renew its lease, read its cancel flag, and notice when another worker took
//! it over. Results land in atomic flags the provider reads between pages, and a notification the
//! pipeline races the running provider against, so a cancel is honoured within a check interval
//! rather than at the provider's next page boundary.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use sqlx::PgPool;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::WorkerConfig;
use crate::store;

/// Flags set by the watcher.
#[derive(Debug, Clone, Default)]
pub struct JobFlags {
    pub cancelled: Arc<AtomicBool>,
    pub lease_lost: Arc<AtomicBool>,
    /// Notified when `cancelled` turns true.
    stop: Arc<Notify>,
}

impl JobFlags {
    fn raise_cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        // One waiter (the pipeline); a permit is kept if it is not waiting yet.
        self.stop.notify_one();
    }

    /// Resolves once the job is cancelled or its lease was lost.
    pub async fn stopped(&self) {
        loop {
            if self.cancelled.load(Ordering::SeqCst) {
                return;
            }
            self.stop.notified().await;
        }
    }
}

/// Aborts a spawned task when dropped, so a job abandoned mid-way (shutdown, timeout) does not
/// leave its watcher renewing the lease.
pub struct AbortOnDrop<T>(pub JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts watching a claimed job; the watch ends when the returned guard is dropped.
pub fn watch(
    pool: PgPool,
    tenant_id: String,
    job_id: Uuid,
    token: i64,
    config: WorkerConfig,
    flags: JobFlags,
) -> AbortOnDrop<()> {
    AbortOnDrop(tokio::spawn(async move {
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
                        flags.raise_cancel();
                        return;
                    }
                    if heartbeat.cancel_requested {
                        flags.raise_cancel();
                    }
                }
                // A failed heartbeat is retried at the next tick; the lease outlives several ticks.
                Err(error) => tracing::warn!(job = %job_id, %error, "heartbeat failed"),
            }
        }
    }))
}
