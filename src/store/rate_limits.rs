//! Rate-limit buckets shared by every process on the database: GCRA (generic cell rate
//! algorithm) with one row per tenant bucket, decided and updated by one statement.
//!
//! This module only keeps the arithmetic's state; what a plan allows is the API's business
//! (`api::rate_limit`). It does not sleep or retry.

use std::time::Duration;

use sqlx::PgPool;

use super::Error;

/// One decision of [`take`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    pub allowed: bool,
    /// Requests still admitted right now (the burst left).
    pub remaining: u32,
    /// How long until the full burst is available again.
    pub until_full: Duration,
    /// When refused: how long until one request is admitted again.
    pub retry_after: Duration,
}

/// Takes one request from the bucket `(tenant_id, bucket)` admitting `per_minute` requests a
/// minute with bursts of `burst`, using the database's clock, so every process sees one bucket.
///
/// GCRA keeps one instant per bucket, its theoretical arrival time (TAT). A request at `now`
/// moves it to `max(TAT, now) + interval` (interval = one minute / `per_minute`) and is admitted
/// when that stays within `now + burst × interval`; refused, nothing is written.
pub async fn take(
    pool: &PgPool,
    tenant_id: &str,
    bucket: &str,
    per_minute: u32,
    burst: u32,
) -> Result<Taken, Error> {
    let interval_micros = 60_000_000_i64 / i64::from(per_minute.max(1));
    let capacity_micros = interval_micros * i64::from(burst.max(1));
    // The SQL function of migration `…_shared_rate_limits` decides on the database's clock, so
    // every process decides on the same clock. Committed asynchronously: a bucket update lost in
    // a crash only hands back a request or two, while waiting for the WAL flush multiplied the
    // cost per request by twenty (measured 5.7 ms against 0.27 ms on 2 cores).
    let mut transaction = pool.begin().await?;
    sqlx::query("SET LOCAL synchronous_commit = off")
        .execute(&mut *transaction)
        .await?;
    let (allowed, ahead_micros): (bool, i64) =
        sqlx::query_as("SELECT admitted, ahead_micros FROM rate_limit_take($1, $2, $3, $4)")
            .bind(tenant_id)
            .bind(bucket)
            .bind(interval_micros)
            .bind(capacity_micros)
            .fetch_one(&mut *transaction)
            .await?;
    transaction.commit().await?;
    let until_full = Duration::from_micros(u64::try_from(ahead_micros.max(0)).unwrap_or(0));
    if allowed {
        let ahead_micros = ahead_micros.clamp(0, capacity_micros);
        // Whole requests that still fit before the TAT reaches now + capacity.
        let remaining = (capacity_micros - ahead_micros) / interval_micros;
        return Ok(Taken {
            allowed: true,
            remaining: u32::try_from(remaining).unwrap_or(0),
            until_full,
            retry_after: Duration::ZERO,
        });
    }
    // Admitted again once TAT + interval <= now + capacity.
    let wait_micros = (ahead_micros + interval_micros - capacity_micros).max(1);
    Ok(Taken {
        allowed: false,
        remaining: 0,
        until_full,
        retry_after: Duration::from_micros(u64::try_from(wait_micros).unwrap_or(1)),
    })
}
