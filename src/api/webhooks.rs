//! Webhooks under `/api/v1/tenants/{tenant}/webhooks`: create (`url`, `events`, `secret`; the
//! secret is never returned), list, get, delete, and the delivery log.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::envelope::Envelope;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use super::schema::{self, TenantPath, path_params};
use super::{AppState, TenantContext, envelope};
use crate::model::{Delivery, DeliveryStatus, Webhook};
use crate::netguard;
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, delete))
        .routes(routes!(deliveries))
        .routes(routes!(send_test))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct WebhookDto {
    id: Uuid,
    url: String,
    events: Vec<String>,
    enabled: bool,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl From<Webhook> for WebhookDto {
    fn from(webhook: Webhook) -> Self {
        WebhookDto {
            id: webhook.id,
            url: webhook.url,
            events: webhook.events,
            enabled: webhook.enabled,
            created_at: webhook.created_at,
        }
    }
}

/// A webhook; deliveries are signed with HMAC-SHA256 of the raw body under `secret`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateWebhook {
    /// An http(s) URL that resolves to a public address (unless the server allows private ones).
    #[schema(pattern = "^https?://[^\\x00]*$")]
    url: String,
    #[schema(schema_with = events_schema)]
    events: Vec<String>,
    /// At least 16 characters; never returned.
    #[schema(min_length = 16)]
    secret: String,
}

fn events_schema() -> utoipa::openapi::schema::Schema {
    utoipa::openapi::ArrayBuilder::new()
        .items(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::Type::String)
                .enum_values(Some(store::webhooks::EVENT_TYPES.iter().copied())),
        )
        .min_items(Some(1))
        .into()
}

/// One delivery attempt series of an event to a webhook.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct DeliveryDto {
    id: Uuid,
    event_id: Uuid,
    event: String,
    status: DeliveryStatus,
    attempts: i32,
    next_attempt_at: chrono::DateTime<chrono::Utc>,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    last_response: Option<String>,
    delivered_at: Option<chrono::DateTime<chrono::Utc>>,
    created_at: chrono::DateTime<chrono::Utc>,
}

path_params!(WebhookPath {
    "tenant" => "Tenant id (slug)",
    "webhook_id" => "Webhook id (UUID)",
});

fn parse_webhook_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found("webhook"))
}

fn not_found_as_webhook(error: store::Error) -> ApiError {
    match error {
        store::Error::NotFound => ApiError::not_found("webhook"),
        other => other.into(),
    }
}

/// Creates a webhook (admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/webhooks",
    tag = "webhooks",
    params(TenantPath),
    request_body = CreateWebhook,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Envelope<WebhookDto>),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn create(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiJson(body): ApiJson<CreateWebhook>,
) -> Result<(StatusCode, Json<Envelope<WebhookDto>>), ApiError> {
    context.require_write()?;
    if body.events.is_empty() {
        return Err(ApiError::Validation(
            "`events` must name at least one event".to_string(),
        ));
    }
    if let Some(bad) = body
        .events
        .iter()
        .find(|event| !store::webhooks::EVENT_TYPES.contains(&event.as_str()))
    {
        return Err(ApiError::Validation(format!(
            "unknown event `{bad}`; expected any of: {}",
            store::webhooks::EVENT_TYPES.join(", ")
        )));
    }
    if body.secret.chars().count() < 16 {
        return Err(ApiError::Validation(
            "`secret` must be at least 16 characters".to_string(),
        ));
    }
    let url = reqwest::Url::parse(&body.url)
        .map_err(|error| ApiError::Validation(format!("`url` is not a URL: {error}")))?;
    netguard::resolve_target(&url, state.allow_internal_webhooks)
        .await
        .map_err(|error| ApiError::Validation(error.to_string()))?;
    let mut events = body.events.clone();
    events.sort();
    events.dedup();
    let webhook = store::webhooks::create(
        &state.pool,
        context.tenant_id(),
        url.as_str(),
        &events,
        &body.secret,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        envelope::data(WebhookDto::from(webhook)),
    ))
}

