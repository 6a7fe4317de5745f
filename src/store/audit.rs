//! The audit trail: one append-only row per write made through the API (who, what, which object,
//! when, with which outcome).
//!
//! Rows are only ever inserted: the table refuses UPDATE, DELETE and TRUNCATE with a trigger, and
//! the tenant-facing role (`infracast_app`) holds only SELECT and INSERT on it. Events carry the
//! tenant's slug *and* its `uid`, so a tenant re-created under a deleted tenant's slug never sees
//! the deleted one's events. This module records and reads; deciding what to record is the API's.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::Error;
use super::paging::{Page, PageRequest, SortColumn};

/// The one sort an audit listing offers (`occurred_at`, `-occurred_at`), the event id breaking ties.
pub const SORT_COLUMNS: &[SortColumn] = &[SortColumn {
    field: "occurred_at",
    column: "occurred_at",
    sql_type: "timestamptz",
}];

/// The `tenant_id` of events that belong to no tenant (platform-wide actions).
pub const PLATFORM_TENANT: &str = "*";

/// An event to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    /// The tenant's slug, or [`PLATFORM_TENANT`].
    pub tenant_id: String,
    /// The tenant's `uid` at the time (`None` for platform events or an unknown tenant).
    pub tenant_uid: Option<Uuid>,
    pub actor_key_id: Option<Uuid>,
    pub actor_role: Option<String>,
    /// `<resource>.<verb>`, e.g. `jobs.cancel`.
    pub action: String,
    pub method: String,
    pub path: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub status: u16,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEvent {
    pub tenant_id: String,
    pub event_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_key_id: Option<Uuid>,
    pub actor_role: Option<String>,
    pub action: String,
    pub method: String,
    pub path: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub status: i32,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

const COLUMNS: &str = "tenant_id, event_id, occurred_at, actor_key_id, actor_role, action, method, \
    path, target_type, target_id, status, request_id, client_ip";

/// Appends one event. It runs as the tenant-facing role scoped to the event's tenant (or to the
/// platform pseudo-tenant `*`), so even this path cannot touch another tenant's events.
pub async fn record(pool: &PgPool, event: &NewAuditEvent) -> Result<(), Error> {
    let mut transaction = super::tenant_transaction(pool, &event.tenant_id).await?;
    sqlx::query(
        "INSERT INTO audit_events (tenant_id, tenant_uid, actor_key_id, actor_role, action, method,
            path, target_type, target_id, status, request_id, client_ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&event.tenant_id)
    .bind(event.tenant_uid)
    .bind(event.actor_key_id)
    .bind(&event.actor_role)
    .bind(&event.action)
    .bind(&event.method)
    .bind(&event.path)
    .bind(&event.target_type)
    .bind(&event.target_id)
    .bind(i32::from(event.status))
    .bind(&event.request_id)
    .bind(&event.client_ip)
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(())
}

/// The current `uid` of the tenant with this slug, if it exists.
pub async fn tenant_uid(pool: &PgPool, tenant_id: &str) -> Result<Option<Uuid>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let uid: Option<Uuid> = sqlx::query_scalar("SELECT uid FROM tenants WHERE tenant_id = $1")
        .bind(tenant_id)
        .fetch_optional(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(uid)
}

/// Filters of an audit listing; empty means no restriction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actions: Vec<String>,
    pub actor_key_id: Option<Uuid>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Platform listing only: one tenant's slug.
    pub tenant: Option<String>,
}

/// Where a keyset page starts: after the event at (`occurred_at`, `event_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditCursor {
    pub occurred_at: DateTime<Utc>,
    pub event_id: Uuid,
}

