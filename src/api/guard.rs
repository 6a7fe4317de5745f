//! The authentication, tenant-scoping and rate-limiting middleware in front of every `/api/v1`
//! route except token issuance.
//!
//! On `/api/v1/tenants/{tenant}/…` it resolves the tenant: a caller who may not see it gets 404
//! (never a hint that it exists), and the tenant's plan sets the rate limit. Requests without a
//! valid credential count against their client address (`GuardLimit::UnauthenticatedPerClient`).

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;
use super::rate_limit::{GuardLimit, RateDecision};
use crate::auth::{self, Principal, Role};
use crate::store::{self, tenants::Tenant};

/// The caller and the tenant of a tenant-scoped request.
#[derive(Debug, Clone)]
pub struct TenantContext {
    pub principal: Principal,
    pub tenant: Tenant,
}

impl TenantContext {
    pub fn tenant_id(&self) -> &str {
        &self.tenant.id
    }

    /// Admins (and platform admins) may change data; others get 403.
    pub fn require_write(&self) -> Result<(), ApiError> {
        if self.principal.role.can_write() {
            return Ok(());
        }
        Err(ApiError::Forbidden(format!(
            "role `{}` may not change data in this tenant",
            self.principal.role.as_str()
        )))
    }

    /// Analysts and admins may triage findings; viewers get 403.
    pub fn require_triage(&self) -> Result<(), ApiError> {
        if self.principal.role.can_triage() {
            return Ok(());
        }
        Err(ApiError::Forbidden(format!(
            "role `{}` may not triage findings",
            self.principal.role.as_str()
        )))
    }
}

/// Platform admins only (tenant management).
pub fn require_platform_admin(principal: &Principal) -> Result<(), ApiError> {
    if principal.role == Role::PlatformAdmin {
        return Ok(());
    }
    Err(ApiError::Forbidden(
        "only platform admins may manage tenants".to_string(),
    ))
}

/// The `{tenant}` segment of `/api/v1/tenants/{tenant}/<more>`, if the path has that shape.
fn tenant_segment(path: &str) -> Option<String> {
    let mut segments = path.trim_start_matches('/').split('/');
    let prefix: Vec<&str> = segments.by_ref().take(3).collect();
    if prefix != ["api", "v1", "tenants"] {
        return None;
    }
    let tenant = segments.next()?;
    let rest = segments.next()?;
    if tenant.is_empty() || rest.is_empty() {
        return None;
    }
    Some(tenant.to_string())
}

fn bearer(request: &Request) -> Result<&str, ApiError> {
    let header = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::Unauthorized("missing `Authorization: Bearer <token>` header".to_string())
        })?;
    let value = header
        .to_str()
        .map_err(|_| ApiError::Unauthorized("Invalid or expired token".to_string()))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| {
            ApiError::Unauthorized("expected `Authorization: Bearer <token>`".to_string())
        })?;
    Ok(token.trim())
}

pub async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    match admit(&state, &mut request).await {
        Ok(decision) => {
            let mut response = next.run(request).await;
            add_rate_headers(&mut response, &decision);
            response
        }
        Err((error, decision)) => {
            let mut response = error.into_response();
            if let Some(decision) = decision {
                add_rate_headers(&mut response, &decision);
            }
            response
        }
    }
}

/// The bearer credential a request was admitted with, kept so long-lived answers (SSE streams)
/// can check it is still valid.
#[derive(Debug, Clone)]
pub struct PresentedToken(pub String);

/// Counts a request without a valid credential against its client address: within the allowance
/// it is answered `refusal` (401), past it 429, so a flood of bad tokens is cut off.
fn refuse_unauthenticated(
    state: &AppState,
    request: &Request,
    refusal: ApiError,
) -> (ApiError, Option<RateDecision>) {
    let client = super::extract::client_address_of(request.extensions());
    let decision = state
        .rate_limits
        .check_guard(GuardLimit::UnauthenticatedPerClient, &client);
    if decision.allowed {
        return (refusal, None);
    }
    (
        ApiError::RateLimited {
            retry_after_seconds: decision.retry_after_seconds,
        },
        Some(decision),
    )
}

async fn admit(
    state: &AppState,
    request: &mut Request,
) -> Result<RateDecision, (ApiError, Option<RateDecision>)> {
    let token = match bearer(request) {
        Ok(token) => token.to_string(),
        Err(refusal) => return Err(refuse_unauthenticated(state, request, refusal)),
    };
    let principal = match auth::authenticate(&state.pool, &token).await {
        Ok(Some(principal)) => principal,
        Ok(None) => {
            let refusal = ApiError::Unauthorized("Invalid or expired token".to_string());
            return Err(refuse_unauthenticated(state, request, refusal));
        }
        Err(error) => return Err((ApiError::from(error), None)),
    };
    request
        .extensions_mut()
        .insert(PresentedToken(token.clone()));

    let (rate_key, plan) = if let Some(tenant_id) = tenant_segment(request.uri().path()) {
        if !principal.can_access_tenant(&tenant_id) {
            return Err((ApiError::not_found("tenant"), None));
        }
        let tenant = match store::tenants::get(&state.pool, &tenant_id).await {
            Ok(tenant) => tenant,
            Err(store::Error::NotFound) => return Err((ApiError::not_found("tenant"), None)),
            Err(error) => return Err((error.into(), None)),
        };
        let plan = tenant.plan.clone();
        request.extensions_mut().insert(TenantContext {
            principal: principal.clone(),
            tenant,
        });
        ((tenant_id, String::new()), plan)
    } else if let Some(tenant_id) = &principal.tenant_id {
        let plan = match store::tenants::get(&state.pool, tenant_id).await {
            Ok(tenant) => tenant.plan,
            Err(store::Error::NotFound) => "free".to_string(),
            Err(error) => return Err((error.into(), None)),
        };
        ((tenant_id.clone(), String::new()), plan)
    } else {
        (
            ("*".to_string(), principal.key_id.to_string()),
            "enterprise".to_string(),
        )
    };

    request.extensions_mut().insert(principal);
    let (rate_tenant, rate_bucket) = rate_key;
    let decision = if state.plan_rate_limits {
        match super::rate_limit::check_plan(&state.pool, &plan, &rate_tenant, &rate_bucket).await {
            Ok(decision) => decision,
            Err(error) => return Err((error.into(), None)),
        }
    } else {
        super::rate_limit::unlimited()
    };
    if !decision.allowed {
        return Err((
            ApiError::RateLimited {
                retry_after_seconds: decision.retry_after_seconds,
            },
            Some(decision),
        ));
    }
    Ok(decision)
}

fn add_rate_headers(response: &mut Response, decision: &RateDecision) {
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", decision.limit.to_string()),
        ("x-ratelimit-remaining", decision.remaining.to_string()),
        ("x-ratelimit-reset", decision.reset_at.to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tenant_segment;

    #[test]
    fn finds_the_tenant_only_below_a_tenant_path() {
        assert_eq!(
            tenant_segment("/api/v1/tenants/acme/nodes").as_deref(),
            Some("acme")
        );
        assert_eq!(
            tenant_segment("/api/v1/tenants/acme/nodes/x").as_deref(),
            Some("acme")
        );
        assert_eq!(tenant_segment("/api/v1/tenants/acme"), None);
        assert_eq!(tenant_segment("/api/v1/tenants"), None);
        assert_eq!(tenant_segment("/api/v1/status"), None);
    }
}
