//! Webhook subscriptions, the event outbox and delivery bookkeeping.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::Error;

pub const EVENT_TYPES: &[&str] = &[
    "finding.created",
    "finding.resolved",
    "finding.reopened",
    "job.completed",
    "job.failed",
];

pub use crate::model::{Delivery, DeliveryStatus, DueDelivery, Webhook};

/// A `webhooks` row as stored; callers get the model's `Webhook`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct WebhookRow {
    tenant_id: String,
    id: Uuid,
    url: String,
    events: Vec<String>,
    secret: String,
    enabled: bool,
    created_at: DateTime<Utc>,
}

impl From<WebhookRow> for Webhook {
    fn from(row: WebhookRow) -> Webhook {
        Webhook {
            tenant_id: row.tenant_id,
            id: row.id,
            url: row.url,
            events: row.events,
            secret: row.secret,
            enabled: row.enabled,
            created_at: row.created_at,
        }
    }
}

const WEBHOOK_COLUMNS: &str = "tenant_id, id, url, events, secret, enabled, created_at";

pub async fn create(
    pool: &PgPool,
    tenant_id: &str,
    url: &str,
    events: &[String],
    secret: &str,
) -> Result<Webhook, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let webhook: WebhookRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO webhooks (tenant_id, id, url, events, secret) VALUES ($1, $2, $3, $4, $5) RETURNING {WEBHOOK_COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(Uuid::new_v4())
    .bind(url)
    .bind(events)
    .bind(secret)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(webhook.into())
}

pub async fn list(pool: &PgPool, tenant_id: &str) -> Result<Vec<Webhook>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let webhooks: Vec<WebhookRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE tenant_id = $1 ORDER BY created_at, id"
    )))
    .bind(tenant_id)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(webhooks.into_iter().map(Webhook::from).collect())
}

pub async fn get(pool: &PgPool, tenant_id: &str, id: Uuid) -> Result<Webhook, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let webhook: WebhookRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tenant_id)
    .bind(id)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(webhook.into())
}

pub async fn delete(pool: &PgPool, tenant_id: &str, id: Uuid) -> Result<(), Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    sqlx::query("DELETE FROM webhook_deliveries WHERE tenant_id = $1 AND webhook_id = $2")
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    let deleted = sqlx::query("DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2")
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    transaction.commit().await?;
    Ok(())
}

/// Records an event and a pending delivery for every enabled subscription to it, inside the
/// caller's transaction (so the event exists exactly when the change that caused it does).
pub async fn enqueue(
    connection: &mut PgConnection,
    tenant_id: &str,
    event_type: &str,
    payload: &Value,
) -> Result<Uuid, Error> {
    let event_id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO webhook_events (tenant_id, id, event_type, payload) VALUES ($1, $2, $3, $4)",
    )
    .bind(tenant_id)
    .bind(event_id)
    .bind(event_type)
    .bind(sqlx::types::Json(payload))
    .execute(&mut *connection)
    .await?;
    sqlx::query(
        "INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_id, status)
         SELECT $1, gen_random_uuid(), w.id, $2, 'pending' FROM webhooks w
         WHERE w.tenant_id = $1 AND w.enabled AND $3 = ANY(w.events)
         ON CONFLICT (tenant_id, webhook_id, event_id) DO NOTHING",
    )
    .bind(tenant_id)
    .bind(event_id)
    .bind(event_type)
    .execute(&mut *connection)
    .await?;
    Ok(event_id)
}

/// Queues a signed `ping` to one webhook only, due at once (whatever events it subscribes to),
/// so a receiver can be checked without waiting for a real event. Returns the delivery's id.
pub async fn enqueue_ping(pool: &PgPool, tenant_id: &str, webhook_id: Uuid) -> Result<Uuid, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let exists: Option<(Uuid,)> =
        sqlx::query_as("SELECT id FROM webhooks WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(webhook_id)
            .fetch_optional(&mut *transaction)
            .await?;
    if exists.is_none() {
        return Err(Error::NotFound);
    }
    let event_id = Uuid::new_v4();
    let payload = serde_json::json!({
        "webhook_id": webhook_id,
        "message": "a test event from Infracast: your receiver is reachable",
    });
    sqlx::query(
        "INSERT INTO webhook_events (tenant_id, id, event_type, payload) VALUES ($1, $2, 'ping', $3)",
    )
    .bind(tenant_id)
    .bind(event_id)
    .bind(sqlx::types::Json(&payload))
    .execute(&mut *transaction)
    .await?;
    let delivery_id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_id, status)
         VALUES ($1, $2, $3, $4, 'pending')",
    )
    .bind(tenant_id)
    .bind(delivery_id)
    .bind(webhook_id)
    .bind(event_id)
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(delivery_id)
}

/// A due delivery as the claiming statement returns it; callers get the model's `DueDelivery`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct DueDeliveryRow {
    tenant_id: String,
    id: Uuid,
    attempts: i32,
    url: String,
    secret: String,
    event_id: Uuid,
    event_type: String,
    payload: sqlx::types::Json<Value>,
    event_created_at: DateTime<Utc>,
}

