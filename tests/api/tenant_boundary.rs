//! What a tenant can reach past its boundary (issue 10's critical leaks), each through the API:
//! a re-created slug never sees the deleted tenant's graph; no job configuration makes the server
//! connect to an address the operator did not allow, lend its credentials, or return a remote
//! answer's body; fixture jobs never read server files; webhook targets that embed internal IPv4
//! addresses in IPv6 forms are refused.

use std::sync::Arc;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use infracast::jobs;
use infracast::model::provider_config::DiscoveryPolicy;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::helpers::{TestApp, spawn_app, spawn_app_with_policy};

fn static_test_credentials() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: set once, before any thread of this test process reads the environment for
        // AWS settings (each test binary process runs one test under nextest).
        unsafe {
            std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDOPERATORSECRET");
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "operator-secret");
            // Never let the SDK's default chain reach a metadata address from a test.
            std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        }
    });
}

async fn run_job(app: &TestApp, key: &str, body: Value) -> Value {
    let created = app.post("/api/v1/tenants/acme/jobs", key, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let finished = jobs::run_next(&app.runtime())
        .await
        .unwrap()
        .expect("the job");
    app.get(
        &format!("/api/v1/tenants/acme/jobs/{}", finished.job_id),
        key,
    )
    .await
    .body["data"]
        .clone()
}

/// A loopback listener that counts connections and answers each like an AWS endpoint refusing
/// the call, with a secret in a header and in the body.
async fn answering_listener() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 65536];
                let _ = stream.read(&mut buffer).await;
                let body = "<Response><Errors><Error><Code>UnauthorizedOperation</Code>\
                            <Message>internal-secret-body</Message></Error></Errors>\
                            <RequestID>1</RequestID></Response>";
                let answer = format!(
                    "HTTP/1.1 403 Forbidden\r\nX-Internal-Secret: internal-secret-header\r\n\
                     Content-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    (address, connections)
}

#[tokio::test]
async fn a_recreated_slug_never_sees_the_deleted_tenants_graph() {
    let app = spawn_app().await;
    let old_key = app.tenant_with_key("acme", "enterprise", "admin").await;
    // One worker (and its snapshot cache) for the whole test, as in a serving process.
    let runtime = app.runtime();
    app.post(
        "/api/v1/tenants/acme/jobs",
        &old_key,
        json!({"provider": "fixture", "config": {"sample": true}, "start": true}),
    )
    .await;
    assert_eq!(
        jobs::run_next(&runtime).await.unwrap().unwrap().status,
        "succeeded"
    );
    let exposure = app.get("/api/v1/tenants/acme/exposure", &old_key).await;
    assert!(
        !exposure.body["data"].as_array().unwrap().is_empty(),
        "the sample estate has exposed instances: {}",
        exposure.body
    );

    let deleted = app.delete("/api/v1/tenants/acme", &app.platform_key).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let new_key = app.tenant_with_key("acme", "enterprise", "admin").await;
    // One small discovery, so the new tenant's graph has moved exactly as often as the old one's.
    let vpc = "aws:us-east-1:aws.ec2.vpc:vpc-new";
    let inventory = json!({"nodes": [{"id": vpc, "type": "aws.ec2.vpc", "provider": "aws",
        "region": "us-east-1", "account": "222233334444", "properties": {"vpc_id": "vpc-new"}}]});
    app.post(
        "/api/v1/tenants/acme/jobs",
        &new_key,
        json!({"provider": "fixture", "config": {"inventory": inventory}, "start": true}),
    )
    .await;
    assert_eq!(
        jobs::run_next(&runtime).await.unwrap().unwrap().status,
        "succeeded"
    );

    let exposure = app.get("/api/v1/tenants/acme/exposure", &new_key).await;
    assert_eq!(exposure.status, StatusCode::OK);
    assert_eq!(exposure.body["data"], json!([]), "{}", exposure.body);
    let nodes = app.get("/api/v1/tenants/acme/nodes", &new_key).await;
    assert_eq!(nodes.body["meta"]["total"], 1);
    let summary = app
        .get("/api/v1/tenants/acme/compliance/summary", &new_key)
        .await;
    assert!(
        !summary.body.to_string().contains("i-0a000"),
        "{}",
        summary.body
    );

    // An evaluation on demand, by the same worker, writes findings on the new graph only.
    let evaluation = app
        .post("/api/v1/tenants/acme/evaluations", &new_key, json!({}))
        .await;
    assert_eq!(
        evaluation.status,
        StatusCode::ACCEPTED,
        "{}",
        evaluation.body
    );
    jobs::run_next(&runtime).await.unwrap().unwrap();
    let findings = app
        .get("/api/v1/tenants/acme/findings?per_page=500", &new_key)
        .await;
    for finding in findings.body["data"].as_array().unwrap() {
        assert_eq!(
            finding["node_id"], vpc,
            "a finding on a deleted node: {finding}"
        );
    }
    // The trace of a deleted instance is refused, not answered from the old graph.
    let trace = app
        .post(
            "/api/v1/tenants/acme/pathtracer/trace",
            &new_key,
            json!({"source_node_id": "aws:us-east-1:aws.ec2.instance:i-0a0001",
                   "destination_cidr": "0.0.0.0/0", "port": 22, "protocol": "tcp"}),
        )
        .await;
    assert_eq!(trace.status, StatusCode::BAD_REQUEST, "{}", trace.body);
}

