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

// Found by probing the running service as an attacker would (issue 10): each was a 500, an
// empty body or a code outside the documented list.

/// A base64url cursor as the server writes them, with any position and id.
fn forged_cursor(field: &str, value: &str, id: &str) -> String {
    use base64::Engine;
    let json = serde_json::to_vec(&json!({"s": field, "v": value, "i": id})).unwrap();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

#[tokio::test]
async fn cursors_postgres_would_refuse_are_400s() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let uuid = "5f0c2b8e-8d0a-4f7e-9b7e-3c1d2e4f5a6b";
    let cases = [
        (
            "nodes",
            "name",
            "web\u{0}01",
            "aws:us-east-1:aws.ec2.vpc:vpc-1",
        ),
        (
            "nodes",
            "name",
            "web",
            "aws:us-east-1:aws.ec2.vpc:vpc\u{0}1",
        ),
        (
            "nodes",
            "created_at",
            "0000-01-01T00:00:00Z",
            "aws:us-east-1:aws.ec2.vpc:vpc-1",
        ),
        (
            "nodes",
            "created_at",
            "2026-01-01T00:00:00+23:59",
            "aws:us-east-1:aws.ec2.vpc:vpc-1",
        ),
        ("edges", "created_at", "2026-01-01T00:00:00-23:59", "e1"),
        ("findings", "severity", "99999", uuid),
        ("findings", "severity", "7", uuid),
        ("findings", "severity", "-1", uuid),
        (
            "findings",
            "created_at",
            "2026-01-01T00:00:00Z",
            "not-a-uuid",
        ),
        ("findings", "rule_id", "a\u{0}b", uuid),
        ("reports", "created_at", "0000-06-01T00:00:00Z", uuid),
    ];
    for (resource, field, value, id) in cases {
        let cursor = forged_cursor(field, value, id);
        let answer = app
            .get(
                &format!("/api/v1/tenants/acme/{resource}?sort={field}&cursor={cursor}"),
                &key,
            )
            .await;
        let message = answer.assert_error(400, "VALIDATION_ERROR");
        assert!(
            message.contains("cursor"),
            "{resource} {field}={value:?}: {message}"
        );
    }
}

#[tokio::test]
async fn indexed_texts_past_their_documented_length_are_400s() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let long = "x".repeat(3000);
    let long_id = format!("aws:us-east-1:aws.ec2.vpc:vpc-{long}");
    let nodes = "/api/v1/tenants/acme/nodes";
    let too_long_id = app
        .post(nodes, &key, json!({"id": long_id}))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    assert!(too_long_id.contains("1024 bytes"), "{too_long_id}");
    for field in ["name", "account"] {
        let message = app
            .post(
                nodes,
                &key,
                json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1", field: long}),
            )
            .await
            .assert_error(400, "VALIDATION_ERROR");
        assert!(message.contains(field), "{message}");
    }
    // Multi-byte characters count as their UTF-8 bytes (what the index holds).
    app.post(
        nodes,
        &key,
        json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1", "name": "é".repeat(600)}),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
    let edge = app
        .post(
            "/api/v1/tenants/acme/edges",
            &key,
            json!({"kind": "contains", "src": long_id, "dst": "aws:us-east-1:aws.ec2.subnet:subnet-1"}),
        )
        .await
        .assert_error(400, "VALIDATION_ERROR");
    assert!(edge.contains("src"), "{edge}");
    // At the limits the node is stored and read back.
    let name = "n".repeat(1024);
    let id = format!("aws:us-east-1:aws.ec2.vpc:{}", "v".repeat(1024 - 26));
    assert_eq!(id.len(), 1024);
    let created = app
        .post(
            nodes,
            &key,
            json!({"id": id, "name": name, "account": "a".repeat(256)}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let read = app
        .get(&format!("{nodes}/{}", crate::helpers::encode(&id)), &key)
        .await;
    assert_eq!(read.body["data"]["name"].as_str().map(str::len), Some(1024));
}

/// Asserts a 414 answer carries the error shape naming the limit.
#[track_caller]
fn assert_uri_too_long_body(body: &serde_json::Value) {
    assert_eq!(body["error"]["code"], "BAD_REQUEST", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("16384 bytes"), "{body}");
    assert!(body["data"].is_null());
}

#[tokio::test]
async fn a_huge_query_string_gets_414_in_the_error_shape() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;

    // 100 KB on a fresh connection (HTTP clients refuse to build such a URI, so by hand): it is
    // answered before the HTTP parser, whose own 414 has no body.
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "GET /api/v1/tenants/acme/nodes?q={} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\r\n",
        "b".repeat(100 * 1024)
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("the server answers and closes")
    .unwrap();
    let answer = String::from_utf8(answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 414"), "{answer}");
    let (_, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    assert_uri_too_long_body(&serde_json::from_str(body).expect("a JSON body"));

    // 20 KB on a reused connection: refused by the router, in the same shape.
    let client = reqwest::Client::new();
    let warm = client
        .get(format!("{}/livez", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(warm.status(), StatusCode::OK);
    let response = client
        .get(format!(
            "{}/api/v1/tenants/acme/nodes?q={}",
            app.address,
            "b".repeat(20 * 1024)
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::URI_TOO_LONG);
    assert_uri_too_long_body(&response.json().await.expect("a JSON body"));
}

#[tokio::test]
async fn every_fallback_answers_with_a_documented_upper_case_code() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "pro", "admin").await;
    for path in [
        "/nope",
        "/api/v1/",
        "/api/v1/tenants/",
        "/api/v1/tenants/acme/nodes/",
        "/api/v1/openapi.yaml/x",
        "/%00",
    ] {
        app.get(path, &key).await.assert_error(404, "NOT_FOUND");
        app.request(Method::GET, path, None, None)
            .await
            .assert_error(404, "NOT_FOUND");
    }
    for (method, path) in [
        (Method::DELETE, "/healthz"),
        (Method::PUT, "/api/v1/auth/token"),
        (Method::PATCH, "/api/v1/tenants/acme/findings"),
    ] {
        let answer = app.request(method, path, Some(&key), None).await;
        answer.assert_error(405, "BAD_REQUEST");
    }
}
