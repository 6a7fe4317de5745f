use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn platform_admin_manages_tenants_end_to_end() {
    let app = spawn_app().await;
    let key = &app.platform_key;
    let created = app
        .post(
            "/api/v1/tenants",
            key,
            json!({"id": "acme", "name": "Acme", "plan": "pro"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["data"]["plan"], "pro");
    app.post(
        "/api/v1/tenants",
        key,
        json!({"id": "beta", "name": "Beta"}),
    )
    .await;

    let listed = app.get("/api/v1/tenants?per_page=1", key).await;
    assert_eq!(listed.body["meta"]["total"], 2);
    assert_eq!(listed.body["meta"]["total_pages"], 2);
    assert_eq!(listed.body["data"][0]["id"], "acme");
    let second = app.get("/api/v1/tenants?per_page=1&page=2", key).await;
    assert_eq!(second.body["data"][0]["id"], "beta");
    assert_eq!(second.body["data"][0]["plan"], "free");

    let updated = app
        .put("/api/v1/tenants/acme", key, json!({"plan": "enterprise"}))
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["data"]["plan"], "enterprise");
    assert_eq!(updated.body["data"]["name"], "Acme");
    assert_eq!(
        app.get("/api/v1/tenants/acme", key).await.body["data"]["plan"],
        "enterprise"
    );

    app.post(
        "/api/v1/tenants",
        key,
        json!({"id": "acme", "name": "Again"}),
    )
    .await
    .assert_error(409, "CONFLICT");
    app.get("/api/v1/tenants/nope", key)
        .await
        .assert_error(404, "NOT_FOUND");
    app.put("/api/v1/tenants/nope", key, json!({"name": "x"}))
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn deleting_a_tenant_deletes_all_of_its_data_and_keys() {
    let app = spawn_app().await;
    let admin = app.tenant_with_key("acme", "pro", "admin").await;
    app.post(
        "/api/v1/tenants/acme/nodes",
        &admin,
        json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1"}),
    )
    .await;
    app.post(
        "/api/v1/tenants/acme/nodes",
        &admin,
        json!({"id": "aws:us-east-1:aws.ec2.subnet:subnet-1"}),
    )
    .await;
    let edge = app
        .post(
            "/api/v1/tenants/acme/edges",
            &admin,
            json!({"kind": "contains", "src": "aws:us-east-1:aws.ec2.vpc:vpc-1", "dst": "aws:us-east-1:aws.ec2.subnet:subnet-1"}),
        )
        .await;
    assert_eq!(edge.status, StatusCode::CREATED);

    let deleted = app.delete("/api/v1/tenants/acme", &app.platform_key).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    for table in ["nodes", "edges", "api_keys"] {
        let remaining: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {table} WHERE tenant_id = 'acme'"
        )))
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(remaining, 0, "{table} still holds acme rows");
    }
    app.get("/api/v1/auth/me", &admin)
        .await
        .assert_error(401, "UNAUTHORIZED");
    app.delete("/api/v1/tenants/acme", &app.platform_key)
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn tenant_keys_may_not_manage_tenants_and_input_is_validated() {
    let app = spawn_app().await;
    let admin = app.tenant_with_key("acme", "pro", "admin").await;
    app.get("/api/v1/tenants", &admin)
        .await
        .assert_error(403, "FORBIDDEN");
    app.post(
        "/api/v1/tenants",
        &admin,
        json!({"id": "evil", "name": "x"}),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    app.delete("/api/v1/tenants/acme", &admin)
        .await
        .assert_error(403, "FORBIDDEN");

    let key = &app.platform_key;
    let bad_slug = app
        .post(
            "/api/v1/tenants",
            key,
            json!({"id": "Not A Slug", "name": "x"}),
        )
        .await;
    assert!(
        bad_slug
            .assert_error(400, "VALIDATION_ERROR")
            .contains("Not A Slug")
    );
    let bad_plan = app
        .post(
            "/api/v1/tenants",
            key,
            json!({"id": "ok-slug", "name": "x", "plan": "gold"}),
        )
        .await;
    assert!(
        bad_plan
            .assert_error(400, "VALIDATION_ERROR")
            .contains("gold")
    );
    let unknown_field = app
        .post(
            "/api/v1/tenants",
            key,
            json!({"id": "ok-slug", "name": "x", "colour": "red"}),
        )
        .await;
    assert!(
        unknown_field
            .assert_error(400, "VALIDATION_ERROR")
            .contains("colour")
    );
    let bad_update = app
        .put("/api/v1/tenants/acme", key, json!({"plan": "gold"}))
        .await;
    bad_update.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(
        app.get("/api/v1/tenants/acme", key).await.body["data"]["plan"],
        "pro"
    );
}