#[tokio::test]
async fn no_job_configuration_reaches_an_address_the_operator_did_not_allow() {
    static_test_credentials();
    let (forbidden, connections) = answering_listener().await;
    // The operator allows one (other) endpoint and lends no credentials.
    let app = spawn_app_with_policy(
        DiscoveryPolicy::default()
            .with_allowed_endpoints("http://127.0.0.1:1")
            .unwrap(),
    )
    .await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let port = forbidden.rsplit(':').next().unwrap().to_string();
    let role = "arn:aws:iam::123456789012:role/infracast";
    let attempts = [
        json!({"regions": ["us-east-1"], "role_arn": role, "endpoint_url": forbidden}),
        json!({"regions": ["us-east-1"], "role_arn": role, "endpoint_url": format!("{forbidden}/")}),
        json!({"regions": ["us-east-1"], "role_arn": role, "endpoint_url": format!("http://localhost:{port}")}),
        json!({"regions": ["us-east-1"], "role_arn": role, "endpoint_url": format!("http://[::ffff:127.0.0.1]:{port}")}),
        json!({"regions": ["us-east-1"], "role_arn": role, "endpoint_url": format!("http://x@127.0.0.1:{port}")}),
        json!({"regions": ["us-east-1"], "role_arn": role, "endpoint_url": format!("http://127.0.0.1:1@127.0.0.1:{port}")}),
        json!({"regions": ["us-east-1"], "role_arn": role, "region_endpoints": {"us-east-1": forbidden}}),
        json!({"regions": ["us-east-1"], "role_arn": role, "endpoint_url": "http://169.254.169.254/"}),
        // The server's own credentials: not lent.
        json!({"regions": ["us-east-1"]}),
        json!({"regions": ["us-east-1"], "role_arn": role, "profile": "default"}),
        json!({"regions": ["us-east-1"], "role_arn": role, "requested_by": "operator", "endpoint_url": forbidden}),
    ];
    for config in &attempts {
        let answer = app
            .post(
                "/api/v1/tenants/acme/jobs",
                &key,
                json!({"provider": "aws", "config": config, "start": true}),
            )
            .await;
        answer.assert_error(400, "VALIDATION_ERROR");
        let schedule = app
            .post(
                "/api/v1/tenants/acme/schedules",
                &key,
                json!({"cron": "0 3 * * *", "job": {"provider": "aws", "config": config}}),
            )
            .await;
        assert_eq!(
            schedule.status,
            StatusCode::BAD_REQUEST,
            "{config}: {}",
            schedule.body
        );
    }

    // A job stored before the policy (or written around the API) is checked again by the worker.
    for config in &attempts[..2] {
        infracast::store::jobs::create(
            &app.pool,
            "acme",
            &infracast::store::jobs::NewJob {
                kind: infracast::model::JobKind::Discovery,
                provider: Some("aws".into()),
                config: config.clone(),
                start: true,
            },
        )
        .await
        .unwrap();
        let finished = jobs::run_next(&app.runtime()).await.unwrap().unwrap();
        assert_eq!(finished.status, "failed");
    }
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "the server connected to an address the operator did not allow"
    );
}

