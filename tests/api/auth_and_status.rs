use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_needs_no_auth_and_status_reports_the_database() {
    let app = spawn_app().await;
    let health = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body["status"], "ok");

    let unauthenticated = app.request(Method::GET, "/api/v1/status", None, None).await;
    unauthenticated.assert_error(401, "UNAUTHORIZED");

    let key = app.tenant_with_key("acme", "pro", "viewer").await;
    app.post(
        "/api/v1/tenants/acme/nodes",
        &app.key_for("acme", "admin").await,
        json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1"}),
    )
    .await;
    let status = app.get("/api/v1/status", &key).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    assert_eq!(status.body["data"]["database"]["reachable"], true);
    assert_eq!(status.body["data"]["counts"]["nodes"], 1);
    assert_eq!(status.body["data"]["counts"]["tenants"], 1);
    assert_eq!(status.body["error"], serde_json::Value::Null);
}

#[tokio::test]
async fn api_key_exchanges_for_tokens_that_authenticate_and_refresh_once() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "free", "analyst").await;

    let issued = app
        .request(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"api_key": key})),
        )
        .await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    let access = issued.body["data"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let refresh = issued.body["data"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(access.starts_with("ic_at_"));
    assert_eq!(issued.body["data"]["expires_in"], 900);
    assert_eq!(issued.body["data"]["token_type"], "Bearer");

    let me = app.get("/api/v1/auth/me", &access).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["data"]["tenant"], "acme");
    assert_eq!(me.body["data"]["role"], "analyst");
    assert_eq!(me.body["data"]["credential"], "access_token");
    assert!(me.body["data"]["expires_at"].is_string());

    let me_by_key = app.get("/api/v1/auth/me", &key).await;
    assert_eq!(me_by_key.body["data"]["credential"], "api_key");

    // A refresh token is not a bearer credential.
    app.get("/api/v1/auth/me", &refresh)
        .await
        .assert_error(401, "UNAUTHORIZED");

    let refreshed = app
        .request(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    let new_access = refreshed.body["data"]["access_token"].as_str().unwrap();
    assert_ne!(new_access, access);
    assert_eq!(
        app.get("/api/v1/auth/me", new_access).await.status,
        StatusCode::OK
    );

    // Refresh tokens are single-use.
    let reused = app
        .request(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    reused.assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn bad_credentials_are_refused_in_the_documented_shape() {
    let app = spawn_app().await;
    let wrong_key = app
        .request(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"api_key": "ic_live_nope"})),
        )
        .await;
    wrong_key.assert_error(401, "UNAUTHORIZED");
    app.get("/api/v1/auth/me", "ic_live_forged")
        .await
        .assert_error(401, "UNAUTHORIZED");
    app.get("/api/v1/auth/me", "something-else")
        .await
        .assert_error(401, "UNAUTHORIZED");
    let missing_field = app
        .request(Method::POST, "/api/v1/auth/token", None, Some(json!({})))
        .await;
    let message = missing_field.assert_error(400, "VALIDATION_ERROR");
    assert!(message.contains("api_key"), "{message}");
}

#[tokio::test]
async fn revoked_keys_and_their_tokens_stop_working() {
    let app = spawn_app().await;
    let admin = app.tenant_with_key("acme", "pro", "admin").await;
    let viewer = app.key_for("acme", "viewer").await;
    let token = app
        .request(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"api_key": viewer})),
        )
        .await
        .body["data"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let keys = app.get("/api/v1/tenants/acme/api-keys", &admin).await;
    assert_eq!(keys.status, StatusCode::OK);
    let listed = keys.body["data"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(
        listed.iter().all(|key| key.get("key").is_none()),
        "secrets must never be listed"
    );
    let viewer_id = listed.iter().find(|key| key["role"] == "viewer").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let revoked = app
        .delete(
            &format!("/api/v1/tenants/acme/api-keys/{viewer_id}"),
            &admin,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    app.get("/api/v1/auth/me", &viewer)
        .await
        .assert_error(401, "UNAUTHORIZED");
    app.get("/api/v1/auth/me", &token)
        .await
        .assert_error(401, "UNAUTHORIZED");
    app.delete(
        &format!("/api/v1/tenants/acme/api-keys/{viewer_id}"),
        &admin,
    )
    .await
    .assert_error(404, "NOT_FOUND");
}
