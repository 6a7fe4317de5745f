//! Per-tenant rate limits by plan (GCRA): free 60/min burst 10, pro 300/min burst 50, enterprise
//! 1000/min burst 100. Every guarded response carries `X-RateLimit-*` headers. Plan limits live in
//! the database (`store::rate_limits`), one bucket per tenant (per key for platform keys), so they
//! hold in total however many processes serve the tenant.
//!
//! Guard limits protect the server before a tenant is known (`GuardLimit`): token issuance per
//! API key (30/min burst 10), token and refresh attempts per client address (60/min burst 30),
//! and requests without a valid credential per client address (60/min burst 30). They live in the
//! process (`governor`), on purpose: they shed floods of bad credentials without a database write
//! each, so with N processes a client gets at most N times those allowances.

use std::num::NonZeroU32;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

type KeyedLimiter =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// `INFRACAST_RATE_LIMITS`: `off` switches the plan limits off (load benchmarks); unset or `on`
/// keeps them. Any other value keeps them too, with a warning, rather than guessing.
pub fn plan_limits_enabled_by_environment() -> bool {
    match std::env::var("INFRACAST_RATE_LIMITS") {
        Ok(value) if value.eq_ignore_ascii_case("off") => {
            tracing::warn!("INFRACAST_RATE_LIMITS=off: tenants' plan rate limits are switched off");
            false
        }
        Ok(value) if value.is_empty() || value.eq_ignore_ascii_case("on") => true,
        Ok(value) => {
            tracing::warn!(
                "INFRACAST_RATE_LIMITS={value:?} is neither on nor off; the limits stay on"
            );
            true
        }
        Err(_) => true,
    }
}

/// The decision when plan limits are switched off: allowed, with no limit to report.
pub fn unlimited() -> RateDecision {
    RateDecision {
        allowed: true,
        limit: u32::MAX,
        remaining: u32::MAX,
        reset_at: 0,
        retry_after_seconds: 0,
    }
}

/// What a plan allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanLimit {
    pub per_minute: u32,
    pub burst: u32,
}

pub fn plan_limit(plan: &str) -> PlanLimit {
    match plan {
        "enterprise" => PlanLimit {
            per_minute: 1000,
            burst: 100,
        },
        "pro" => PlanLimit {
            per_minute: 300,
            burst: 50,
        },
        _ => PlanLimit {
            per_minute: 60,
            burst: 10,
        },
    }
}

/// The outcome of one check, ready to become headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Unix time (seconds) when the full burst is available again.
    pub reset_at: u64,
    pub retry_after_seconds: u64,
}

/// Limits that protect the server rather than meter a plan: they apply before (or without) a
/// tenant being known, keyed by the client's address or by the credential presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardLimit {
    /// `POST /auth/token` per API key (keyed by the key's hash): each call writes two token rows.
    TokenIssuePerKey,
    /// `POST /auth/token` and `/auth/refresh` per client address, whatever the credential: unknown
    /// keys and used refresh tokens are only limited here.
    AuthAttemptsPerClient,
    /// Requests to guarded routes with a missing, invalid, revoked or expired credential, per
    /// client address: a flood of 401s turns into 429s.
    UnauthenticatedPerClient,
}

impl GuardLimit {
    pub fn limit(self) -> PlanLimit {
        match self {
            GuardLimit::TokenIssuePerKey => PlanLimit {
                per_minute: 30,
                burst: 10,
            },
            GuardLimit::AuthAttemptsPerClient => PlanLimit {
                per_minute: 60,
                burst: 30,
            },
            GuardLimit::UnauthenticatedPerClient => PlanLimit {
                per_minute: 60,
                burst: 30,
            },
        }
    }
}