fn push_filters(builder: &mut QueryBuilder<Postgres>, filter: &AuditFilter) {
    if !filter.actions.is_empty() {
        builder.push(" AND action = ANY(");
        builder.push_bind(filter.actions.clone());
        builder.push(")");
    }
    if let Some(actor_key_id) = filter.actor_key_id {
        builder.push(" AND actor_key_id = ");
        builder.push_bind(actor_key_id);
    }
    if let Some(target_type) = &filter.target_type {
        builder.push(" AND target_type = ");
        builder.push_bind(target_type.clone());
    }
    if let Some(target_id) = &filter.target_id {
        builder.push(" AND target_id = ");
        builder.push_bind(target_id.clone());
    }
    if let Some(since) = filter.since {
        builder.push(" AND occurred_at >= ");
        builder.push_bind(since);
    }
    if let Some(until) = filter.until {
        builder.push(" AND occurred_at < ");
        builder.push_bind(until);
    }
    if let Some(tenant) = &filter.tenant {
        builder.push(" AND tenant_id = ");
        builder.push_bind(tenant.clone());
    }
}

/// Which events a listing covers: one tenant incarnation (as that tenant), or all (platform).
#[derive(Debug, Clone, Copy)]
pub enum AuditScope<'a> {
    Tenant {
        tenant_id: &'a str,
        tenant_uid: Uuid,
    },
    Platform,
}

/// One page of events, newest first unless `ascending`; keyset when `cursor` is given.
pub async fn list(
    pool: &PgPool,
    scope: AuditScope<'_>,
    filter: &AuditFilter,
    ascending: bool,
    request: &PageRequest,
    cursor: Option<AuditCursor>,
) -> Result<Page<AuditEvent>, Error> {
    // A tenant's events are read as that tenant (row-level security); the platform listing spans
    // tenants and is platform work on the owner connection.
    let mut transaction = match scope {
        AuditScope::Tenant { tenant_id, .. } => super::tenant_transaction(pool, tenant_id).await?,
        AuditScope::Platform => pool.begin().await?,
    };
    let push_scope = |builder: &mut QueryBuilder<Postgres>| match scope {
        AuditScope::Tenant {
            tenant_id,
            tenant_uid,
        } => {
            builder.push(" WHERE tenant_id = ");
            builder.push_bind(tenant_id.to_string());
            builder.push(" AND tenant_uid = ");
            builder.push_bind(tenant_uid);
        }
        AuditScope::Platform => {
            builder.push(" WHERE true");
        }
    };
    let mut count = QueryBuilder::<Postgres>::new("SELECT count(*) FROM audit_events");
    push_scope(&mut count);
    push_filters(&mut count, filter);
    let total: i64 = count
        .build_query_scalar()
        .fetch_one(&mut *transaction)
        .await?;

    let mut select = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS} FROM audit_events"));
    push_scope(&mut select);
    push_filters(&mut select, filter);
    let (comparison, direction) = if ascending {
        (">", "ASC")
    } else {
        ("<", "DESC")
    };
    if let Some(cursor) = cursor {
        select.push(format!(" AND (occurred_at, event_id) {comparison} ("));
        select.push_bind(cursor.occurred_at);
        select.push(", ");
        select.push_bind(cursor.event_id);
        select.push(")");
    }
    select.push(format!(
        " ORDER BY occurred_at {direction}, event_id {direction} LIMIT "
    ));
    select.push_bind(i64::from(request.per_page) + 1);
    if cursor.is_none() {
        select.push(" OFFSET ");
        select.push_bind(i64::from(request.page.saturating_sub(1)) * i64::from(request.per_page));
    }
    let mut rows: Vec<AuditEvent> = select.build_query_as().fetch_all(&mut *transaction).await?;
    transaction.commit().await?;

    let has_more = rows.len() > request.per_page as usize;
    rows.truncate(request.per_page as usize);
    let next_cursor = match rows.last() {
        Some(last) if has_more => Some(
            super::paging::Cursor {
                sort_field: "occurred_at".to_string(),
                value: super::paging::timestamp_cursor_value(&last.occurred_at),
                id: last.event_id.to_string(),
            }
            .encode(),
        ),
        _ => None,
    };
    Ok(Page {
        items: rows,
        total,
        next_cursor,
    })
}