/// Lists webhooks (admins).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/webhooks",
    tag = "webhooks",
    params(TenantPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Envelope<Vec<WebhookDto>>),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn list(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
) -> Result<Json<Envelope<Vec<WebhookDto>>>, ApiError> {
    context.require_write()?;
    let webhooks = store::webhooks::list(&state.pool, context.tenant_id()).await?;
    Ok(envelope::data(
        webhooks
            .into_iter()
            .map(WebhookDto::from)
            .collect::<Vec<_>>(),
    ))
}

/// Gets a webhook (admins).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/webhooks/{webhook_id}",
    tag = "webhooks",
    params(WebhookPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Envelope<WebhookDto>),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn read(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, webhook_id)): ApiPath<(String, String)>,
) -> Result<Json<Envelope<WebhookDto>>, ApiError> {
    context.require_write()?;
    let webhook = store::webhooks::get(
        &state.pool,
        context.tenant_id(),
        parse_webhook_id(&webhook_id)?,
    )
    .await
    .map_err(not_found_as_webhook)?;
    Ok(envelope::data(WebhookDto::from(webhook)))
}

/// Deletes a webhook (admins).
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/webhooks/{webhook_id}",
    tag = "webhooks",
    params(WebhookPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn delete(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, webhook_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    context.require_write()?;
    store::webhooks::delete(
        &state.pool,
        context.tenant_id(),
        parse_webhook_id(&webhook_id)?,
    )
    .await
    .map_err(not_found_as_webhook)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The webhook's delivery log (admins).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/webhooks/{webhook_id}/deliveries",
    tag = "webhooks",
    params(WebhookPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Envelope<Vec<DeliveryDto>>),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn deliveries(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, webhook_id)): ApiPath<(String, String)>,
) -> Result<Json<Envelope<Vec<DeliveryDto>>>, ApiError> {
    context.require_write()?;
    let webhook_id = parse_webhook_id(&webhook_id)?;
    store::webhooks::get(&state.pool, context.tenant_id(), webhook_id)
        .await
        .map_err(not_found_as_webhook)?;
    let deliveries =
        store::webhooks::deliveries(&state.pool, context.tenant_id(), webhook_id).await?;
    let body: Vec<DeliveryDto> = deliveries.into_iter().map(DeliveryDto::from).collect();
    Ok(envelope::data(body))
}

impl From<Delivery> for DeliveryDto {
    fn from(delivery: Delivery) -> Self {
        DeliveryDto {
            id: delivery.id,
            event_id: delivery.event_id,
            event: delivery.event_type,
            status: delivery.status,
            attempts: delivery.attempts,
            next_attempt_at: delivery.next_attempt_at,
            last_status_code: delivery.last_status_code,
            last_error: delivery.last_error,
            last_response: delivery.last_response,
            delivered_at: delivery.delivered_at,
            created_at: delivery.created_at,
        }
    }
}

/// Sends a signed `ping` event to this webhook now, whatever it subscribes to (admins): the
/// delivery is queued at once and the server's delivery worker sends it within a second; its
/// result shows in `…/deliveries` (and `infracast webhook test` waits for it).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/webhooks/{webhook_id}/test",
    tag = "webhooks",
    params(WebhookPath),
    security(("bearer" = [])),
    responses(
        (status = 202, body = Envelope<DeliveryDto>),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn send_test(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, webhook_id)): ApiPath<(String, String)>,
) -> Result<(StatusCode, Json<Envelope<DeliveryDto>>), ApiError> {
    context.require_write()?;
    let webhook_id = parse_webhook_id(&webhook_id)?;
    let delivery_id = store::webhooks::enqueue_ping(&state.pool, context.tenant_id(), webhook_id)
        .await
        .map_err(not_found_as_webhook)?;
    let delivery = store::webhooks::deliveries(&state.pool, context.tenant_id(), webhook_id)
        .await?
        .into_iter()
        .find(|delivery| delivery.id == delivery_id)
        .ok_or_else(|| ApiError::not_found("webhook"))?;
    Ok((
        StatusCode::ACCEPTED,
        envelope::data(DeliveryDto::from(delivery)),
    ))
}