/// One keyed limiter per guard limit.
pub struct RateLimits {
    token_issue_per_key: KeyedLimiter,
    auth_attempts_per_client: KeyedLimiter,
    unauthenticated_per_client: KeyedLimiter,
    /// Checks since the keyed states were last pruned (keys are client-chosen: prune them).
    checks: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("RateLimits")
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            token_issue_per_key: limiter(GuardLimit::TokenIssuePerKey.limit()),
            auth_attempts_per_client: limiter(GuardLimit::AuthAttemptsPerClient.limit()),
            unauthenticated_per_client: limiter(GuardLimit::UnauthenticatedPerClient.limit()),
            checks: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

/// How many checks pass between prunings of idle keys.
const PRUNE_EVERY_CHECKS: u64 = 4096;

fn limiter(limit: PlanLimit) -> KeyedLimiter {
    // Invariant: plan limits are non-zero constants.
    let per_minute = NonZeroU32::new(limit.per_minute).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN);
    RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst))
        .with_middleware::<StateInformationMiddleware>()
}

/// Takes one request from a plan's allowance in the bucket `(tenant_id, bucket)` (bucket `""`
/// for a tenant, the key id for a platform key under tenant `*`), shared by every process.
pub async fn check_plan(
    pool: &sqlx::PgPool,
    plan: &str,
    tenant_id: &str,
    bucket: &str,
) -> Result<RateDecision, crate::store::Error> {
    let limit = plan_limit(plan);
    let taken =
        crate::store::rate_limits::take(pool, tenant_id, bucket, limit.per_minute, limit.burst)
            .await?;
    let now_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let retry_after = taken.retry_after;
    Ok(RateDecision {
        allowed: taken.allowed,
        limit: limit.per_minute,
        remaining: taken.remaining,
        reset_at: (now_unix + taken.until_full).as_secs(),
        retry_after_seconds: if taken.allowed {
            0
        } else {
            (retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0)).max(1)
        },
    })
}

impl RateLimits {
    /// Takes one request from `key`'s allowance under a guard limit.
    pub fn check_guard(&self, guard: GuardLimit, key: &str) -> RateDecision {
        let limiter = match guard {
            GuardLimit::TokenIssuePerKey => &self.token_issue_per_key,
            GuardLimit::AuthAttemptsPerClient => &self.auth_attempts_per_client,
            GuardLimit::UnauthenticatedPerClient => &self.unauthenticated_per_client,
        };
        self.check_limiter(limiter, guard.limit(), key)
    }

    fn prune_now_and_then(&self) {
        let checks = self
            .checks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if checks.is_multiple_of(PRUNE_EVERY_CHECKS) {
            for limiter in [
                &self.token_issue_per_key,
                &self.auth_attempts_per_client,
                &self.unauthenticated_per_client,
            ] {
                limiter.retain_recent();
            }
        }
    }

    fn check_limiter(&self, limiter: &KeyedLimiter, limit: PlanLimit, key: &str) -> RateDecision {
        self.prune_now_and_then();
        let replenish = Duration::from_secs(60) / limit.per_minute;
        let now_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        match limiter.check_key(&key.to_string()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let until_full = replenish * limit.burst.saturating_sub(remaining);
                RateDecision {
                    allowed: true,
                    limit: limit.per_minute,
                    remaining,
                    reset_at: (now_unix + until_full).as_secs(),
                    retry_after_seconds: 0,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(limiter.clock().now());
                let retry_after_seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                RateDecision {
                    allowed: false,
                    limit: limit.per_minute,
                    remaining: 0,
                    reset_at: (now_unix + replenish * limit.burst).as_secs(),
                    retry_after_seconds: retry_after_seconds.max(1),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_issue_allows_a_burst_of_ten_per_key_then_refuses() {
        let limits = RateLimits::default();
        for expected_remaining in (0..10).rev() {
            let decision = limits.check_guard(GuardLimit::TokenIssuePerKey, "key-a");
            assert!(decision.allowed);
            assert_eq!(decision.remaining, expected_remaining);
            assert_eq!(decision.limit, 30);
        }
        let refused = limits.check_guard(GuardLimit::TokenIssuePerKey, "key-a");
        assert!(!refused.allowed);
        assert!(refused.retry_after_seconds >= 1);
        // Another key has its own allowance.
        assert!(
            limits
                .check_guard(GuardLimit::TokenIssuePerKey, "key-b")
                .allowed
        );
    }
}
