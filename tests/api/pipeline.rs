//! Discovery jobs end to end through the API and a worker run in the test (no sleeps): results,
//! diffs, rescans that tombstone, failures and cancellations that change nothing, and a lease
//! takeover that finishes once.

use infracast::discovery::generate::generate_estate;
use infracast::jobs::{self, JobRuntime};
use infracast::model::{Node, NodeType};
use infracast::rules::RuleSet;
use infracast::snapshots::{GraphSnapshots, SnapshotSource};
use reqwest::StatusCode;
use serde_json::{Value, json};

use infracast::model::provider_config::DiscoveryPolicy;

use crate::helpers::{TestApp, spawn_app, spawn_app_with_policy};

fn runtime(app: &TestApp) -> JobRuntime {
    app.runtime()
}

/// An app whose operator lets tenants import the inventory files of `directory` by name.
async fn app_reading(directory: &tempfile::TempDir) -> TestApp {
    spawn_app_with_policy(DiscoveryPolicy {
        fixture_dir: Some(directory.path().canonicalize().unwrap()),
        ..DiscoveryPolicy::default()
    })
    .await
}

fn inventory_file(directory: &tempfile::TempDir, name: &str, instances: &[&str]) -> String {
    let mut nodes = vec![
        json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1", "type": "aws.ec2.vpc", "provider": "aws", "region": "us-east-1", "account": "111"}),
    ];
    let mut edges = Vec::new();
    for instance in instances {
        let id = format!("aws:us-east-1:aws.ec2.instance:{instance}");
        nodes.push(json!({"id": id, "type": "aws.ec2.instance", "provider": "aws", "region": "us-east-1", "account": "111", "name": instance}));
        edges
            .push(json!({"kind": "contains", "src": "aws:us-east-1:aws.ec2.vpc:vpc-1", "dst": id}));
    }
    let path = directory.path().join(name);
    std::fs::write(&path, json!({"scopes": [{"provider": "aws", "account": "111", "region": "us-east-1"}], "nodes": nodes, "edges": edges}).to_string()).unwrap();
    name.to_string()
}