#[tokio::test]
async fn an_allowed_endpoints_answer_never_reaches_the_tenant() {
    static_test_credentials();
    let (endpoint, connections) = answering_listener().await;
    let mut policy = DiscoveryPolicy::default()
        .with_allowed_endpoints(&endpoint)
        .unwrap();
    policy.allow_ambient_credentials = true;
    let app = spawn_app_with_policy(policy).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    for config in [
        json!({"regions": ["us-east-1"], "endpoint_url": endpoint, "account_id": "123456789012"}),
        json!({"regions": ["us-east-1"], "endpoint_url": endpoint,
               "role_arn": "arn:aws:iam::123456789012:role/infracast"}),
    ] {
        let job = run_job(
            &app,
            &key,
            json!({"provider": "aws", "config": config, "start": true}),
        )
        .await;
        assert_eq!(job["status"], "failed", "{job}");
        let shown = job.to_string();
        for secret in [
            "internal-secret-body",
            "internal-secret-header",
            "AKIDOPERATORSECRET",
            "DispatchFailure",
        ] {
            assert!(!shown.contains(secret), "{secret} leaked: {job}");
        }
        assert!(shown.contains("access denied"), "{job}");
    }
    assert!(
        connections.load(Ordering::SeqCst) > 0,
        "the allowed endpoint was asked"
    );
}

#[tokio::test]
async fn fixture_jobs_never_read_server_files() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.json"),
        r#"{"password": "hunter2"}"#,
    )
    .unwrap();
    let directory = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.json"),
        directory.path().join("link.json"),
    )
    .unwrap();
    std::fs::write(
        directory.path().join("shadow.json"),
        "root:$6$hunter2:19000::\n",
    )
    .unwrap();
    let app = spawn_app_with_policy(DiscoveryPolicy {
        fixture_dir: Some(directory.path().canonicalize().unwrap()),
        ..DiscoveryPolicy::default()
    })
    .await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    for config in [
        json!({"path": "/etc/shadow"}),
        json!({"path": "/dev/zero"}),
        json!({"file": "/etc/shadow"}),
        json!({"file": "../../../../etc/shadow"}),
        json!({"file": "a/../../secret.json"}),
        json!({"path": "/etc/passwd", "requested_by": "operator"}),
    ] {
        let answer = app
            .post(
                "/api/v1/tenants/acme/jobs",
                &key,
                json!({"provider": "fixture", "config": config}),
            )
            .await;
        let message = answer.assert_error(400, "VALIDATION_ERROR");
        assert!(!message.contains("root:"), "{message}");
    }
    // Names that pass the shape check but resolve outside, or hold no inventory, fail the job
    // without quoting what they read or where the directory is.
    for name in ["link.json", "shadow.json", "missing.json"] {
        let job = run_job(
            &app,
            &key,
            json!({"provider": "fixture", "config": {"file": name}, "start": true}),
        )
        .await;
        assert_eq!(job["status"], "failed", "{job}");
        let shown = job.to_string();
        assert!(!shown.contains("hunter2"), "{job}");
        assert!(
            !shown.contains(directory.path().to_str().unwrap()),
            "the server's directory leaked: {job}"
        );
    }
    let nodes = app.get("/api/v1/tenants/acme/nodes", &key).await;
    assert_eq!(nodes.body["meta"]["total"], 0);
}

#[tokio::test]
async fn an_inline_inventory_is_imported_and_summarised_not_echoed() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let nodes: Vec<Value> = (0..3)
        .map(|index| {
            json!({"id": format!("aws:us-east-1:aws.ec2.vpc:vpc-{index}"), "type": "aws.ec2.vpc",
                   "provider": "aws", "region": "us-east-1", "account": "111122223333"})
        })
        .collect();
    let job = run_job(
        &app,
        &key,
        json!({"provider": "fixture", "config": {"inventory": {"nodes": nodes}}, "start": true}),
    )
    .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["config"]["inventory"], json!({"nodes": 3, "edges": 0}));
    // Progress counts what the import did (it used to say 0 scopes started and 0 items).
    assert_eq!(job["progress"]["scopes_started"], 1, "{job}");
    assert_eq!(job["progress"]["items_fetched"], 3, "{job}");
    let listed = app.get("/api/v1/tenants/acme/nodes", &key).await;
    assert_eq!(listed.body["meta"]["total"], 3);
    let bad = app
        .post(
            "/api/v1/tenants/acme/jobs",
            &key,
            json!({"provider": "fixture", "config": {"inventory": {"nodes": [{"id": "nope"}]}}}),
        )
        .await;
    bad.assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn webhook_targets_embedding_internal_ipv4_are_refused() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    for url in [
        "http://[::7f00:1]:8080/hook",
        "http://[64:ff9b::7f00:1]/hook",
        "http://[2002:7f00:1::1]/hook",
        "http://[::ffff:169.254.169.254]/hook",
        "http://192.0.0.170/hook",
        "http://240.0.0.1/hook",
    ] {
        let answer = app
            .post(
                "/api/v1/tenants/acme/webhooks",
                &key,
                json!({"url": url, "events": ["job.completed"], "secret": "0123456789abcdef0123"}),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{url}: {}",
            answer.body
        );
        assert!(
            answer.error_message().contains("internal"),
            "{url}: {}",
            answer.body
        );
    }
}

