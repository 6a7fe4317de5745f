//! Bounded work: schedule intervals and caps per plan, the queued-job cap (API and scheduler),
//! fair claims between tenants, the attempt cap, the whole-job deadline and a cancel that does
//! not wait for a provider that never answers.

use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use infracast::jobs::{self, JobRuntime};
use infracast::snapshots::GraphSnapshots;
use infracast::store::{
    self,
    jobs::{ClaimPolicy, NewJob},
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::helpers::{TestApp, spawn_app};

fn schedule_body(cron: &str) -> Value {
    json!({"cron": cron, "job": {"provider": "fixture", "config": {"sample": true}}})
}

#[tokio::test]
async fn schedules_firing_more_often_than_the_plan_allows_are_refused() {
    let app = spawn_app().await;
    let free = app.tenant_with_key("small", "free", "admin").await;
    let pro = app.tenant_with_key("medium", "pro", "admin").await;
    let enterprise = app.tenant_with_key("large", "enterprise", "admin").await;
    let cases = [
        // (key, tenant, cron, accepted)
        (&free, "small", "* * * * * *", false),
        (&enterprise, "large", "* * * * * *", false),
        (&enterprise, "large", "*/30 * * * * *", false),
        (&free, "small", "*/30 * * * *", false),
        (&free, "small", "0 * * * *", true),
        (&free, "small", "0 3 * * *", true),
        (&pro, "medium", "*/10 * * * *", false),
        (&pro, "medium", "*/15 * * * *", true),
        // Hourly most of the day, but twice within ten minutes at 03:00 and 03:10.
        (&pro, "medium", "0,10 3 * * *", false),
        (&enterprise, "large", "*/4 * * * *", false),
        (&enterprise, "large", "*/5 * * * *", true),
        // A 6-field expression with one fixed second is an ordinary schedule.
        (&enterprise, "large", "0 */5 * * * *", true),
    ];
    for (key, tenant, cron, accepted) in cases {
        let answer = app
            .post(
                &format!("/api/v1/tenants/{tenant}/schedules"),
                key,
                schedule_body(cron),
            )
            .await;
        if accepted {
            assert_eq!(
                answer.status,
                StatusCode::CREATED,
                "{tenant} `{cron}`: {}",
                answer.body
            );
        } else {
            let message = answer.assert_error(400, "VALIDATION_ERROR");
            assert!(message.contains(cron), "{tenant} `{cron}`: {message}");
        }
    }
    let listed = app.get("/api/v1/tenants/small/schedules", &free).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn schedules_per_tenant_are_capped_by_plan() {
    let app = spawn_app().await;
    let free = app.tenant_with_key("small", "free", "admin").await;
    for index in 0..5 {
        let answer = app
            .post(
                "/api/v1/tenants/small/schedules",
                &free,
                schedule_body(&format!("{index} 3 * * *")),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }
    let refused = app
        .post(
            "/api/v1/tenants/small/schedules",
            &free,
            schedule_body("30 4 * * *"),
        )
        .await;
    let message = refused.assert_error(409, "CONFLICT");
    assert!(message.contains("free plan allows 5"), "{message}");
    // Another tenant is not affected by this one's count.
    let other = app.tenant_with_key("other", "free", "admin").await;
    let answer = app
        .post(
            "/api/v1/tenants/other/schedules",
            &other,
            schedule_body("30 4 * * *"),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
}

fn sample_job(start: bool) -> NewJob {
    NewJob {
        kind: infracast::model::JobKind::Discovery,
        provider: Some("fixture".into()),
        config: json!({"sample": true}),
        start,
    }
}

async fn create_job(app: &TestApp, tenant: &str, key: &str, start: bool) -> crate::helpers::Answer {
    app.post(
        &format!("/api/v1/tenants/{tenant}/jobs"),
        key,
        json!({"provider": "fixture", "config": {"sample": true}, "start": start}),
    )
    .await
}

#[tokio::test]
async fn queued_jobs_are_capped_and_the_scheduler_skips_instead_of_piling_up() {
    let app = spawn_app().await;
    let free = app.tenant_with_key("small", "free", "admin").await;
    let schedule = app
        .post(
            "/api/v1/tenants/small/schedules",
            &free,
            schedule_body("0 * * * *"),
        )
        .await;
    assert_eq!(schedule.status, StatusCode::CREATED, "{}", schedule.body);
    // Filled through the store (the API's request rate limit is not what this is about); the
    // cap lives there, for every caller.
    let mut job_ids = Vec::new();
    for index in 0..10 {
        let job = store::jobs::create(&app.pool, "small", &sample_job(index % 2 == 0))
            .await
            .unwrap();
        job_ids.push(job.job_id.to_string());
    }
    let direct = store::jobs::create(&app.pool, "small", &sample_job(false)).await;
    assert!(
        matches!(direct, Err(store::Error::LimitReached(_))),
        "{direct:?}"
    );
    let refused = create_job(&app, "small", &free, true).await;
    let message = refused.assert_error(409, "CONFLICT");
    assert!(message.contains("free plan allows 10"), "{message}");

    // The scheduler honours the same cap: the due run is skipped and the schedule moves on.
    sqlx::query(
        "UPDATE schedules SET next_run_at = now() - interval '1 minute' WHERE tenant_id = 'small'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let now = chrono::Utc::now();
    let next = |schedule: &store::schedules::Schedule, now| {
        store::schedules::next_run(&schedule.cron, now)
    };
    let created = store::schedules::fire_due(&app.pool, now, next)
        .await
        .unwrap();
    assert!(
        created.is_empty(),
        "a full queue must not grow: {created:?}"
    );
    let (next_run_at,): (chrono::DateTime<chrono::Utc>,) =
        sqlx::query_as("SELECT next_run_at FROM schedules WHERE tenant_id = 'small'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(next_run_at > now, "the skipped run must not stay due");
    let jobs = app.get("/api/v1/tenants/small/jobs", &free).await;
    assert_eq!(jobs.body["meta"]["total"], 10);

    // A finished (here: cancelled) job frees its place.
    let cancelled = app
        .post(
            &format!("/api/v1/tenants/small/jobs/{}/cancel", job_ids[0]),
            &free,
            json!({}),
        )
        .await;
    assert!(cancelled.status.is_success(), "{}", cancelled.body);
    let answer = create_job(&app, "small", &free, true).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);

    // A pro tenant's cap is higher.
    let pro = app.tenant_with_key("medium", "pro", "admin").await;
    for _ in 0..11 {
        store::jobs::create(&app.pool, "medium", &sample_job(false))
            .await
            .unwrap();
    }
    let answer = create_job(&app, "medium", &pro, false).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
}

async fn pending_job(app: &TestApp, tenant: &str, key: &str) -> String {
    let answer = create_job(app, tenant, key, true).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.body["data"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn one_tenant_cannot_hold_every_worker() {
    let app = spawn_app().await;
    let busy = app.tenant_with_key("busy", "enterprise", "admin").await;
    let quiet = app.tenant_with_key("quiet", "enterprise", "admin").await;
    let busy_jobs = [
        pending_job(&app, "busy", &busy).await,
        pending_job(&app, "busy", &busy).await,
        pending_job(&app, "busy", &busy).await,
    ];
    let quiet_job = pending_job(&app, "quiet", &quiet).await;
    let policy = ClaimPolicy {
        max_running_per_tenant: 2,
        max_attempts: 3,
    };
    let mut claimed = Vec::new();
    for worker in 0..4 {
        let job =
            store::jobs::claim_next_fairly(&app.pool, &format!("worker-{worker}"), 60.0, &policy)
                .await
                .unwrap();
        claimed.push(job.map(|job| (job.tenant_id, job.job_id.to_string())));
    }
    // The quiet tenant's job, though newest, goes before the busy tenant's second; the busy
    // tenant's third waits for one of its two running jobs although a worker is free.
    assert_eq!(
        claimed,
        vec![
            Some(("busy".to_string(), busy_jobs[0].clone())),
            Some(("quiet".to_string(), quiet_job.clone())),
            Some(("busy".to_string(), busy_jobs[1].clone())),
            None,
        ]
    );
}

#[tokio::test]
async fn a_job_whose_worker_keeps_dying_ends_failed_after_the_attempt_cap() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let job_id = pending_job(&app, "acme", &key).await;
    let policy = ClaimPolicy {
        max_running_per_tenant: 2,
        max_attempts: 3,
    };
    // A lease of zero seconds has lapsed by the next claim: as if each worker died at once.
    for attempt in 1..=3 {
        let job = store::jobs::claim_next_fairly(&app.pool, "doomed", 0.0, &policy)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("claim {attempt} must take the job over"));
        assert_eq!(job.job_id.to_string(), job_id);
        assert_eq!(job.attempts, attempt);
    }
    let fourth = store::jobs::claim_next_fairly(&app.pool, "doomed", 0.0, &policy)
        .await
        .unwrap();
    assert!(fourth.is_none(), "{fourth:?}");
    let job = app
        .get(&format!("/api/v1/tenants/acme/jobs/{job_id}"), &key)
        .await;
    assert_eq!(job.body["data"]["status"], "failed", "{}", job.body);
    let errors = job.body["data"]["errors"].to_string();
    assert!(errors.contains("abandoned after 3 attempts"), "{errors}");
    let events: Vec<(String, Value)> =
        sqlx::query_as("SELECT event_type, payload FROM webhook_events WHERE tenant_id = 'acme'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].0, "job.failed");
    assert_eq!(events[0].1["job_id"], job_id.as_str());
}

/// The queue knows nothing of reports, yet a report whose job is abandoned fails with it, in the
/// transaction that abandoned the job (`store::JOB_DEPENDENTS`).
#[tokio::test]
async fn a_report_whose_job_is_abandoned_fails_with_the_jobs_reason() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let requested = app
        .post(
            "/api/v1/tenants/acme/reports/generate",
            &key,
            json!({"format": "csv"}),
        )
        .await;
    assert_eq!(requested.status, StatusCode::ACCEPTED, "{}", requested.body);
    let report_id = requested.body["data"]["id"].as_str().unwrap().to_string();
    let job_id = requested.body["data"]["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let policy = ClaimPolicy {
        max_running_per_tenant: 2,
        max_attempts: 2,
    };
    for attempt in 1..=2 {
        let job = store::jobs::claim_next_fairly(&app.pool, "doomed", 0.0, &policy)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("claim {attempt} must take the report job over"));
        assert_eq!(job.job_id.to_string(), job_id);
    }
    let report = app
        .get(&format!("/api/v1/tenants/acme/reports/{report_id}"), &key)
        .await;
    assert_ne!(report.body["data"]["status"], "FAILED", "{}", report.body);
    let third = store::jobs::claim_next_fairly(&app.pool, "doomed", 0.0, &policy)
        .await
        .unwrap();
    assert!(third.is_none(), "{third:?}");
    let report = app
        .get(&format!("/api/v1/tenants/acme/reports/{report_id}"), &key)
        .await;
    assert_eq!(report.body["data"]["status"], "FAILED", "{}", report.body);
    assert_eq!(
        report.body["data"]["error"], "abandoned after 2 attempts",
        "{}",
        report.body
    );
    let job = app
        .get(&format!("/api/v1/tenants/acme/jobs/{job_id}"), &key)
        .await;
    assert_eq!(job.body["data"]["status"], "failed", "{}", job.body);
}

fn static_test_credentials() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: set once, before any SDK client reads the environment, and never changed again.
        unsafe {
            std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
            std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        }
    });
}

/// An endpoint that accepts connections and never answers (the held connections stay open
/// for as long as the returned task runs).
async fn silent_endpoint() -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((connection, _)) = listener.accept().await {
            held.push(connection);
        }
    });
    (address, task)
}

