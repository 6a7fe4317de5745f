//! Webhook delivery from the outbox: sign, send to the address checked at resolution (no
//! redirects), record the attempt; 5xx and network errors retry with exponential backoff up to
//! `MAX_ATTEMPTS`, 4xx is permanent.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;
use tokio::sync::watch;

use crate::model::{DeliveryStatus, DueDelivery};
use crate::netguard;
use crate::store;

pub const MAX_ATTEMPTS: i32 = 6;

/// `sha256=<hex>` over `"{timestamp}.{body}"` with the webhook's secret.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // Invariant: HMAC accepts keys of any length.
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

enum AttemptResult {
    Delivered(u16, String),
    Permanent(Option<u16>, String),
    Retry(Option<u16>, String),
}

async fn send(delivery: &DueDelivery, allow_internal: bool) -> AttemptResult {
    let url = match reqwest::Url::parse(&delivery.url) {
        Ok(url) => url,
        Err(error) => return AttemptResult::Permanent(None, format!("bad url: {error}")),
    };
    let (host, address) = match netguard::resolve_target(&url, allow_internal).await {
        Ok(target) => target,
        Err(error @ netguard::TargetError::Unresolvable(_)) => {
            return AttemptResult::Retry(None, error.to_string());
        }
        Err(error) => return AttemptResult::Permanent(None, error.to_string()),
    };
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .resolve(&host, address)
        .build()
    {
        Ok(client) => client,
        Err(error) => return AttemptResult::Retry(None, error.to_string()),
    };
    let body = serde_json::json!({
        "id": delivery.event_id,
        "type": delivery.event_type,
        "tenant": delivery.tenant_id,
        "created_at": delivery.event_created_at,
        "data": delivery.payload,
    })
    .to_string();
    let timestamp = chrono::Utc::now().timestamp();
    let answer = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-infracast-event", &delivery.event_type)
        .header("x-infracast-delivery", delivery.id.to_string())
        .header("x-infracast-timestamp", timestamp.to_string())
        .header(
            "x-infracast-signature",
            signature(&delivery.secret, timestamp, body.as_bytes()),
        )
        .body(body)
        .send()
        .await;
    match answer {
        Ok(response) => {
            let status = response.status().as_u16();
            let text: String = response
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(1024)
                .collect();
            match status {
                200..=299 => AttemptResult::Delivered(status, text),
                500..=599 => AttemptResult::Retry(Some(status), text),
                _ => AttemptResult::Permanent(Some(status), text),
            }
        }
        Err(error) => AttemptResult::Retry(None, error.to_string()),
    }
}

/// Sends every due delivery once; returns how many were attempted.
pub async fn deliver_due(pool: &PgPool, allow_internal: bool) -> Result<usize, store::Error> {
    let due = store::webhooks::claim_due(pool, 50, 60.0).await?;
    for delivery in &due {
        let attempt = send(delivery, allow_internal).await;
        let (status, code, error, response, retry_in) = match attempt {
            AttemptResult::Delivered(code, text) => {
                (DeliveryStatus::Delivered, Some(code), None, Some(text), 0.0)
            }
            AttemptResult::Permanent(code, text) => (
                DeliveryStatus::Failed,
                code,
                Some(text.clone()),
                Some(text),
                0.0,
            ),
            AttemptResult::Retry(code, text) if delivery.attempts + 1 >= MAX_ATTEMPTS => (
                DeliveryStatus::Failed,
                code,
                Some(text.clone()),
                Some(text),
                0.0,
            ),
            AttemptResult::Retry(code, text) => {
                let backoff = 2f64.powi(delivery.attempts).min(300.0);
                (
                    DeliveryStatus::Pending,
                    code,
                    Some(text.clone()),
                    Some(text),
                    backoff,
                )
            }
        };
        store::webhooks::record_attempt(
            pool,
            delivery,
            status,
            code.map(i32::from),
            error.as_deref(),
            response.as_deref(),
            retry_in,
        )
        .await?;
    }
    Ok(due.len())
}

/// Delivers until `shutdown` turns true, looking for due deliveries every second.
pub async fn run(pool: PgPool, allow_internal: bool, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        if let Err(error) = deliver_due(&pool, allow_internal).await {
            tracing::warn!(%error, "webhook delivery pass failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => {}
        }
    }
}