#[tokio::test]
async fn tenant_keys_learn_their_external_id() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "free", "viewer").await;
    let me = app.get("/api/v1/auth/me", &key).await;
    let external_id = me.body["data"]["aws_external_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(external_id.len(), 36, "{}", me.body);
    app.delete("/api/v1/tenants/acme", &app.platform_key).await;
    let key = app.tenant_with_key("acme", "free", "viewer").await;
    let again = app.get("/api/v1/auth/me", &key).await;
    assert_ne!(
        again.body["data"]["aws_external_id"].as_str().unwrap(),
        external_id,
        "a re-created tenant gets a new external id"
    );
    let platform = app.get("/api/v1/auth/me", &app.platform_key).await;
    assert_eq!(platform.body["data"]["aws_external_id"], Value::Null);
}

#[tokio::test]
async fn another_processes_cache_lets_go_of_a_deleted_tenant() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    app.post(
        "/api/v1/tenants/acme/jobs",
        &key,
        json!({"provider": "fixture", "config": {"sample": true}, "start": true}),
    )
    .await;
    jobs::run_next(&app.runtime()).await.unwrap().unwrap();
    // A cache of another process (not the API's, which forgets at once on delete).
    let elsewhere = infracast::snapshots::GraphSnapshots::default();
    let before = elsewhere.current(&app.pool, "acme").await.unwrap();
    assert!(before.graph.node_count() > 100);
    app.delete("/api/v1/tenants/acme", &app.platform_key).await;
    assert!(matches!(
        elsewhere.current(&app.pool, "acme").await,
        Err(infracast::store::Error::NotFound)
    ));
    app.tenant_with_key("acme", "enterprise", "admin").await;
    let after = elsewhere.current(&app.pool, "acme").await.unwrap();
    assert_eq!(
        after.graph.node_count(),
        0,
        "the new tenant's graph is empty"
    );
    assert!(
        after.generation > before.generation,
        "generations never repeat"
    );
}

/// The tenant's evaluation failing the unencrypted-volume rule on each of `volumes`, through the
/// bulk merge.
async fn evaluate_volumes(
    pool: &sqlx::PgPool,
    tenant_id: &str,
    volumes: &[&str],
) -> Result<infracast::store::findings::EvaluationDelta, infracast::store::Error> {
    let observations: Vec<_> = volumes
        .iter()
        .map(|volume| {
            crate::bulk_findings::observation("aws.ec2.volume_unencrypted", volume, "unencrypted")
        })
        .collect();
    infracast::store::findings::apply_evaluation(pool, tenant_id, None, 0, &observations, &[]).await
}