impl From<DueDeliveryRow> for DueDelivery {
    fn from(row: DueDeliveryRow) -> DueDelivery {
        DueDelivery {
            tenant_id: row.tenant_id,
            id: row.id,
            attempts: row.attempts,
            url: row.url,
            secret: row.secret,
            event_id: row.event_id,
            event_type: row.event_type,
            payload: row.payload.0,
            event_created_at: row.event_created_at,
        }
    }
}

/// Takes up to `limit` due deliveries, pushing their next attempt `lease_seconds` ahead so another
/// process does not send them at the same time. Found by an unlocked read across tenants, then
/// taken one at a time with the tenant named, under `FOR UPDATE SKIP LOCKED` and with the
/// condition checked again (a delivery another process took in between is skipped): Citus cannot
/// lock rows of several tenants (shards) in one statement.
pub async fn claim_due(
    pool: &PgPool,
    limit: i64,
    lease_seconds: f64,
) -> Result<Vec<DueDelivery>, Error> {
    let candidates: Vec<(String, Uuid)> = sqlx::query_as(
        "SELECT tenant_id, id FROM webhook_deliveries
         WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at, tenant_id, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut due = Vec::new();
    for (tenant_id, delivery_id) in candidates {
        let claimed: Option<DueDeliveryRow> = sqlx::query_as(
            "UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $3), updated_at = now()
             FROM webhooks w, webhook_events e
             WHERE d.tenant_id = $1 AND d.id = (
                    SELECT id FROM webhook_deliveries
                    WHERE tenant_id = $1 AND id = $2 AND status = 'pending' AND next_attempt_at <= now()
                    FOR UPDATE SKIP LOCKED)
               AND w.tenant_id = $1 AND w.id = d.webhook_id
               AND e.tenant_id = $1 AND e.id = d.event_id
             RETURNING d.tenant_id, d.id, d.attempts, w.url, w.secret, e.id AS event_id, e.event_type, e.payload,
                       e.created_at AS event_created_at",
        )
        .bind(&tenant_id)
        .bind(delivery_id)
        .bind(lease_seconds)
        .fetch_optional(pool)
        .await?;
        due.extend(claimed);
    }
    Ok(due.into_iter().map(DueDelivery::from).collect())
}

/// Records one attempt: delivered, failed for good, or retried after `retry_in_seconds`.
pub async fn record_attempt(
    pool: &PgPool,
    delivery: &DueDelivery,
    status: DeliveryStatus,
    status_code: Option<i32>,
    error: Option<&str>,
    response: Option<&str>,
    retry_in_seconds: f64,
) -> Result<(), Error> {
    // Chosen here rather than by a `CASE` around `now()`: Citus refuses non-immutable functions
    // inside `CASE` of a distributed UPDATE.
    let statement = if status == DeliveryStatus::Delivered {
        "UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, last_status_code = $4, last_error = $5,
            last_response = $6, next_attempt_at = now() + make_interval(secs => $7),
            delivered_at = now(), updated_at = now()
         WHERE tenant_id = $1 AND id = $2"
    } else {
        "UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, last_status_code = $4, last_error = $5,
            last_response = $6, next_attempt_at = now() + make_interval(secs => $7),
            delivered_at = NULL, updated_at = now()
         WHERE tenant_id = $1 AND id = $2"
    };
    sqlx::query(statement)
        .bind(&delivery.tenant_id)
        .bind(delivery.id)
        .bind(status.as_str())
        .bind(status_code)
        .bind(error)
        .bind(response)
        .bind(retry_in_seconds)
        .execute(pool)
        .await?;
    Ok(())
}

/// A delivery as listed; its status is parsed into the model's `DeliveryStatus` on the way out.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct DeliveryRow {
    id: Uuid,
    event_id: Uuid,
    event_type: String,
    status: String,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    last_response: Option<String>,
    delivered_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = Error;

    fn try_from(row: DeliveryRow) -> Result<Delivery, Error> {
        let status = DeliveryStatus::parse(&row.status)
            .map_err(|error| Error::Corrupt(format!("webhook delivery {}: {error}", row.id)))?;
        Ok(Delivery {
            id: row.id,
            event_id: row.event_id,
            event_type: row.event_type,
            status,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at,
            last_status_code: row.last_status_code,
            last_error: row.last_error,
            last_response: row.last_response,
            delivered_at: row.delivered_at,
            created_at: row.created_at,
        })
    }
}

pub async fn deliveries(
    pool: &PgPool,
    tenant_id: &str,
    webhook_id: Uuid,
) -> Result<Vec<Delivery>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let deliveries: Vec<DeliveryRow> = sqlx::query_as(
        "SELECT d.id, d.event_id, e.event_type, d.status, d.attempts, d.next_attempt_at, d.last_status_code,
                d.last_error, d.last_response, d.delivered_at, d.created_at
         FROM webhook_deliveries d JOIN webhook_events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
         WHERE d.tenant_id = $1 AND d.webhook_id = $2 ORDER BY d.created_at, d.id",
    )
    .bind(tenant_id)
    .bind(webhook_id)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    deliveries.into_iter().map(Delivery::try_from).collect()
}
