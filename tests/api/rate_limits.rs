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

/// Two servers on one database stand for two `infracast serve` processes behind a load balancer:
/// each has its own memory, so only a bucket in the database holds the plan in total.
#[tokio::test]
async fn two_servers_on_one_database_share_one_free_plan_allowance() {
    let first = spawn_app().await;
    let second = crate::helpers::spawn_app_on(first.pool.clone()).await;
    let key = first.tenant_with_key("shared", "free", "viewer").await;
    // Alternate between the servers until the first refusal (bounded); the burst is 10 and the
    // bucket refills one request a second, so a quick loop admits about 10 in total (one of them
    // was taken by creating the key), where per-process limits would admit about 20.
    let mut admitted = 0;
    let mut refused_by = None;
    for attempt in 0..40 {
        let app = if attempt % 2 == 0 { &first } else { &second };
        let answer = app.get("/api/v1/tenants/shared/nodes", &key).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            answer.assert_error(429, "RATE_LIMITED");
            refused_by = Some(attempt % 2);
            break;
        }
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        admitted += 1;
    }
    assert!(refused_by.is_some(), "no refusal within 40 requests");
    assert!((9..=12).contains(&admitted), "admitted {admitted} in total");
    // Refused on one server, the other refuses too: the allowance is spent for both.
    let other = if refused_by == Some(0) {
        &second
    } else {
        &first
    };
    let answer = other.get("/api/v1/tenants/shared/nodes", &key).await;
    answer.assert_error(429, "RATE_LIMITED");
}
