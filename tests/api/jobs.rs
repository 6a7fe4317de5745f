//! Jobs and schedules through the API (creation, validation, start, cancel, listing).

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn jobs_are_created_started_cancelled_and_listed() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let created = app
        .post(
            "/api/v1/tenants/acme/jobs",
            &key,
            json!({"provider": "aws", "config": {"regions": ["us-east-1", "eu-west-1"], "role_arn": "arn:aws:iam::123456789012:role/infracast"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["data"]["status"], "created");
    let job_id = created.body["data"]["id"].as_str().unwrap().to_string();

    let started = app
        .post(
            &format!("/api/v1/tenants/acme/jobs/{job_id}/start"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    assert_eq!(started.body["data"]["status"], "pending");
    app.post(
        &format!("/api/v1/tenants/acme/jobs/{job_id}/start"),
        &key,
        json!({}),
    )
    .await
    .assert_error(409, "CONFLICT");

    let cancelled = app
        .post(
            &format!("/api/v1/tenants/acme/jobs/{job_id}/cancel"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(cancelled.body["data"]["status"], "cancelled");
    app.post(
        &format!("/api/v1/tenants/acme/jobs/{job_id}/cancel"),
        &key,
        json!({}),
    )
    .await
    .assert_error(409, "CONFLICT");

    let queued = app
        .post(
            "/api/v1/tenants/acme/jobs",
            &key,
            json!({"provider": "fixture", "config": {"sample": true}, "start": true}),
        )
        .await;
    assert_eq!(queued.body["data"]["status"], "pending");
    let all = app.get("/api/v1/tenants/acme/jobs", &key).await;
    assert_eq!(all.body["meta"]["total"], 2);
    let only_cancelled = app
        .get("/api/v1/tenants/acme/jobs?status=cancelled", &key)
        .await;
    assert_eq!(only_cancelled.body["meta"]["total"], 1);
    assert_eq!(only_cancelled.body["data"][0]["id"], job_id.as_str());
    let fetched = app
        .get(&format!("/api/v1/tenants/acme/jobs/{job_id}"), &key)
        .await;
    assert_eq!(fetched.body["data"]["config"]["regions"][1], "eu-west-1");
    app.get("/api/v1/tenants/acme/jobs/not-a-uuid", &key)
        .await
        .assert_error(404, "NOT_FOUND");
    app.get(
        &format!("/api/v1/tenants/acme/jobs/{}", uuid::Uuid::new_v4()),
        &key,
    )
    .await
    .assert_error(404, "NOT_FOUND");
    app.get("/api/v1/tenants/acme/jobs?status=sleeping", &key)
        .await
        .assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn bad_job_requests_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let cases = [
        (json!({"provider": "gcp", "config": {}}), "gcp"),
        // No regions means every enabled region; what is missing then is the role.
        (json!({"provider": "aws", "config": {}}), "role_arn"),
        (
            json!({"provider": "aws", "config": {"accounts": []}}),
            "accounts",
        ),
        (
            json!({"provider": "aws", "config": {"accounts": [{"role_arn": "arn:aws:iam::1:root"}]}}),
            "arn:aws:iam::1:root",
        ),
        (
            json!({"provider": "aws", "config": {"accounts": [{"role_arn": "arn:aws:iam::111111111111:role/a"}], "organization": {"role_name": "a"}}}),
            "not both",
        ),
        (
            json!({"provider": "aws", "config": {"regions": ["mars-1"]}}),
            "mars-1",
        ),
        (
            json!({"provider": "aws", "config": {"regions": ["us-east-1"], "endpoint_url": "ftp://x"}}),
            "ftp://x",
        ),
        (
            json!({"provider": "aws", "config": {"regions": ["us-east-1"], "secret": "x"}}),
            "secret",
        ),
        (
            json!({"provider": "fixture", "config": {"path": ""}}),
            "fixture",
        ),
        (
            json!({"provider": "fixture", "config": {"sample": false}}),
            "fixture",
        ),
        (
            json!({"provider": "aws", "config": {"regions": ["us-east-1"]}, "priority": 1}),
            "priority",
        ),
    ];
    for (body, mentioned) in cases {
        let answer = app
            .post("/api/v1/tenants/acme/jobs", &key, body.clone())
            .await;
        let message = answer.assert_error(400, "VALIDATION_ERROR");
        assert!(
            message.contains(mentioned),
            "{body}: `{message}` should mention `{mentioned}`"
        );
    }
    let viewer = app.key_for("acme", "viewer").await;
    app.post(
        "/api/v1/tenants/acme/jobs",
        &viewer,
        json!({"provider": "fixture", "config": {"sample": true}}),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    assert_eq!(
        app.get("/api/v1/tenants/acme/jobs", &key).await.body["meta"]["total"],
        0
    );
}

#[tokio::test]
async fn schedules_are_managed_and_fire_exactly_once_across_schedulers() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let created = app
        .post(
            "/api/v1/tenants/acme/schedules",
            &key,
            json!({"name": "nightly", "cron": "0 3 * * *", "job": {"provider": "fixture", "config": {"sample": true}}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let schedule_id = created.body["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(created.body["data"]["enabled"], true);
    let next_run_at = created.body["data"]["next_run_at"].as_str().unwrap();
    assert!(next_run_at.contains("T03:00:00"), "{next_run_at}");

    app.post(
        "/api/v1/tenants/acme/schedules",
        &key,
        json!({"cron": "every night", "job": {"provider": "fixture", "config": {"sample": true}}}),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
    app.post(
        "/api/v1/tenants/acme/schedules",
        &key,
        json!({"cron": "0 3 * * *", "job": {"provider": "aws", "config": {}}}),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");

    let disabled = app
        .post(
            &format!("/api/v1/tenants/acme/schedules/{schedule_id}/disable"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(disabled.body["data"]["enabled"], false);
    assert_eq!(
        disabled.body["data"]["next_run_at"],
        serde_json::Value::Null,
        "a disabled schedule fires at no time"
    );
    let enabled = app
        .post(
            &format!("/api/v1/tenants/acme/schedules/{schedule_id}/enable"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(enabled.body["data"]["enabled"], true);
    assert_eq!(
        app.get("/api/v1/tenants/acme/schedules", &key).await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Make it due, then let two schedulers (as two processes would) fire at the same moment.
    sqlx::query("UPDATE schedules SET next_run_at = now() - interval '1 minute'")
        .execute(&app.pool)
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let next = |schedule: &infracast::store::schedules::Schedule, now| {
        infracast::store::schedules::next_run(&schedule.cron, now)
    };
    let (first, second) = tokio::join!(
        infracast::store::schedules::fire_due(&app.pool, now, next),
        infracast::store::schedules::fire_due(&app.pool, now, next),
    );
    assert_eq!(
        first.unwrap().len() + second.unwrap().len(),
        1,
        "a due schedule must create exactly one job"
    );
    // Firing again at the same moment creates nothing: the schedule moved on.
    assert!(
        infracast::store::schedules::fire_due(&app.pool, now, next)
            .await
            .unwrap()
            .is_empty()
    );
    let jobs = app.get("/api/v1/tenants/acme/jobs", &key).await;
    assert_eq!(jobs.body["meta"]["total"], 1);
    assert_eq!(jobs.body["data"][0]["status"], "pending");
    assert_eq!(jobs.body["data"][0]["schedule_id"], schedule_id.as_str());
    let after = app
        .get(
            &format!("/api/v1/tenants/acme/schedules/{schedule_id}"),
            &key,
        )
        .await;
    assert!(after.body["data"]["last_run_at"].is_string());

    assert_eq!(
        app.delete(
            &format!("/api/v1/tenants/acme/schedules/{schedule_id}"),
            &key
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    app.get(
        &format!("/api/v1/tenants/acme/schedules/{schedule_id}"),
        &key,
    )
    .await
    .assert_error(404, "NOT_FOUND");
}
