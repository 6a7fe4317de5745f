//! The web console's HTTP surface: its pages answer the bundled `index.html` under a strict
//! Content-Security-Policy, its assets come with their content types and entity tags, and
//! nothing of it shadows the API's JSON errors or `/healthz`. (The console itself is tested in
//! Chromium by `scripts/test-console.sh`.)

use reqwest::{Method, StatusCode, header};

use crate::helpers::spawn_app;

fn committed(file: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("console/dist")
        .join(file);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[tokio::test]
async fn pages_serve_the_bundled_html_under_a_strict_content_security_policy() {
    let app = spawn_app().await;
    let index = committed("index.html");
    for page in [
        "/",
        "/inventory",
        "/findings?severity=high",
        "/nodes/aws%3Aus-east-1%3Aaws.ec2.instance%3Ai-0abc",
        "/compliance/cis-aws-foundations",
        "/jobs/00000000-0000-0000-0000-000000000000",
    ] {
        let response = app
            .client
            .get(format!("{}{page}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        let headers = response.headers().clone();
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "text/html; charset=utf-8",
            "{page}"
        );
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "{page}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(
                policy.contains(directive),
                "{page}: {policy} lacks {directive}"
            );
        }
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(!policy.contains("unsafe-eval"), "{policy}");
        let body = response.bytes().await.unwrap();
        assert_eq!(body.as_ref(), index.as_slice(), "{page}");
    }

    // The page itself holds nothing inline that the policy would have to allow.
    let html = String::from_utf8(index).unwrap();
    assert!(html.contains(r#"<script type="module" src="/assets/app.js"></script>"#));
    assert!(!html.contains("<style"), "inline style element");
    assert!(!html.contains("style="), "inline style attribute");
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the bundle's script"
    );
}

#[tokio::test]
async fn assets_have_their_content_type_and_revalidate_with_an_entity_tag() {
    let app = spawn_app().await;
    for (file, content_type) in [
        ("app.js", "text/javascript; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ] {
        let url = format!("{}/assets/{file}", app.address);
        let response = app.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{file}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], content_type);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
        let etag = response.headers()[header::ETAG].clone();
        assert!(
            response.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("script-src 'self'")
        );
        assert_eq!(response.bytes().await.unwrap().as_ref(), committed(file));

        let unchanged = app
            .client
            .get(&url)
            .header(header::IF_NONE_MATCH, etag.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED, "{file}");
        assert_eq!(unchanged.headers()[header::ETAG], etag);
        assert!(unchanged.bytes().await.unwrap().is_empty());

        let stale = app
            .client
            .get(&url)
            .header(header::IF_NONE_MATCH, "\"something-else\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), StatusCode::OK, "{file}");
    }

    let missing = app
        .request(Method::GET, "/assets/nope.js", None, None)
        .await;
    missing.assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn the_console_does_not_swallow_api_errors_or_the_health_check() {
    let app = spawn_app().await;
    for (method, path) in [
        (Method::GET, "/api/v1/nope"),
        (Method::POST, "/api/v1/nope"),
        (Method::GET, "/api/v1/tenants/demo/nodes/a/b"),
        (Method::GET, "/api"),
        (Method::GET, "/nope"),
        (Method::GET, "/inventory/extra"),
    ] {
        let answer = app.request(method.clone(), path, None, None).await;
        assert_eq!(
            answer.headers[header::CONTENT_TYPE],
            "application/json",
            "{method} {path}"
        );
        answer.assert_error(404, "NOT_FOUND");
    }
    let health = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body["status"], "ok");
}