/// An `aws` job against `endpoint`, written to the store directly as the operator's CLI writes
/// one (`requested_by: operator`): the tenant policy on endpoints is not what these tests are
/// about (`tests/api/tenant_boundary.rs` is).
async fn aws_job(app: &TestApp, tenant: &str, endpoint: &str) -> uuid::Uuid {
    static_test_credentials();
    store::jobs::create(
        &app.pool,
        tenant,
        &NewJob {
            kind: infracast::model::JobKind::Discovery,
            provider: Some("aws".into()),
            config: json!({"regions": ["us-east-1"], "endpoint_url": endpoint, "account_id": "123456789012", "requested_by": "operator"}),
            start: true,
        },
    )
    .await
    .unwrap()
    .job_id
}

async fn wait_for_status(app: &TestApp, tenant: &str, key: &str, job_id: &str, wanted: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let job = app
            .get(&format!("/api/v1/tenants/{tenant}/jobs/{job_id}"), key)
            .await;
        if job.body["data"]["status"] == wanted {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "job never became {wanted}: {}",
            job.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_cancel_stops_a_job_whose_endpoint_never_answers_within_seconds() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let (endpoint, _silent) = silent_endpoint().await;
    let job_id = aws_job(&app, "acme", &endpoint).await.to_string();
    let runtime = JobRuntime::new(
        app.pool.clone(),
        Arc::new(GraphSnapshots::default()),
        infracast::compliance::Catalog::builtin().unwrap(),
    );
    let worker = tokio::spawn(async move { jobs::run_next(&runtime).await });
    wait_for_status(&app, "acme", &key, &job_id, "running").await;
    let cancel_requested = Instant::now();
    let cancelled = app
        .post(
            &format!("/api/v1/tenants/acme/jobs/{job_id}/cancel"),
            &key,
            json!({}),
        )
        .await;
    assert!(cancelled.status.is_success(), "{}", cancelled.body);
    let finished = tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("the worker must let go within seconds of the cancel")
        .unwrap()
        .unwrap()
        .expect("the job ran");
    assert_eq!(finished.status, "cancelled");
    assert!(
        cancel_requested.elapsed() < Duration::from_secs(5),
        "cancel took {:?}",
        cancel_requested.elapsed()
    );
    let job = app
        .get(&format!("/api/v1/tenants/acme/jobs/{job_id}"), &key)
        .await;
    assert_eq!(job.body["data"]["status"], "cancelled", "{}", job.body);
}

#[tokio::test]
async fn a_discovery_past_its_deadline_fails_as_timed_out_and_keeps_the_previous_graph() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let runtime = JobRuntime::new(
        app.pool.clone(),
        Arc::new(GraphSnapshots::default()),
        infracast::compliance::Catalog::builtin().unwrap(),
    );
    let sample = pending_job(&app, "acme", &key).await;
    let finished = jobs::run_next(&runtime).await.unwrap().unwrap();
    assert_eq!(
        (finished.job_id.to_string(), finished.status.as_str()),
        (sample, "succeeded")
    );
    let before = app.get("/api/v1/tenants/acme/nodes", &key).await;
    let nodes_before = before.body["meta"]["total"].as_i64().unwrap();
    assert!(nodes_before > 0, "{}", before.body);

    let (endpoint, _silent) = silent_endpoint().await;
    let job_id = aws_job(&app, "acme", &endpoint).await.to_string();
    let mut runtime = runtime;
    runtime.config.discovery_timeout = Duration::from_secs(2);
    let finished = tokio::time::timeout(Duration::from_secs(30), jobs::run_next(&runtime))
        .await
        .expect("the deadline ends the job")
        .unwrap()
        .unwrap();
    assert_eq!(finished.job_id.to_string(), job_id);
    assert_eq!(finished.status, "failed");
    let job = app
        .get(&format!("/api/v1/tenants/acme/jobs/{job_id}"), &key)
        .await;
    assert_eq!(job.body["data"]["status"], "failed");
    assert_eq!(job.body["data"]["errors"], json!(["timed out after 2 s"]));
    let after = app.get("/api/v1/tenants/acme/nodes", &key).await;
    assert_eq!(after.body["meta"]["total"].as_i64().unwrap(), nodes_before);
}

#[tokio::test]
async fn a_fast_schedule_from_before_the_limits_cannot_be_enabled_again() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("small", "free", "admin").await;
    // As an older server stored it: every second, disabled since.
    let schedule_id = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO schedules (tenant_id, schedule_id, name, cron, job_template, enabled, next_run_at)
         VALUES ('small', $1, 'legacy', '* * * * * *', $2, false, now())",
    )
    .bind(schedule_id)
    .bind(json!({"provider": "fixture", "config": {"sample": true}}))
    .execute(&app.pool)
    .await
    .unwrap();
    let answer = app
        .post(
            &format!("/api/v1/tenants/small/schedules/{schedule_id}/enable"),
            &key,
            json!({}),
        )
        .await;
    let message = answer.assert_error(400, "VALIDATION_ERROR");
    assert!(message.contains("* * * * * *"), "{message}");
    let (enabled,): (bool,) =
        sqlx::query_as("SELECT enabled FROM schedules WHERE schedule_id = $1")
            .bind(schedule_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(!enabled, "the refused schedule stays disabled");
}
