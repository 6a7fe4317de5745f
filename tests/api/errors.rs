use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn oversized_bodies_get_413_and_nothing_is_written() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let big = "x".repeat(1024 * 1024 + 10);
    let answer = app
        .post(
            "/api/v1/tenants/acme/nodes",
            &key,
            json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1", "name": big}),
        )
        .await;
    answer.assert_error(413, "PAYLOAD_TOO_LARGE");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM nodes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn malformed_bodies_and_queries_get_400_naming_the_problem() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;

    let malformed = app
        .client
        .post(format!("{}/api/v1/tenants/acme/nodes", app.address))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("{\"id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = malformed.json().await.unwrap();
    assert_eq!(body["error"]["code"], "BAD_REQUEST");

    let no_content_type = app
        .client
        .post(format!("{}/api/v1/tenants/acme/nodes", app.address))
        .bearer_auth(&key)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(no_content_type.status(), StatusCode::BAD_REQUEST);

    let cases: [(&str, &str); 7] = [
        ("/api/v1/tenants/acme/nodes?sort=colour", "colour"),
        ("/api/v1/tenants/acme/nodes?per_page=501", "per_page"),
        ("/api/v1/tenants/acme/nodes?per_page=0", "per_page"),
        ("/api/v1/tenants/acme/nodes?page=abc", "page"),
        (
            "/api/v1/tenants/acme/nodes?types=aws.ec2.teapot",
            "aws.ec2.teapot",
        ),
        ("/api/v1/tenants/acme/nodes?tag=novalue", "tag"),
        ("/api/v1/tenants/acme/nodes?colour=red", "colour"),
    ];
    for (path, mentioned) in cases {
        let answer = app.get(path, &key).await;
        let message = answer.assert_error(400, "VALIDATION_ERROR");
        assert!(
            message.contains(mentioned),
            "{path}: `{message}` should mention `{mentioned}`"
        );
    }
    let bad_cursor = app.get("/api/v1/tenants/acme/nodes?cursor=%%%", &key).await;
    assert_eq!(
        bad_cursor.status,
        StatusCode::BAD_REQUEST,
        "{}",
        bad_cursor.body
    );
    let edge_sort = app.get("/api/v1/tenants/acme/edges?sort=name", &key).await;
    edge_sort.assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "pro", "admin").await;
    app.get("/api/v1/nothing-here", &key)
        .await
        .assert_error(404, "NOT_FOUND");
    let wrong_method = app
        .request(
            Method::PATCH,
            "/api/v1/tenants/acme/nodes",
            Some(&key),
            Some(json!({})),
        )
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        wrong_method.body["error"]["code"].is_string(),
        "{}",
        wrong_method.body
    );
    app.get("/api/v1/tenants/nope/nodes", &app.platform_key)
        .await
        .assert_error(404, "NOT_FOUND");
}

// What schemathesis found (scripts/fuzz-api.sh): each was a 500 or a body the contract forbids.

#[tokio::test]
async fn a_body_that_is_not_an_object_is_refused() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    // serde reads a struct from an array of its fields; the API must not.
    let answer = app
        .put(
            "/api/v1/tenants/acme",
            &app.platform_key,
            json!([null, null]),
        )
        .await;
    answer.assert_error(400, "VALIDATION_ERROR");
    let answer = app
        .post(
            "/api/v1/tenants/acme/api-keys",
            &key,
            json!(["viewer", null]),
        )
        .await;
    answer.assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn nul_characters_are_refused_instead_of_failing_in_postgres() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let answer = app
        .post(
            "/api/v1/tenants",
            &app.platform_key,
            json!({"id": "nul", "name": "a\u{0}b"}),
        )
        .await;
    assert!(answer.assert_error(400, "VALIDATION_ERROR").contains("NUL"));
    let answer = app
        .post(
            "/api/v1/tenants/acme/nodes",
            &key,
            json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1", "properties": {"deep": ["x\u{0}"]}}),
        )
        .await;
    assert!(
        answer
            .assert_error(400, "VALIDATION_ERROR")
            .contains("properties.deep[0]")
    );
    let answer = app.get("/api/v1/tenants/acme/nodes?q=a%00b", &key).await;
    answer.assert_error(400, "VALIDATION_ERROR");
    let answer = app
        .get(
            "/api/v1/tenants/acme/nodes/aws:us-east-1:aws.ec2.vpc:v%00",
            &key,
        )
        .await;
    answer.assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn a_forged_cursor_is_a_400_not_a_database_error() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    use base64::Engine;
    for (sort, value) in [("created_at", "not a time"), ("-severity", "x")] {
        let field = sort.trim_start_matches('-');
        let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!(r#"{{"s":"{field}","v":"{value}","i":"x"}}"#));
        let resource = if field == "severity" {
            "findings"
        } else {
            "nodes"
        };
        let answer = app
            .get(
                &format!("/api/v1/tenants/acme/{resource}?sort={sort}&cursor={cursor}"),
                &key,
            )
            .await;
        answer.assert_error(400, "VALIDATION_ERROR");
    }
}

#[tokio::test]
async fn lengths_count_characters_and_whole_numbers_may_have_a_fraction() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    // 200 characters (400 bytes) is within "1-200 characters".
    let answer = app
        .post(
            "/api/v1/tenants",
            &app.platform_key,
            json!({"id": "wide", "name": "é".repeat(200)}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    // JSON Schema's `integer` includes 443.0: the body is valid, the node just does not exist.
    let answer = app
        .post(
            "/api/v1/tenants/acme/pathtracer/trace",
            &key,
            json!({"source_node_id": "aws:us-east-1:aws.ec2.instance:i-1",
                   "destination_cidr": "0.0.0.0/0", "port": 443.0}),
        )
        .await;
    // The port parsed: what is refused is the missing node, not the number.
    let message = answer.assert_error(400, "VALIDATION_ERROR");
    assert!(
        message.contains("is not in this tenant's graph"),
        "{message}"
    );
}