async fn findings_of(pool: &sqlx::PgPool, tenant_id: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM findings WHERE tenant_id = $1")
        .bind(tenant_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Waits (polling the server's activity views, no fixed delay) until a statement that starts with
/// `statement_start` is blocked on a lock; panics after 60 s. On Citus the statement waits on a
/// worker (the coordinator's backend waits for the worker's answer), so the cluster-wide
/// `citus_lock_waits` is asked there.
async fn until_blocked_on_a_lock(pool: &sqlx::PgPool, statement_start: &str) {
    let query = if infracast::store::citus::is_citus(pool).await.unwrap() {
        "SELECT EXISTS (SELECT 1 FROM citus_lock_waits WHERE ltrim(blocked_statement) LIKE $1 || '%')"
    } else {
        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                        WHERE wait_event_type = 'Lock' AND ltrim(query) LIKE $1 || '%')"
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let blocked: bool = sqlx::query_scalar(query)
            .bind(statement_start)
            .fetch_one(pool)
            .await
            .unwrap();
        if blocked {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no statement starting {statement_start:?} came to wait on a lock"
        );
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn deleting_a_tenant_deletes_its_findings_and_no_other_tenants() {
    let app = spawn_app().await;
    app.tenant_with_key("acme", "enterprise", "admin").await;
    app.tenant_with_key("other", "enterprise", "admin").await;
    for tenant in ["acme", "other"] {
        evaluate_volumes(&app.pool, tenant, &["vol-1", "vol-2"])
            .await
            .unwrap();
    }
    assert_eq!(findings_of(&app.pool, "acme").await, 2);

    let deleted = app.delete("/api/v1/tenants/acme", &app.platform_key).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(findings_of(&app.pool, "acme").await, 0);
    assert_eq!(findings_of(&app.pool, "other").await, 2);
}

#[tokio::test]
async fn an_evaluation_of_a_deleted_tenant_writes_no_findings() {
    let app = spawn_app().await;
    app.tenant_with_key("acme", "enterprise", "admin").await;
    let deleted = app.delete("/api/v1/tenants/acme", &app.platform_key).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    let written = evaluate_volumes(&app.pool, "acme", &["vol-1"]).await;
    assert!(written.is_err(), "{written:?}");
    assert_eq!(findings_of(&app.pool, "acme").await, 0);
}

#[tokio::test]
async fn an_evaluation_that_reaches_a_tenant_being_deleted_rolls_its_findings_back() {
    let app = spawn_app().await;
    app.tenant_with_key("acme", "enterprise", "admin").await;
    // The deletion's statements in `store::tenants::delete`'s order, held open part-way: the
    // tenant's row is deleted, not yet committed.
    let mut deletion = app.pool.begin().await.unwrap();
    sqlx::query("DELETE FROM tenants WHERE tenant_id = 'acme'")
        .execute(&mut *deletion)
        .await
        .unwrap();

    let pool = app.pool.clone();
    let evaluation =
        tokio::spawn(async move { evaluate_volumes(&pool, "acme", &["vol-1", "vol-2"]).await });
    // The merge has inserted its findings and waits on the tenant's row for its `evaluations` row.
    until_blocked_on_a_lock(&app.pool, "INSERT INTO evaluations").await;
    sqlx::query("DELETE FROM findings WHERE tenant_id = 'acme'")
        .execute(&mut *deletion)
        .await
        .unwrap();
    deletion.commit().await.unwrap();

    let written = evaluation.await.unwrap();
    assert!(written.is_err(), "{written:?}");
    assert_eq!(findings_of(&app.pool, "acme").await, 0);
}

#[tokio::test]
async fn deleting_a_tenant_while_an_evaluation_holds_it_deletes_what_that_evaluation_wrote() {
    let app = spawn_app().await;
    app.tenant_with_key("acme", "enterprise", "admin").await;
    // An evaluation's transaction part-way, in the merge's order: its findings are inserted and
    // its `evaluations` row (whose key locks the tenant's row) too, not yet committed.
    let mut evaluation = app.pool.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO findings (tenant_id, id, rule_id, node_id, node_type, region, severity, status,
                               rule_version, reason)
         VALUES ('acme', gen_random_uuid(), 'aws.ec2.volume_unencrypted',
                 'aws:us-east-1:aws.ec2.volume:vol-1', 'aws.ec2.volume', 'us-east-1', 'high', 'open',
                 1, 'vol-1 is not encrypted')",
    )
    .execute(&mut *evaluation)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO evaluations (tenant_id, evaluation_id, graph_generation)
         VALUES ('acme', gen_random_uuid(), 0)",
    )
    .execute(&mut *evaluation)
    .await
    .unwrap();

    let pool = app.pool.clone();
    let deletion =
        tokio::spawn(async move { infracast::store::tenants::delete(&pool, "acme").await });
    until_blocked_on_a_lock(&app.pool, "DELETE FROM tenants").await;
    evaluation.commit().await.unwrap();

    deletion.await.unwrap().unwrap();
    assert_eq!(findings_of(&app.pool, "acme").await, 0);
    let recreated = app.tenant_with_key("acme", "enterprise", "analyst").await;
    let listed = app.get("/api/v1/tenants/acme/findings", &recreated).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["meta"]["total"], 0, "{}", listed.body);
}
