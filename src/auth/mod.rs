//! Authentication and authorisation: API keys (`ic_live_…`, shown once, stored as SHA-256),
//! short-lived access tokens and single-use refresh tokens, roles, and tenant scoping.
//!
//! This module decides *who* is calling and *what* their role allows; it speaks to the store for
//! lookups and knows nothing about HTTP.

mod role;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

pub use role::Role;

use crate::store::{self, api_keys::PLATFORM_SCOPE};

pub const API_KEY_PREFIX: &str = "ic_live_";
pub const ACCESS_TOKEN_PREFIX: &str = "ic_at_";
pub const REFRESH_TOKEN_PREFIX: &str = "ic_rt_";
/// Lifetime of an access token.
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;
/// Lifetime of a refresh token.
pub const REFRESH_TOKEN_SECONDS: i64 = 30 * 24 * 3600;

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    ApiKey,
    AccessToken,
}

impl Credential {
    pub fn as_str(self) -> &'static str {
        match self {
            Credential::ApiKey => "api_key",
            Credential::AccessToken => "access_token",
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub key_id: Uuid,
    /// `None` for platform-wide keys.
    pub tenant_id: Option<String>,
    pub role: Role,
    pub credential: Credential,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Principal {
    /// Platform admins reach every tenant; everyone else only their own.
    pub fn can_access_tenant(&self, tenant_id: &str) -> bool {
        self.role == Role::PlatformAdmin || self.tenant_id.as_deref() == Some(tenant_id)
    }
}

/// Which tenant a new key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyScope {
    Platform,
    Tenant(String),
}

/// An access token and the refresh token that renews it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("role `{role}` cannot be given to a {scope} key")]
    RoleScopeMismatch {
        role: &'static str,
        scope: &'static str,
    },
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// SHA-256 of a secret, as stored.
pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Creates a key and returns it with its secret, which is never stored and cannot be shown again.
pub async fn create_key(
    pool: &PgPool,
    scope: &KeyScope,
    role: Role,
    name: &str,
) -> Result<(store::api_keys::ApiKey, String), Error> {
    let tenant_id = match (scope, role) {
        (KeyScope::Platform, Role::PlatformAdmin) => PLATFORM_SCOPE.to_string(),
        (KeyScope::Tenant(tenant_id), role) if role != Role::PlatformAdmin => tenant_id.clone(),
        (KeyScope::Platform, role) => {
            return Err(Error::RoleScopeMismatch {
                role: role.as_str(),
                scope: "platform",
            });
        }
        (KeyScope::Tenant(_), role) => {
            return Err(Error::RoleScopeMismatch {
                role: role.as_str(),
                scope: "tenant",
            });
        }
    };
    let secret = random_secret(API_KEY_PREFIX);
    let prefix: String = secret.chars().take(API_KEY_PREFIX.len() + 6).collect();
    let key = store::api_keys::insert_key(
        pool,
        &tenant_id,
        name,
        role.as_str(),
        &hash_secret(&secret),
        &prefix,
    )
    .await?;
    Ok((key, secret))
}

/// Resolves a bearer credential (API key or access token) to a principal; `None` when unknown,
/// revoked or expired.
pub async fn authenticate(pool: &PgPool, bearer: &str) -> Result<Option<Principal>, store::Error> {
    if bearer.starts_with(API_KEY_PREFIX) {
        let Some(key) = store::api_keys::find_key_by_hash(pool, &hash_secret(bearer)).await? else {
            return Ok(None);
        };
        return Ok(principal_from(
            &key.tenant_id,
            key.key_id,
            &key.role,
            Credential::ApiKey,
            None,
        ));
    }
    if bearer.starts_with(ACCESS_TOKEN_PREFIX) {
        let Some(token) =
            store::api_keys::find_live_token(pool, &hash_secret(bearer), "access").await?
        else {
            return Ok(None);
        };
        return Ok(principal_from(
            &token.tenant_id,
            token.key_id,
            &token.role,
            Credential::AccessToken,
            Some(token.expires_at),
        ));
    }
    Ok(None)
}

fn principal_from(
    tenant_id: &str,
    key_id: Uuid,
    role: &str,
    credential: Credential,
    expires_at: Option<DateTime<Utc>>,
) -> Option<Principal> {
    // A role string the code does not know (e.g. from a newer version) grants nothing.
    let role = Role::parse(role).ok()?;
    Some(Principal {
        key_id,
        tenant_id: (tenant_id != PLATFORM_SCOPE).then(|| tenant_id.to_string()),
        role,
        credential,
        expires_at,
    })
}

/// Exchanges an API key for an access token and a refresh token; `None` for an unknown key.
pub async fn issue_tokens(pool: &PgPool, api_key: &str) -> Result<Option<TokenPair>, store::Error> {
    if !api_key.starts_with(API_KEY_PREFIX) {
        return Ok(None);
    }
    let Some(key) = store::api_keys::find_key_by_hash(pool, &hash_secret(api_key)).await? else {
        return Ok(None);
    };
    mint_pair(pool, &key.tenant_id, key.key_id, &key.role)
        .await
        .map(Some)
}

/// Trades a refresh token (single use) for a new pair; `None` when it is unknown, used or expired.
pub async fn refresh_tokens(
    pool: &PgPool,
    refresh_token: &str,
) -> Result<Option<TokenPair>, store::Error> {
    if !refresh_token.starts_with(REFRESH_TOKEN_PREFIX) {
        return Ok(None);
    }
    let hash = hash_secret(refresh_token);
    let Some(token) = store::api_keys::find_live_token(pool, &hash, "refresh").await? else {
        return Ok(None);
    };
    // Revoking first makes concurrent reuse of one refresh token mint at most one new pair.
    if !store::api_keys::revoke_token(pool, &hash).await? {
        return Ok(None);
    }
    mint_pair(pool, &token.tenant_id, token.key_id, &token.role)
        .await
        .map(Some)
}

async fn mint_pair(
    pool: &PgPool,
    tenant_id: &str,
    key_id: Uuid,
    role: &str,
) -> Result<TokenPair, store::Error> {
    let now = Utc::now();
    let access_token = random_secret(ACCESS_TOKEN_PREFIX);
    let refresh_token = random_secret(REFRESH_TOKEN_PREFIX);
    for (secret, kind, lifetime) in [
        (&access_token, "access", ACCESS_TOKEN_SECONDS),
        (&refresh_token, "refresh", REFRESH_TOKEN_SECONDS),
    ] {
        let stored = store::api_keys::StoredToken {
            tenant_id: tenant_id.to_string(),
            key_id,
            role: role.to_string(),
            kind: kind.to_string(),
            expires_at: now + Duration::seconds(lifetime),
        };
        store::api_keys::insert_token(pool, &stored, &hash_secret(secret)).await?;
    }
    Ok(TokenPair {
        access_token,
        refresh_token,
        expires_in: ACCESS_TOKEN_SECONDS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_have_the_prefix_and_32_random_bytes() {
        let first = random_secret(API_KEY_PREFIX);
        let second = random_secret(API_KEY_PREFIX);
        assert!(first.starts_with("ic_live_"));
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(&first[API_KEY_PREFIX.len()..])
                .unwrap()
                .len(),
            32
        );
        assert_ne!(first, second);
        assert_eq!(hash_secret(&first).len(), 32);
        assert_ne!(hash_secret(&first), hash_secret(&second));
    }
}