async fn run_job(app: &TestApp, key: &str, config: Value) -> Value {
    let created = app
        .post(
            "/api/v1/tenants/acme/jobs",
            key,
            json!({"provider": "fixture", "config": config, "start": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let job_id = created.body["data"]["id"].as_str().unwrap().to_string();
    let finished = jobs::run_next(&runtime(app))
        .await
        .unwrap()
        .expect("a pending job");
    assert_eq!(finished.job_id.to_string(), job_id);
    app.get(&format!("/api/v1/tenants/acme/jobs/{job_id}"), key)
        .await
        .body["data"]
        .clone()
}

async fn instance_names(app: &TestApp, key: &str) -> Vec<String> {
    let answer = app
        .get(
            "/api/v1/tenants/acme/nodes?types=aws.ec2.instance&sort=name",
            key,
        )
        .await;
    answer.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_rescan_tombstones_what_vanished_and_the_diff_says_so() {
    let directory = tempfile::tempdir().unwrap();
    let app = app_reading(&directory).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let first = inventory_file(&directory, "first.json", &["i-1", "i-2", "i-3"]);
    let job = run_job(&app, &key, json!({"file": first})).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["counts"]["nodes_added"], 4);
    assert_eq!(job["counts"]["edges_added"], 3);
    assert_eq!(job["scopes"][0]["status"], "completed");
    assert_eq!(instance_names(&app, &key).await, vec!["i-1", "i-2", "i-3"]);

    let second = inventory_file(&directory, "second.json", &["i-1", "i-3", "i-4"]);
    let job = run_job(&app, &key, json!({"file": second})).await;
    let job_id = job["id"].as_str().unwrap();
    assert_eq!(job["status"], "succeeded");
    assert_eq!(
        (
            job["counts"]["nodes_added"].as_u64(),
            job["counts"]["nodes_removed"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(instance_names(&app, &key).await, vec!["i-1", "i-3", "i-4"]);
    let diff = app
        .get(&format!("/api/v1/tenants/acme/jobs/{job_id}/diff"), &key)
        .await;
    assert_eq!(diff.status, StatusCode::OK);
    assert_eq!(
        diff.body["data"]["diff"]["added"]["nodes"],
        json!(["aws:us-east-1:aws.ec2.instance:i-4"])
    );
    assert_eq!(
        diff.body["data"]["diff"]["removed"]["nodes"],
        json!(["aws:us-east-1:aws.ec2.instance:i-2"])
    );
    assert_eq!(
        diff.body["data"]["diff"]["removed"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(diff.body["data"]["diff"]["changed"]["nodes"], json!([]));

    // The graph snapshot follows the store.
    let snapshots = GraphSnapshots::default();
    let snapshot = snapshots.current(&app.pool, "acme").await.unwrap();
    assert_eq!(snapshot.graph.node_count(), 4);
    assert_eq!(snapshot.graph.edge_count(), 3);
}

#[tokio::test]
async fn a_failing_job_changes_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let app = app_reading(&directory).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let good = inventory_file(&directory, "good.json", &["i-1", "i-2"]);
    run_job(&app, &key, json!({"file": good})).await;

    let missing = "missing.json";
    let job = run_job(&app, &key, json!({"file": missing})).await;
    assert_eq!(job["status"], "failed");
    assert!(
        job["errors"][0].as_str().unwrap().contains("missing.json"),
        "{job}"
    );
    let broken = directory.path().join("broken.json");
    std::fs::write(&broken, "{\"nodes\": [{\"id\": \"nope\"}]}").unwrap();
    let job = run_job(&app, &key, json!({"file": "broken.json"})).await;
    assert_eq!(job["status"], "failed");
    assert_eq!(
        instance_names(&app, &key).await,
        vec!["i-1", "i-2"],
        "a failed job must leave the previous graph intact"
    );
}

#[tokio::test]
async fn a_job_cancelled_while_running_commits_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let app = app_reading(&directory).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let path = inventory_file(&directory, "estate.json", &["i-1"]);
    let created = app
        .post(
            "/api/v1/tenants/acme/jobs",
            &key,
            json!({"provider": "fixture", "config": {"file": path}, "start": true}),
        )
        .await;
    let job_id = created.body["data"]["id"].as_str().unwrap().to_string();

    // While a worker holds it, a cancel through the API only raises the flag...
    let claimed = infracast::store::jobs::claim_next(&app.pool, "test-worker", 60.0)
        .await
        .unwrap()
        .unwrap();
    let cancelled = app
        .post(
            &format!("/api/v1/tenants/acme/jobs/{job_id}/cancel"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(cancelled.body["data"]["status"], "running");
    assert_eq!(cancelled.body["data"]["cancel_requested"], true);
    let heartbeat = infracast::store::jobs::heartbeat(
        &app.pool,
        "acme",
        claimed.job_id,
        claimed.fencing_token,
        60.0,
        false,
    )
    .await
    .unwrap();
    assert!(
        heartbeat.cancel_requested,
        "the worker learns of the cancel at its next check"
    );

    // ...and when that worker dies and another takes the job over, it finishes as cancelled
    // without writing the inventory.
    sqlx::query("UPDATE jobs SET lease_expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let finished = jobs::run_next(&runtime(&app))
        .await
        .unwrap()
        .expect("takeover");
    assert_eq!(finished.status, "cancelled");
    let job = app
        .get(&format!("/api/v1/tenants/acme/jobs/{job_id}"), &key)
        .await;
    assert_eq!(job.body["data"]["status"], "cancelled");
    assert_eq!(
        app.get("/api/v1/tenants/acme/nodes", &key).await.body["meta"]["total"],
        0
    );
}

#[tokio::test]
async fn a_job_whose_worker_died_is_taken_over_and_finishes_once() {
    let directory = tempfile::tempdir().unwrap();
    let app = app_reading(&directory).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let path = inventory_file(&directory, "estate.json", &["i-1", "i-2"]);
    let created = app
        .post(
            "/api/v1/tenants/acme/jobs",
            &key,
            json!({"provider": "fixture", "config": {"file": path}, "start": true}),
        )
        .await;
    let job_id = created.body["data"]["id"].as_str().unwrap().to_string();
    // A worker claims it and dies (never heartbeats); its lease runs out.
    let dead = infracast::store::jobs::claim_next(&app.pool, "dead-worker", 60.0)
        .await
        .unwrap()
        .unwrap();
    assert!(
        jobs::run_next(&runtime(&app)).await.unwrap().is_none(),
        "a leased job is not taken early"
    );
    sqlx::query("UPDATE jobs SET lease_expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();

    let finished = jobs::run_next(&runtime(&app))
        .await
        .unwrap()
        .expect("takeover");
    assert_eq!(finished.status, "succeeded");
    let job = app
        .get(&format!("/api/v1/tenants/acme/jobs/{job_id}"), &key)
        .await
        .body["data"]
        .clone();
    assert_eq!(job["attempts"], 2);
    assert_eq!(job["status"], "succeeded");
    // The dead worker waking up cannot commit, and nothing runs twice.
    let mut transaction = app.pool.begin().await.unwrap();
    assert!(
        infracast::store::jobs::lock_for_commit(
            &mut transaction,
            "acme",
            dead.job_id,
            dead.fencing_token
        )
        .await
        .is_err()
    );
    drop(transaction);
    assert!(jobs::run_next(&runtime(&app)).await.unwrap().is_none());
    let nodes: i64 = sqlx::query_scalar("SELECT count(*) FROM nodes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(nodes, 3);
}

#[tokio::test]
async fn events_stream_ends_with_the_final_state() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let job = run_job(&app, &key, json!({"sample": true})).await;
    assert_eq!(job["status"], "succeeded");
    assert_eq!(job["counts"]["nodes_seen"], job["counts"]["nodes_added"]);
    let body = app
        .client
        .get(format!(
            "{}/api/v1/tenants/acme/jobs/{}/events",
            app.address,
            job["id"].as_str().unwrap()
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("event: done"), "{body}");
    assert!(body.contains("\"status\":\"succeeded\""), "{body}");
}

/// Polls a job's row until it reaches a terminal state, then reads the job through the API. The
/// row, not the API, is polled: tight polling through the API would hit the rate limit, and a
/// slow poll could miss the window this is about.
async fn wait_until_finished(app: &TestApp, key: &str, job_id: &str) -> Value {
    wait_for_terminal_row(app, job_id).await;
    let job = app
        .get(&format!("/api/v1/tenants/acme/jobs/{job_id}"), key)
        .await;
    assert_eq!(job.status, StatusCode::OK, "{}", job.body);
    job.body["data"].clone()
}

async fn wait_for_terminal_row(app: &TestApp, job_id: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (status,): (String,) = sqlx::query_as(
            "SELECT status FROM jobs WHERE tenant_id = 'acme' AND job_id = $1::uuid",
        )
        .bind(job_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if ["succeeded", "partially_succeeded", "failed", "cancelled"].contains(&status.as_str()) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "job never finished: {status}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn a_discovery_is_reported_finished_only_after_its_findings_committed() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers = tokio::spawn(jobs::run_workers(
        runtime(&app),
        1,
        stopped,
        std::time::Duration::from_secs(5),
    ));
    let created = app
        .post(
            "/api/v1/tenants/acme/jobs",
            &key,
            json!({"provider": "fixture", "config": {"sample": true}, "start": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let job_id = created.body["data"]["id"].as_str().unwrap().to_string();
    wait_for_terminal_row(&app, &job_id).await;
    // Read in the same instant the job reads finished: the findings of this discovery are there.
    let findings = app.get("/api/v1/tenants/acme/findings", &key).await;
    assert_eq!(findings.status, StatusCode::OK, "{}", findings.body);
    let job = app
        .get(&format!("/api/v1/tenants/acme/jobs/{job_id}"), &key)
        .await
        .body["data"]
        .clone();
    assert_eq!(job["status"], "succeeded", "{job}");
    let at_completion = findings.body["meta"]["total"].as_i64().unwrap();
    assert!(at_completion > 0, "{}", findings.body);
    let (from_this_job,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM webhook_events WHERE tenant_id = 'acme' AND event_type = 'job.completed'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(from_this_job, 1);
    // And they are the evaluation's whole result: evaluating again finds nothing new.
    let evaluation = app
        .post("/api/v1/tenants/acme/evaluations", &key, json!({}))
        .await;
    assert_eq!(
        evaluation.status,
        StatusCode::ACCEPTED,
        "{}",
        evaluation.body
    );
    let evaluation_id = evaluation.body["data"]["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let evaluated = wait_until_finished(&app, &key, &evaluation_id).await;
    assert_eq!(evaluated["counts"]["new"], 0, "{evaluated}");
    assert_eq!(
        evaluated["counts"]["failing"].as_i64().unwrap(),
        at_completion,
        "{evaluated}"
    );
    let _ = stop.send(true);
    workers.await.unwrap();
}

fn generated_scopes(inventory: &infracast::model::Inventory) -> Vec<infracast::model::Scope> {
    let scopes: std::collections::BTreeSet<infracast::model::Scope> = inventory
        .nodes
        .iter()
        .map(|node| infracast::model::Scope {
            provider: node.provider.clone(),
            account: node.account.clone(),
            region: node.region.clone(),
        })
        .collect();
    scopes.into_iter().collect()
}

async fn reconcile_into(
    pool: &sqlx::PgPool,
    tenant: &str,
    inventory: &infracast::model::Inventory,
) -> infracast::store::reconcile::ReconcileCounts {
    let mut transaction = pool.begin().await.unwrap();
    let counts = infracast::store::reconcile::reconcile(
        &mut transaction,
        tenant,
        uuid::Uuid::new_v4(),
        inventory,
        &generated_scopes(inventory),
    )
    .await
    .unwrap();
    transaction.commit().await.unwrap();
    counts
}

#[tokio::test]
async fn a_large_inventory_imports_into_a_second_tenant_and_rescans_with_removals() {
    let app = spawn_app().await;
    app.tenant_with_key("first", "enterprise", "admin").await;
    app.tenant_with_key("second", "enterprise", "admin").await;
    let inventory = infracast::discovery::generate::generate_estate(5_000, 7);
    let nodes = inventory.nodes.len() as u64;
    let edges = inventory.edges.len() as u64;
    assert!(nodes > 10_000, "{nodes} nodes");
    let first = reconcile_into(&app.pool, "first", &inventory).await;
    assert_eq!((first.nodes_added, first.edges_added), (nodes, edges));
    // As autovacuum would after the first import: statistics that know the first tenant only.
    sqlx::query("ANALYZE nodes, edges, job_changes")
        .execute(&app.pool)
        .await
        .unwrap();
    // The case that went quadratic: the same inventory into a tenant whose statistics say empty.
    let second = reconcile_into(&app.pool, "second", &inventory).await;
    assert_eq!(
        (second.nodes_added, second.edges_added, second.nodes_removed),
        (nodes, edges, 0)
    );
    // A rescan of the second tenant without the last thousand nodes tombstones exactly those.
    let mut smaller = inventory.clone();
    let kept = smaller.nodes.len() - 1_000;
    let removed_ids: std::collections::BTreeSet<String> = smaller.nodes[kept..]
        .iter()
        .map(|node| node.id.to_string())
        .collect();
    smaller.nodes.truncate(kept);
    smaller.edges.retain(|edge| {
        !removed_ids.contains(edge.src.as_str()) && !removed_ids.contains(edge.dst.as_str())
    });
    let rescan = reconcile_into(&app.pool, "second", &smaller).await;
    assert_eq!(rescan.nodes_added, 0);
    assert_eq!(rescan.nodes_changed, 0);
    assert_eq!(rescan.nodes_removed, 1_000);
    assert_eq!(rescan.edges_removed, edges - smaller.edges.len() as u64);
    let live: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM nodes WHERE tenant_id = 'second' AND deleted_at IS NULL ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(live.len(), kept);
    assert!(live.iter().all(|(id,)| !removed_ids.contains(id)));
    // The first tenant is untouched by the second's rescan.
    let (first_live,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM nodes WHERE tenant_id = 'first' AND deleted_at IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(first_live as u64, nodes);
}

#[tokio::test]
async fn a_discovery_whose_worker_died_after_the_graph_commit_resumes_with_its_evaluation() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let created = app
        .post(
            "/api/v1/tenants/acme/jobs",
            &key,
            json!({"provider": "fixture", "config": {"sample": true}, "start": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let job_id = created.body["data"]["id"].as_str().unwrap().to_string();
    // A worker claims it (a lease of zero: it is dead by the next claim) and gets as far as the
    // graph commit, written as the pipeline writes it; then it dies before the evaluation.
    let dead = infracast::store::jobs::claim_next(&app.pool, "dead-worker", 0.0)
        .await
        .unwrap()
        .unwrap();
    let inventory = infracast::discovery::sample::sample_estate();
    let mut transaction = app.pool.begin().await.unwrap();
    infracast::store::jobs::lock_for_commit(
        &mut transaction,
        "acme",
        dead.job_id,
        dead.fencing_token,
    )
    .await
    .unwrap();
    let counts = infracast::store::reconcile::reconcile(
        &mut transaction,
        "acme",
        dead.job_id,
        &inventory,
        &generated_scopes(&inventory),
    )
    .await
    .unwrap();
    let counts = serde_json::to_value(counts).unwrap();
    infracast::store::jobs::record_graph_commit(
        &mut transaction,
        "acme",
        dead.job_id,
        &infracast::store::jobs::Outcome {
            status: infracast::model::JobStatus::Succeeded,
            scopes: json!([]),
            counts: counts.clone(),
            errors: json!([]),
            progress: json!({}),
        },
    )
    .await
    .unwrap();
    transaction.commit().await.unwrap();
    let job = app
        .get(&format!("/api/v1/tenants/acme/jobs/{job_id}"), &key)
        .await;
    assert_eq!(job.body["data"]["status"], "running", "{}", job.body);

    let finished = jobs::run_next(&runtime(&app)).await.unwrap().unwrap();
    assert_eq!(finished.job_id.to_string(), job_id);
    assert_eq!(finished.status, "succeeded");
    assert_eq!(finished.counts, counts);
    let job = app
        .get(&format!("/api/v1/tenants/acme/jobs/{job_id}"), &key)
        .await;
    assert_eq!(job.body["data"]["status"], "succeeded");
    assert_eq!(job.body["data"]["attempts"], 2);
    // Not discovered twice: the diff is the one commit's, and one completion was announced.
    let (changes,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM job_changes WHERE tenant_id = 'acme' AND job_id = $1::uuid",
    )
    .bind(&job_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        changes,
        counts["nodes_added"].as_i64().unwrap() + counts["edges_added"].as_i64().unwrap()
    );
    assert!(changes > 0);
    let (completed,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM webhook_events WHERE tenant_id = 'acme' AND event_type = 'job.completed'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(completed, 1);
    let findings = app.get("/api/v1/tenants/acme/findings", &key).await;
    assert!(
        findings.body["meta"]["total"].as_i64().unwrap() > 0,
        "{}",
        findings.body
    );
}

/// Everything of a snapshot's graph that the engines read: its nodes in id order, and each
/// node's outgoing edges (id, kind, destination, properties) in the graph's order.
fn graph_contents(snapshot: &infracast::snapshots::Snapshot) -> (Vec<Node>, Vec<Value>) {
    let nodes: Vec<Node> = snapshot.graph.nodes().cloned().collect();
    let edges: Vec<Value> = nodes
        .iter()
        .flat_map(|node| snapshot.graph.outgoing(&node.id, None))
        .map(|neighbour| {
            json!([
                neighbour.edge_id,
                neighbour.kind.as_str(),
                neighbour.node.id.as_str(),
                neighbour.edge_properties
            ])
        })
        .collect();
    (nodes, edges)
}

fn sorted_verdicts(
    snapshot: &std::sync::Arc<infracast::snapshots::Snapshot>,
) -> Vec<(String, String, String, String)> {
    let rule_set = RuleSet::builtin().unwrap();
    let mut verdicts: Vec<(String, String, String, String)> = snapshot
        .evaluation(&rule_set)
        .results
        .iter()
        .map(|result| {
            (
                result.rule_id.to_string(),
                result.node_id.to_string(),
                format!("{:?}", result.status),
                result.reason.to_string(),
            )
        })
        .collect();
    verdicts.sort();
    verdicts
}

#[tokio::test]
async fn a_discovery_that_is_the_whole_graph_is_evaluated_from_its_inventory_as_stored() {
    let directory = tempfile::tempdir().unwrap();
    let app = app_reading(&directory).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let mut estate = generate_estate(40, 5);
    // Floats `jsonb` gives back as integers (written with an exponent), and some it keeps.
    let instance = estate
        .nodes
        .iter_mut()
        .find(|node| node.node_type == NodeType::Instance)
        .unwrap();
    let instance_id = instance.id.clone();
    instance.properties["sizes"] = json!([1e17, 1.234_567_890_123_456_7e18, -2.5e17, 0.5, 3.0]);
    std::fs::write(
        directory.path().join("estate.json"),
        serde_json::to_string(&estate).unwrap(),
    )
    .unwrap();
    // A first discovery into an empty tenant, then the same estate less one instance (its
    // node and edges are tombstoned): both times the inventory is the whole live graph.
    let job = run_job(&app, &key, json!({"file": "estate.json"})).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let evaluated = app.snapshots.current(&app.pool, "acme").await.unwrap();
    assert_eq!(evaluated.source, SnapshotSource::ReconciledInventory);
    assert_eq!(
        evaluated.graph.node(&instance_id).unwrap().properties["sizes"],
        json!([
            100_000_000_000_000_000_u64,
            1_234_567_890_123_456_800_u64,
            -250_000_000_000_000_000_i64,
            0.5,
            3.0
        ])
    );
    let stored = GraphSnapshots::default()
        .current(&app.pool, "acme")
        .await
        .unwrap();
    assert_eq!(stored.source, SnapshotSource::Store);
    assert_eq!(stored.generation, evaluated.generation);
    assert!(evaluated.graph.edge_count() > 100);
    assert_eq!(graph_contents(&evaluated), graph_contents(&stored));
    assert_eq!(sorted_verdicts(&evaluated), sorted_verdicts(&stored));

    let gone = estate
        .nodes
        .iter()
        .rposition(|node| node.node_type == NodeType::Instance)
        .unwrap();
    let gone_id = estate.nodes.remove(gone).id;
    estate
        .edges
        .retain(|edge| edge.src != gone_id && edge.dst != gone_id);
    std::fs::write(
        directory.path().join("estate.json"),
        serde_json::to_string(&estate).unwrap(),
    )
    .unwrap();
    let job = run_job(&app, &key, json!({"file": "estate.json"})).await;
    assert_eq!(job["counts"]["nodes_removed"], 1, "{job}");
    let evaluated = app.snapshots.current(&app.pool, "acme").await.unwrap();
    assert_eq!(evaluated.source, SnapshotSource::ReconciledInventory);
    assert!(evaluated.graph.node(&gone_id).is_none());
    let stored = GraphSnapshots::default()
        .current(&app.pool, "acme")
        .await
        .unwrap();
    assert_eq!(graph_contents(&evaluated), graph_contents(&stored));
    assert_eq!(sorted_verdicts(&evaluated), sorted_verdicts(&stored));
}

#[tokio::test]
async fn a_discovery_beside_another_scope_evaluates_the_graph_read_back() {
    let directory = tempfile::tempdir().unwrap();
    let app = app_reading(&directory).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    inventory_file(&directory, "east.json", &["i-1", "i-2"]);
    let east = std::fs::read_to_string(directory.path().join("east.json")).unwrap();
    std::fs::write(
        directory.path().join("west.json"),
        east.replace("us-east-1", "us-west-2"),
    )
    .unwrap();
    assert_eq!(
        run_job(&app, &key, json!({"file": "east.json"})).await["status"],
        "succeeded"
    );
    // us-east-1 stays live beside what this discovery found: its inventory is not the graph.
    assert_eq!(
        run_job(&app, &key, json!({"file": "west.json"})).await["status"],
        "succeeded"
    );
    let evaluated = app.snapshots.current(&app.pool, "acme").await.unwrap();
    assert_eq!(evaluated.source, SnapshotSource::Store);
    assert_eq!(evaluated.graph.node_count(), 6);
    let regions: std::collections::BTreeSet<&str> = evaluated
        .graph
        .nodes()
        .map(|node| node.region.as_str())
        .collect();
    assert_eq!(regions, ["us-east-1", "us-west-2"].into_iter().collect());
}
