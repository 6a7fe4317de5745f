//! Webhooks delivered to a real HTTP receiver on loopback: signatures, retries after 5xx, no retry
//! after 4xx, delivery across a restart, and refusal of internal targets.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode as AxumStatus};
use hmac::{Hmac, Mac};
use infracast::jobs::{self, JobRuntime, deliveries};
use infracast::snapshots::GraphSnapshots;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{TestApp, spawn_app, spawn_app_allowing_internal_webhooks};

const SECRET: &str = "a-very-secret-webhook-key";

#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    /// Statuses to answer with, in order; 200 once they run out.
    script: Arc<Mutex<Vec<u16>>>,
}

async fn start_receiver(script: Vec<u16>) -> (String, Receiver) {
    let receiver = Receiver {
        script: Arc::new(Mutex::new(script)),
        ..Receiver::default()
    };
    let state = receiver.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let state = state.clone();
            async move {
                state.received.lock().unwrap().push((headers, body));
                let mut script = state.script.lock().unwrap();
                let status = if script.is_empty() {
                    200
                } else {
                    script.remove(0)
                };
                (AxumStatus::from_u16(status).unwrap(), "ok")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, receiver)
}

async fn subscribe(app: &TestApp, key: &str, url: &str) -> String {
    let created = app
        .post(
            "/api/v1/tenants/acme/webhooks",
            key,
            json!({"url": url, "events": ["job.completed", "job.failed"], "secret": SECRET}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(
        created.body["data"].get("secret").is_none(),
        "the secret is never returned"
    );
    created.body["data"]["id"].as_str().unwrap().to_string()
}

async fn run_sample_job(app: &TestApp, key: &str) {
    app.post(
        "/api/v1/tenants/acme/jobs",
        key,
        json!({"provider": "fixture", "config": {"sample": true}, "start": true}),
    )
    .await;
    let runtime = JobRuntime::new(
        app.pool.clone(),
        Arc::new(GraphSnapshots::default()),
        infracast::compliance::Catalog::builtin().unwrap(),
    );
    assert_eq!(
        jobs::run_next(&runtime).await.unwrap().unwrap().status,
        "succeeded"
    );
}

async fn delivery_log(app: &TestApp, key: &str, webhook_id: &str) -> Vec<Value> {
    let answer = app
        .get(
            &format!("/api/v1/tenants/acme/webhooks/{webhook_id}/deliveries"),
            key,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["data"].as_array().unwrap().clone()
}

async fn make_due(app: &TestApp) {
    sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = now()")
        .execute(&app.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn job_events_arrive_signed_and_verifiable() {
    let app = spawn_app_allowing_internal_webhooks().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let (url, receiver) = start_receiver(vec![]).await;
    let webhook_id = subscribe(&app, &key, &url).await;
    run_sample_job(&app, &key).await;
    assert_eq!(deliveries::deliver_due(&app.pool, true).await.unwrap(), 1);

    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let (headers, body) = &received[0];
    assert_eq!(headers["x-infracast-event"], "job.completed");
    let timestamp = headers["x-infracast-timestamp"].to_str().unwrap();
    // Verify as a receiver would: HMAC-SHA256 over "{timestamp}.{raw body}".
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(headers["x-infracast-signature"].to_str().unwrap(), expected);
    let payload: Value = serde_json::from_str(body).unwrap();
    assert_eq!(payload["type"], "job.completed");
    assert_eq!(payload["tenant"], "acme");
    assert_eq!(payload["data"]["status"], "succeeded");

    let log = delivery_log(&app, &key, &webhook_id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["last_status_code"], 200);
    // Delivered once: nothing more to send.
    make_due(&app).await;
    assert_eq!(deliveries::deliver_due(&app.pool, true).await.unwrap(), 0);
}

#[tokio::test]
async fn a_500_is_retried_and_a_400_is_not() {
    let app = spawn_app_allowing_internal_webhooks().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let (url, receiver) = start_receiver(vec![500, 200]).await;
    let webhook_id = subscribe(&app, &key, &url).await;
    run_sample_job(&app, &key).await;

    deliveries::deliver_due(&app.pool, true).await.unwrap();
    let log = delivery_log(&app, &key, &webhook_id).await;
    assert_eq!(
        (
            log[0]["status"].as_str(),
            log[0]["attempts"].as_i64(),
            log[0]["last_status_code"].as_i64()
        ),
        (Some("pending"), Some(1), Some(500))
    );
    // Not due yet: the backoff holds it back.
    assert_eq!(deliveries::deliver_due(&app.pool, true).await.unwrap(), 0);
    make_due(&app).await;
    deliveries::deliver_due(&app.pool, true).await.unwrap();
    let log = delivery_log(&app, &key, &webhook_id).await;
    assert_eq!(
        (log[0]["status"].as_str(), log[0]["attempts"].as_i64()),
        (Some("delivered"), Some(2))
    );
    assert_eq!(receiver.received.lock().unwrap().len(), 2);

    let (bad_url, bad_receiver) = start_receiver(vec![400]).await;
    sqlx::query("DELETE FROM webhooks")
        .execute(&app.pool)
        .await
        .unwrap();
    let rejected_webhook = subscribe(&app, &key, &bad_url).await;
    run_sample_job(&app, &key).await;
    deliveries::deliver_due(&app.pool, true).await.unwrap();
    make_due(&app).await;
    deliveries::deliver_due(&app.pool, true).await.unwrap();
    let log = delivery_log(&app, &key, &rejected_webhook).await;
    assert_eq!(
        (
            log[0]["status"].as_str(),
            log[0]["attempts"].as_i64(),
            log[0]["last_status_code"].as_i64()
        ),
        (Some("failed"), Some(1), Some(400))
    );
    assert_eq!(
        bad_receiver.received.lock().unwrap().len(),
        1,
        "a 4xx is not retried"
    );
}

#[tokio::test]
async fn an_event_waits_in_the_outbox_across_a_restart() {
    let app = spawn_app_allowing_internal_webhooks().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let (url, receiver) = start_receiver(vec![]).await;
    let webhook_id = subscribe(&app, &key, &url).await;
    run_sample_job(&app, &key).await;
    // The process "restarts": a brand-new pool on the same database finds and sends the event.
    let options = app.pool.connect_options().as_ref().clone();
    app.pool.close().await;
    let restarted = infracast::store::connect(options, 2).await.unwrap();
    assert_eq!(deliveries::deliver_due(&restarted, true).await.unwrap(), 1);
    assert_eq!(receiver.received.lock().unwrap().len(), 1);
    let status: String =
        sqlx::query_scalar("SELECT status FROM webhook_deliveries WHERE webhook_id = $1::uuid")
            .bind(&webhook_id)
            .fetch_one(&restarted)
            .await
            .unwrap();
    assert_eq!(status, "delivered");
}

#[tokio::test]
async fn internal_targets_are_refused() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.5/",
        "http://localhost:8080/",
    ] {
        let answer = app
            .post(
                "/api/v1/tenants/acme/webhooks",
                &key,
                json!({"url": url, "events": ["job.completed"], "secret": SECRET}),
            )
            .await;
        let message = answer.assert_error(400, "VALIDATION_ERROR");
        assert!(message.contains("internal"), "{url}: {message}");
    }
    app.post(
        "/api/v1/tenants/acme/webhooks",
        &key,
        json!({"url": "ftp://example.com/", "events": ["job.completed"], "secret": SECRET}),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
    app.post(
        "/api/v1/tenants/acme/webhooks",
        &key,
        json!({"url": "http://example.com/", "events": ["job.exploded"], "secret": SECRET}),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");

    // A subscription that points inside (made before the policy tightened) is refused at delivery
    // time too, and the receiver hears nothing.
    let (url, receiver) = start_receiver(vec![]).await;
    infracast::store::webhooks::create(
        &app.pool,
        "acme",
        &url,
        &["job.completed".to_string()],
        SECRET,
    )
    .await
    .unwrap();
    run_sample_job(&app, &key).await;
    deliveries::deliver_due(&app.pool, false).await.unwrap();
    assert!(receiver.received.lock().unwrap().is_empty());
    let (status, error): (String, Option<String>) =
        sqlx::query_as("SELECT status, last_error FROM webhook_deliveries")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "failed");
    assert!(error.unwrap().contains("internal"));
}

/// Sends every due delivery, batch after batch, until none is left; returns how many were sent.
async fn deliver_everything(app: &TestApp) -> usize {
    let mut total = 0;
    loop {
        let sent = deliveries::deliver_due(&app.pool, true).await.unwrap();
        if sent == 0 {
            return total;
        }
        total += sent;
    }
}

fn events_of(receiver: &Receiver, event: &str) -> Vec<Value> {
    receiver
        .received
        .lock()
        .unwrap()
        .iter()
        .filter(|(headers, _)| headers["x-infracast-event"] == event)
        .map(|(_, body)| serde_json::from_str(body).unwrap())
        .collect()
}

#[tokio::test]
async fn finding_events_are_delivered_once_per_occurrence() {
    let app = spawn_app_allowing_internal_webhooks().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let (url, receiver) = start_receiver(vec![]).await;
    let created = app
        .post(
            "/api/v1/tenants/acme/webhooks",
            &key,
            json!({"url": url, "events": ["finding.created", "finding.resolved", "finding.reopened"], "secret": SECRET}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    run_sample_job(&app, &key).await;
    deliver_everything(&app).await;
    let open = app
        .get(
            "/api/v1/tenants/acme/findings?status=open&per_page=500",
            &key,
        )
        .await;
    let open_ids: std::collections::BTreeSet<String> = open.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["id"].as_str().unwrap().to_string())
        .collect();
    assert!(open_ids.len() > 5);
    let created_events = events_of(&receiver, "finding.created");
    let created_ids: std::collections::BTreeSet<String> = created_events
        .iter()
        .map(|event| event["data"]["finding_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        created_events.len(),
        open_ids.len(),
        "one event per finding"
    );
    assert_eq!(created_ids, open_ids);

    // The same estate again: nothing new happened, so nothing is sent.
    run_sample_job(&app, &key).await;
    assert_eq!(deliver_everything(&app).await, 0);

    // Resolved by hand and detected again: one reopen event for that finding only.
    let finding_id = open_ids.iter().next().unwrap().clone();
    let resolved = app
        .post(
            &format!("/api/v1/tenants/acme/findings/{finding_id}/resolve"),
            &key,
            json!({"reason": "fixed, we think"}),
        )
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
    run_sample_job(&app, &key).await;
    assert_eq!(deliver_everything(&app).await, 1);
    let reopened = events_of(&receiver, "finding.reopened");
    assert_eq!(reopened.len(), 1);
    assert_eq!(reopened[0]["data"]["finding_id"], finding_id.as_str());
    assert_eq!(reopened[0]["data"]["reopen_count"], 1);
}

#[tokio::test]
async fn a_test_event_reaches_one_webhook_signed_whatever_it_subscribes_to() {
    let app = spawn_app_allowing_internal_webhooks().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let (url, receiver) = start_receiver(vec![]).await;
    let (other_url, other) = start_receiver(vec![]).await;
    let webhook_id = subscribe(&app, &key, &url).await;
    subscribe(&app, &key, &other_url).await;
    let queued = app
        .post(
            &format!("/api/v1/tenants/acme/webhooks/{webhook_id}/test"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);
    assert_eq!(queued.body["data"]["event"], "ping");
    assert_eq!(queued.body["data"]["status"], "pending");
    assert_eq!(deliveries::deliver_due(&app.pool, true).await.unwrap(), 1);

    let pings = events_of(&receiver, "ping");
    assert_eq!(
        pings.len(),
        1,
        "the webhook subscribes to job events only, yet gets the ping"
    );
    assert_eq!(pings[0]["data"]["webhook_id"], webhook_id.as_str());
    let (headers, body) = receiver.received.lock().unwrap()[0].clone();
    let timestamp = headers["x-infracast-timestamp"].to_str().unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(headers["x-infracast-signature"].to_str().unwrap(), expected);
    assert!(
        other.received.lock().unwrap().is_empty(),
        "only the tested webhook is pinged"
    );
    let log = delivery_log(&app, &key, &webhook_id).await;
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["last_status_code"], 200);

    // Viewers may not send it; an unknown webhook is a 404.
    let viewer = app.key_for("acme", "viewer").await;
    app.post(
        &format!("/api/v1/tenants/acme/webhooks/{webhook_id}/test"),
        &viewer,
        json!({}),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    app.post(
        &format!(
            "/api/v1/tenants/acme/webhooks/{}/test",
            uuid::Uuid::new_v4()
        ),
        &key,
        json!({}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
}
