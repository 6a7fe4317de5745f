use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn free_plan_gets_a_burst_of_ten_then_429_with_retry_after() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("small", "free", "viewer").await;
    // Creating the key went through the tenant's routes and took one request of its burst of 10.
    // The bucket refills one request per second, so count successes up to the first refusal
    // (bounded) instead of assuming the loop takes no time.
    let mut remaining_seen = Vec::new();
    let mut limited = None;
    for _ in 0..30 {
        let answer = app.get("/api/v1/tenants/small/nodes", &key).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(answer);
            break;
        }
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.headers["x-ratelimit-limit"], "60");
        assert!(answer.headers.contains_key("x-ratelimit-reset"));
        remaining_seen.push(
            answer.headers["x-ratelimit-remaining"]
                .to_str()
                .unwrap()
                .parse::<u32>()
                .unwrap(),
        );
    }
    let limited = limited.expect("the free plan must refuse within 30 quick requests");
    assert!(
        (9..=12).contains(&remaining_seen.len()),
        "{remaining_seen:?}"
    );
    assert_eq!(remaining_seen[0], 8, "{remaining_seen:?}");
    assert_eq!(*remaining_seen.last().unwrap(), 0, "{remaining_seen:?}");
    limited.assert_error(429, "RATE_LIMITED");
    let retry_after: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_eq!(limited.body["error"]["retry_after"], retry_after);
    assert_eq!(limited.headers["x-ratelimit-remaining"], "0");

    // Another tenant on a bigger plan is not affected and sees its own limit.
    let other = app.tenant_with_key("big", "pro", "viewer").await;
    let answer = app.get("/api/v1/tenants/big/nodes", &other).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers["x-ratelimit-limit"], "300");
}
