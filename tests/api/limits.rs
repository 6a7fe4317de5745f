//! Limits on paths that used to be unlimited (issue 10): token issuance, unauthenticated floods,
//! half-sent requests and SSE streams that outlive their key.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Answer, spawn_app};

/// Asserts a 429 in the error shape with a positive `Retry-After`.
#[track_caller]
fn assert_rate_limited(answer: &Answer) {
    answer.assert_error(429, "RATE_LIMITED");
    let retry_after: u64 = answer
        .headers
        .get("retry-after")
        .expect("Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1, "Retry-After {retry_after}");
    assert_eq!(answer.body["error"]["retry_after"], json!(retry_after));
}

#[tokio::test]
async fn token_issuance_is_limited_per_api_key_and_stops_writing_rows() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "viewer").await;
    let mut issued = 0;
    let mut refused = None;
    for _ in 0..25 {
        let answer = app
            .request(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"api_key": key})),
            )
            .await;
        match answer.status {
            StatusCode::OK => issued += 1,
            _ => {
                refused = Some(answer);
                break;
            }
        }
    }
    assert_eq!(issued, 10, "the burst per key is 10");
    assert_rate_limited(&refused.expect("a refusal after the burst"));
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM auth_tokens")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 20, "two rows per issued pair, none for refusals");

    // Another key has its own allowance.
    let other = app.key_for("acme", "viewer").await;
    let answer = app
        .request(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"api_key": other})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[tokio::test]
async fn unknown_keys_and_refresh_tokens_are_limited_per_client_address() {
    let app = spawn_app().await;
    let mut unauthorized = 0;
    let mut refused = None;
    for attempt in 0..40 {
        // Alternate the two token endpoints: they share the per-address allowance.
        let (path, body) = if attempt % 2 == 0 {
            (
                "/api/v1/auth/token",
                json!({"api_key": format!("ic_live_guess{attempt}")}),
            )
        } else {
            (
                "/api/v1/auth/refresh",
                json!({"refresh_token": format!("guess{attempt}")}),
            )
        };
        let answer = app.request(Method::POST, path, None, Some(body)).await;
        match answer.status {
            StatusCode::UNAUTHORIZED => unauthorized += 1,
            _ => {
                refused = Some(answer);
                break;
            }
        }
    }
    assert_eq!(unauthorized, 30, "the burst per address is 30");
    assert_rate_limited(&refused.expect("a refusal after the burst"));
}

#[tokio::test]
async fn a_flood_of_bad_tokens_is_cut_off_with_429_while_valid_callers_pass() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "viewer").await;
    let mut unauthorized = 0;
    let mut refused = None;
    for attempt in 0..40 {
        let token = if attempt % 2 == 0 {
            Some(format!("ic_live_forged{attempt}"))
        } else {
            None
        };
        let answer = app
            .request(Method::GET, "/api/v1/status", token.as_deref(), None)
            .await;
        match answer.status {
            StatusCode::UNAUTHORIZED => unauthorized += 1,
            _ => {
                refused = Some(answer);
                break;
            }
        }
    }
    assert_eq!(unauthorized, 30);
    assert_rate_limited(&refused.expect("a refusal after the burst"));
    // The limit counts failures only: a valid key from the same address is still served.
    let answer = app.get("/api/v1/tenants/acme/nodes", &key).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

/// Reads from `stream` until the server closes it or `deadline` passes; returns when it closed.
async fn wait_for_close(
    stream: &mut tokio::net::TcpStream,
    deadline: Duration,
) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0u8; 1024];
    while started.elapsed() < deadline {
        let left = deadline - started.elapsed();
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue,
            Err(_) => return None,
        }
    }
    None
}

#[tokio::test]
async fn connections_that_never_finish_their_headers_are_closed() {
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_string();

    // Half a request line, then silence.
    let mut half_sent = tokio::net::TcpStream::connect(&address).await.unwrap();
    half_sent.write_all(b"GET /api/v1/sta").await.unwrap();
    // A request head missing its final blank line.
    let mut unfinished = tokio::net::TcpStream::connect(&address).await.unwrap();
    unfinished
        .write_all(b"GET /livez HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // A kept-alive connection that goes idle after one request.
    let mut idle = tokio::net::TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first_answer = [0u8; 12];
    idle.read_exact(&mut first_answer).await.unwrap();
    assert_eq!(&first_answer, b"HTTP/1.1 200");

    let bound = infracast::api::server::HEADER_READ_TIMEOUT + Duration::from_secs(5);
    let (half_sent, unfinished, idle) = tokio::join!(
        wait_for_close(&mut half_sent, bound),
        wait_for_close(&mut unfinished, bound),
        wait_for_close(&mut idle, bound),
    );
    for (what, closed_after) in [
        ("half a request line", half_sent),
        ("an unfinished head", unfinished),
        ("an idle keep-alive connection", idle),
    ] {
        let closed_after = closed_after.unwrap_or_else(|| panic!("{what} was held past {bound:?}"));
        assert!(closed_after <= bound, "{what}: {closed_after:?}");
    }
}

#[tokio::test]
async fn an_event_stream_ends_when_its_key_is_revoked() {
    let app = spawn_app().await;
    let admin = app.tenant_with_key("acme", "enterprise", "admin").await;
    let viewer = app.key_for("acme", "viewer").await;
    // No worker runs in this app: the job stays pending and its stream would flow forever.
    let job = app
        .post(
            "/api/v1/tenants/acme/jobs",
            &admin,
            json!({"provider": "fixture", "config": {"sample": true}, "start": true}),
        )
        .await;
    assert_eq!(job.status, StatusCode::CREATED, "{}", job.body);
    let job_id = job.body["data"]["id"].as_str().unwrap().to_string();

    let mut stream = app
        .client
        .get(format!(
            "{}/api/v1/tenants/acme/jobs/{job_id}/events",
            app.address
        ))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let first = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
        .await
        .expect("the first event arrives")
        .unwrap()
        .expect("an event");
    assert!(String::from_utf8_lossy(&first).contains("event: progress"));

    let keys = app.get("/api/v1/tenants/acme/api-keys", &admin).await;
    let viewer_id = keys.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["role"] == "viewer")
        .expect("the viewer key is listed")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let revoked = app
        .delete(
            &format!("/api/v1/tenants/acme/api-keys/{viewer_id}"),
            &admin,
        )
        .await;
    assert!(revoked.status.is_success(), "{}", revoked.body);
    let revoked_at = Instant::now();

    // The stream must end (not just idle) within a few credential checks.
    let deadline = Duration::from_secs(15);
    loop {
        let left = deadline
            .checked_sub(revoked_at.elapsed())
            .expect("the stream still flows 15 s after its key was revoked");
        match tokio::time::timeout(left, stream.chunk()).await {
            Ok(Ok(None)) | Ok(Err(_)) => break,
            Ok(Ok(Some(_))) => continue,
            Err(_) => panic!("the stream still flows 15 s after its key was revoked"),
        }
    }
}
