//! API keys and the access/refresh tokens minted from them. Only SHA-256 hashes are stored.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::Error;

/// The tenant id under which platform-wide keys are stored; no tenant slug can take it.
pub const PLATFORM_SCOPE: &str = "*";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub tenant_id: String,
    pub key_id: Uuid,
    pub name: String,
    pub role: String,
    pub key_prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct ApiKeyRow {
    tenant_id: String,
    key_id: Uuid,
    name: String,
    role: String,
    key_prefix: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(row: ApiKeyRow) -> Self {
        ApiKey {
            tenant_id: row.tenant_id,
            key_id: row.key_id,
            name: row.name,
            role: row.role,
            key_prefix: row.key_prefix,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        }
    }
}

const KEY_COLUMNS: &str = "tenant_id, key_id, name, role, key_prefix, created_at, revoked_at";

pub async fn insert_key(
    pool: &PgPool,
    tenant_id: &str,
    name: &str,
    role: &str,
    key_hash: &[u8],
    key_prefix: &str,
) -> Result<ApiKey, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let row: ApiKeyRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO api_keys (tenant_id, key_id, name, role, key_hash, key_prefix)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {KEY_COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(Uuid::new_v4())
    .bind(name)
    .bind(role)
    .bind(key_hash)
    .bind(key_prefix)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(row.into())
}

/// The live (not revoked) key with this hash.
pub async fn find_key_by_hash(pool: &PgPool, key_hash: &[u8]) -> Result<Option<ApiKey>, Error> {
    let row: Option<ApiKeyRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL"
    )))
    .bind(key_hash)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(ApiKey::from))
}

pub async fn list_keys(pool: &PgPool, tenant_id: &str) -> Result<Vec<ApiKey>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let rows: Vec<ApiKeyRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, key_id"
    )))
    .bind(tenant_id)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(rows.into_iter().map(ApiKey::from).collect())
}

/// Revokes a key and every token minted from it.
pub async fn revoke_key(pool: &PgPool, tenant_id: &str, key_id: Uuid) -> Result<(), Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let updated = sqlx::query(
        "UPDATE api_keys SET revoked_at = now(), updated_at = now()
         WHERE tenant_id = $1 AND key_id = $2 AND revoked_at IS NULL",
    )
    .bind(tenant_id)
    .bind(key_id)
    .execute(&mut *transaction)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    sqlx::query(
        "UPDATE auth_tokens SET revoked_at = now(), updated_at = now()
         WHERE tenant_id = $1 AND key_id = $2 AND revoked_at IS NULL",
    )
    .bind(tenant_id)
    .bind(key_id)
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(())
}

/// A stored access or refresh token.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredToken {
    pub tenant_id: String,
    pub key_id: Uuid,
    pub role: String,
    pub kind: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_token(
    pool: &PgPool,
    token: &StoredToken,
    token_hash: &[u8],
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO auth_tokens (tenant_id, token_hash, kind, key_id, role, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&token.tenant_id)
    .bind(token_hash)
    .bind(&token.kind)
    .bind(token.key_id)
    .bind(&token.role)
    .bind(token.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// A token of `kind` with this hash that is neither expired nor revoked, nor minted from a
/// revoked key.
pub async fn find_live_token(
    pool: &PgPool,
    token_hash: &[u8],
    kind: &str,
) -> Result<Option<StoredToken>, Error> {
    let token: Option<StoredToken> = sqlx::query_as(
        "SELECT t.tenant_id, t.key_id, t.role, t.kind, t.expires_at
         FROM auth_tokens t
         JOIN api_keys k ON k.tenant_id = t.tenant_id AND k.key_id = t.key_id
         WHERE t.token_hash = $1 AND t.kind = $2 AND t.revoked_at IS NULL
           AND t.expires_at > now() AND k.revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(kind)
    .fetch_optional(pool)
    .await?;
    Ok(token)
}

/// Revokes one token (refresh tokens are single-use). Returns false when it was not live.
pub async fn revoke_token(pool: &PgPool, token_hash: &[u8]) -> Result<bool, Error> {
    let updated = sqlx::query(
        "UPDATE auth_tokens SET revoked_at = now(), updated_at = now()
         WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .execute(pool)
    .await?;
    Ok(updated.rows_affected() == 1)
}
