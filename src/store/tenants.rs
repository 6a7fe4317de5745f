//! Tenants: the unit of isolation. Deleting a tenant deletes all of its data.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::Error;
use super::paging::{Page, PageRequest};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub plan: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct TenantRow {
    tenant_id: String,
    name: String,
    plan: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<TenantRow> for Tenant {
    fn from(row: TenantRow) -> Self {
        Tenant {
            id: row.tenant_id,
            name: row.name,
            plan: row.plan,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

const COLUMNS: &str = "tenant_id, name, plan, created_at, updated_at";

pub async fn create(pool: &PgPool, id: &str, name: &str, plan: &str) -> Result<Tenant, Error> {
    let row: TenantRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO tenants (tenant_id, name, plan) VALUES ($1, $2, $3) RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(name)
    .bind(plan)
    .fetch_one(pool)
    .await?;
    Ok(row.into())
}

pub async fn get(pool: &PgPool, id: &str) -> Result<Tenant, Error> {
    let row: TenantRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tenants WHERE tenant_id = $1"
    )))
    .bind(id)
    .fetch_one(pool)
    .await?;
    Ok(row.into())
}

pub async fn list(pool: &PgPool, request: &PageRequest) -> Result<Page<Tenant>, Error> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants")
        .fetch_one(pool)
        .await?;
    let rows: Vec<TenantRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tenants ORDER BY tenant_id LIMIT $1 OFFSET $2"
    )))
    .bind(i64::from(request.per_page))
    .bind(i64::from(request.page.saturating_sub(1)) * i64::from(request.per_page))
    .fetch_all(pool)
    .await?;
    Ok(Page {
        items: rows.into_iter().map(Tenant::from).collect(),
        total,
        next_cursor: None,
    })
}

/// Changes name and/or plan; `None` keeps the current value.
pub async fn update(
    pool: &PgPool,
    id: &str,
    name: Option<&str>,
    plan: Option<&str>,
) -> Result<Tenant, Error> {
    let row: TenantRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE tenants SET name = coalesce($2, name), plan = coalesce($3, plan), updated_at = now()
         WHERE tenant_id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(name)
    .bind(plan)
    .fetch_one(pool)
    .await?;
    Ok(row.into())
}

/// Deletes the tenant and everything it owns (rows without a foreign key are deleted explicitly).
pub async fn delete(pool: &PgPool, id: &str) -> Result<(), Error> {
    let mut transaction = pool.begin().await?;
    for statement in [
        "DELETE FROM auth_tokens WHERE tenant_id = $1",
        "DELETE FROM api_keys WHERE tenant_id = $1",
    ] {
        sqlx::query(statement)
            .bind(id)
            .execute(&mut *transaction)
            .await?;
    }
    let deleted = sqlx::query("DELETE FROM tenants WHERE tenant_id = $1")
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    // `findings` has no foreign key to cascade from (migration
    // `…_findings_without_tenant_foreign_key.sql`). Deleted after the tenant's row, never before:
    // that deletion waited for any evaluation holding the row (its `evaluations` insert locks it),
    // so this statement, which reads the data committed since, takes what that evaluation wrote.
    sqlx::query("DELETE FROM findings WHERE tenant_id = $1")
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(())
}

/// Marks the tenant's graph as changed (cached snapshots compare this generation). Generations
/// come from one global sequence: they grow and never repeat, even for a re-created slug.
pub async fn bump_graph_generation(
    connection: &mut sqlx::PgConnection,
    tenant_id: &str,
) -> Result<i64, Error> {
    // Drawn first and written as a value: Citus refuses volatile functions in an UPDATE of a
    // distributed or reference table.
    let generation: i64 = sqlx::query_scalar("SELECT nextval('graph_generations')")
        .fetch_one(&mut *connection)
        .await?;
    sqlx::query("UPDATE tenants SET graph_generation = $2 WHERE tenant_id = $1")
        .bind(tenant_id)
        .bind(generation)
        .execute(&mut *connection)
        .await?;
    Ok(generation)
}

/// The tenant's current graph generation.
pub async fn graph_generation(pool: &PgPool, tenant_id: &str) -> Result<i64, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let generation: i64 =
        sqlx::query_scalar("SELECT graph_generation FROM tenants WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_one(&mut *transaction)
            .await?;
    transaction.commit().await?;
    Ok(generation)
}

/// The tenant's row identity: never shared by a re-created tenant of the same slug. It is also the
/// external id the tenant's AWS role must require when Infracast assumes it.
pub async fn uid(pool: &PgPool, tenant_id: &str) -> Result<uuid::Uuid, Error> {
    sqlx::query_scalar("SELECT uid FROM tenants WHERE tenant_id = $1")
        .bind(tenant_id)
        .fetch_optional(pool)
        .await?
        .ok_or(Error::NotFound)
}

/// Marks the tenant's findings as changed (list totals compare this generation). Drawn from the
/// graph generations' sequence, so it never repeats, even for a re-created slug.
pub async fn bump_findings_generation(
    connection: &mut sqlx::PgConnection,
    tenant_id: &str,
) -> Result<(), Error> {
    // Drawn first and written as a value, as in `bump_graph_generation` (Citus refuses `nextval`
    // in an UPDATE of a reference table).
    let generation: i64 = sqlx::query_scalar("SELECT nextval('graph_generations')")
        .fetch_one(&mut *connection)
        .await?;
    sqlx::query("UPDATE tenants SET findings_generation = $2 WHERE tenant_id = $1")
        .bind(tenant_id)
        .bind(generation)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// The graph generations of those of `tenant_ids` that still exist. Platform work (owner
/// connection, across tenants): each process's snapshot sweep asks about the tenants it caches.
pub async fn graph_generations(
    pool: &PgPool,
    tenant_ids: &[String],
) -> Result<Vec<(String, i64)>, Error> {
    let generations: Vec<(String, i64)> =
        sqlx::query_as("SELECT tenant_id, graph_generation FROM tenants WHERE tenant_id = ANY($1)")
            .bind(tenant_ids)
            .fetch_all(pool)
            .await?;
    Ok(generations)
}
