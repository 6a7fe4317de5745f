//! The scheduler: turns due cron schedules into jobs. Safe to run in every process: the store
//! takes due schedules with `SKIP LOCKED` and inserts each due job under a unique key.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::sync::watch;

use crate::store;

/// Fires due schedules once now; returns how many jobs this call created.
pub async fn tick(pool: &PgPool, now: DateTime<Utc>) -> Result<usize, store::Error> {
    let created = store::schedules::fire_due(pool, now, |schedule, now| {
        store::schedules::next_run(&schedule.cron, now)
    })
    .await?;
    for job in &created {
        tracing::info!(tenant = %job.tenant_id, job = %job.job_id, "schedule created a job");
    }
    Ok(created.len())
}

/// Ticks every `every` until `shutdown` turns true.
pub async fn run(pool: PgPool, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        if let Err(error) = tick(&pool, Utc::now()).await {
            tracing::warn!(%error, "scheduler tick failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => {}
        }
    }
}
