//! Webhooks as the crate sees them: a subscription (`Webhook`), the state of one event's delivery
//! to it (`DeliveryStatus`, `Delivery`) and a delivery due to be sent (`DueDelivery`).
//!
//! Plain data: `store::webhooks` parses its rows into these at its boundary (a status this build
//! does not know is a corrupt row there), the API and the delivery worker read them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::UnknownName;

/// Where one event's delivery to one webhook stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not delivered yet; the worker tries again at `next_attempt_at`.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Given up: a 4xx answer, or every attempt failed.
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 3] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
    ];

    /// The name stored in `webhook_deliveries.status` and sent by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// Parses a stored name (exactly; the column's CHECK constraint allows only these).
    pub fn parse(value: &str) -> Result<DeliveryStatus, UnknownName> {
        DeliveryStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
            .ok_or_else(|| UnknownName {
                what: "delivery status",
                value: value.to_string(),
                expected: "pending, delivered, failed".to_string(),
            })
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A tenant's webhook subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub tenant_id: String,
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub secret: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

/// One event's delivery to a webhook, as the deliveries listing shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub last_response: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A delivery due now, with what is needed to send it.
#[derive(Debug, Clone, PartialEq)]
pub struct DueDelivery {
    pub tenant_id: String,
    pub id: Uuid,
    pub attempts: i32,
    pub url: String,
    pub secret: String,
    pub event_id: Uuid,
    pub event_type: String,
    pub payload: Value,
    pub event_created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_their_stored_names_only() {
        for status in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(status.as_str()), Ok(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                Value::String(status.as_str().to_string())
            );
        }
        assert_eq!(
            DeliveryStatus::parse("delivered").unwrap(),
            DeliveryStatus::Delivered
        );
        assert!(DeliveryStatus::parse("DELIVERED").is_err());
        assert!(DeliveryStatus::parse("sent").is_err());
    }
}
