//! The real binary under signals: SIGTERM ends a busy server within its grace period, SIGTERM
//! during an evaluation stops it within seconds (not at the end of the grace) and keeps the
//! previous findings and compliance result, and a server killed with SIGKILL during a discovery
//! commit leaves a job that completes exactly once, with the same graph as a clean run, after a
//! restart.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use infracast::auth::{self, KeyScope, Role};
use infracast::model::Inventory;
use infracast::store::{self, embedded::EmbeddedPostgres};
use serde_json::{Value, json};
use sqlx::PgPool;

/// A fresh migrated database and a URL the binary can reach it with (also `processes.rs`'s).
pub(super) async fn database_with_url() -> (PgPool, String) {
    let name = format!("ic_test_{}", uuid::Uuid::new_v4().simple());
    let (server, url) = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => {
            let server: sqlx::postgres::PgConnectOptions = url.parse().expect("DATABASE_URL");
            let (base, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
            let prefix = base
                .rsplit_once('/')
                .map(|(prefix, _)| prefix)
                .unwrap_or(base);
            let query = if query.is_empty() {
                String::new()
            } else {
                format!("?{query}")
            };
            (server, format!("{prefix}/{name}{query}"))
        }
        _ => {
            let data_dir = std::env::var("INFRACAST_TEST_PG_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|_| std::env::temp_dir().join("infracast-test-pg"));
            let cluster =
                tokio::task::spawn_blocking(move || EmbeddedPostgres::ensure_running(&data_dir))
                    .await
                    .unwrap()
                    .expect("embedded postgres for tests");
            let url = format!(
                "postgres://{}@localhost/{name}?host={}",
                store::embedded::SUPERUSER,
                cluster.cluster_dir().display()
            );
            (cluster.connect_options("postgres"), url)
        }
    };
    store::embedded::ensure_database(&server, &name)
        .await
        .expect("create test database");
    let pool = store::connect(server.database(&name), 5).await.unwrap();
    store::migrate(&pool).await.unwrap();
    (pool, url)
}

async fn tenant_key(pool: &PgPool, tenant: &str) -> String {
    store::tenants::create(pool, tenant, tenant, "enterprise")
        .await
        .unwrap();
    let (_, key) = auth::create_key(pool, &KeyScope::Tenant(tenant.into()), Role::Admin, "test")
        .await
        .unwrap();
    key
}

/// The job configuration that makes a fixture discovery read `inventory`. The one place that
/// names how a fixture file reaches the server (today a `path`; an operator-configured fixture
/// directory with `{"file": name}` later).
fn fixture_config(directory: &Path, name: &str, inventory: &Inventory) -> Value {
    // Tenants name files of the operator's fixture directory (the server gets `directory`).
    let path = directory.join(name);
    std::fs::write(&path, serde_json::to_string(inventory).unwrap()).unwrap();
    json!({"file": name})
}

struct Server {
    child: Child,
    address: String,
    client: reqwest::Client,
}

impl Server {
    fn start(url: &str, data_dir: &Path, log: &Path) -> Server {
        Server::start_with(url, data_dir, log, &[])
    }

    /// `start` with some of its environment replaced (`overrides` are set last).
    fn start_with(url: &str, data_dir: &Path, log: &Path, overrides: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_infracast"))
            .arg("serve")
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", url)
            .env("INFRACAST_DATA_DIR", data_dir)
            // The inventories sit beside the data directory (see `fixture_config`).
            .env(
                "INFRACAST_FIXTURE_DIR",
                data_dir
                    .parent()
                    .expect("a data dir inside the test directory"),
            )
            .env("INFRACAST_WORKERS", "1")
            .env("INFRACAST_JOB_LEASE_SECONDS", "3")
            .env("INFRACAST_SHUTDOWN_GRACE_SECONDS", "2")
            .env("INFRACAST_LOG", "info,sqlx=warn")
            // These servers are polled every 10 ms while a job runs: plan rate limits (an
            // enterprise tenant's 100-request burst) would answer 429 to whatever came next.
            .env("INFRACAST_RATE_LIMITS", "off")
            .envs(overrides.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the infracast binary");
        Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
        }
    }

    async fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if self
                .client
                .get(format!("{}/api/v1/openapi.json", self.address))
                .send()
                .await
                .is_ok()
            {
                return;
            }
            assert!(
                self.child.try_wait().unwrap().is_none(),
                "the server exited early"
            );
            assert!(Instant::now() < deadline, "the server never listened");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn get(&self, path: &str, key: &str) -> Value {
        let answer = self
            .client
            .get(format!("{}{path}", self.address))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
        answer.json().await.unwrap()
    }

    async fn post(&self, path: &str, key: &str, body: Value) -> Value {
        let answer = self
            .client
            .post(format!("{}{path}", self.address))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{}", answer.status());
        answer.json().await.unwrap()
    }

    async fn job(&self, tenant: &str, key: &str, job_id: &str) -> Value {
        let answer = self
            .client
            .get(format!(
                "{}/api/v1/tenants/{tenant}/jobs/{job_id}",
                self.address
            ))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        answer.json::<Value>().await.unwrap()["data"].clone()
    }

    /// Polls the job until `done` holds for it; returns the job as read then.
    async fn wait_for_job(
        &self,
        tenant: &str,
        key: &str,
        job_id: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let job = self.job(tenant, key, job_id).await;
            if done(&job) {
                return job;
            }
            assert!(Instant::now() < deadline, "job never got there: {job}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn start_discovery(&self, tenant: &str, key: &str, config: Value) -> String {
        let created = self
            .post(
                &format!("/api/v1/tenants/{tenant}/jobs"),
                key,
                json!({"provider": "fixture", "config": config, "start": true}),
            )
            .await;
        created["data"]["id"].as_str().unwrap().to_string()
    }

    fn terminate(&self) {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
    }

    /// Waits for the process to exit, up to `limit`; returns how it exited.
    async fn wait_for_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_terminal(job: &Value) -> bool {
    ["succeeded", "partially_succeeded", "failed", "cancelled"]
        .contains(&job["status"].as_str().unwrap_or_default())
}

fn scope_count(inventory: &Inventory) -> usize {
    let scopes: std::collections::BTreeSet<(&str, &str, &str)> = inventory
        .nodes
        .iter()
        .map(|node| {
            (
                node.provider.as_str(),
                node.account.as_str(),
                node.region.as_str(),
            )
        })
        .collect();
    scopes.len().max(inventory.scopes.len())
}

/// The provider has handed its inventory over: every scope is reported finished, so the worker
/// is now in the commit.
fn provider_done(scopes: usize) -> impl Fn(&Value) -> bool {
    move |job: &Value| {
        is_terminal(job)
            || job["progress"]["scopes_finished"].as_u64().unwrap_or(0) as usize >= scopes
    }
}

#[tokio::test]
async fn sigterm_ends_a_busy_server_within_its_grace() {
    let (pool, url) = database_with_url().await;
    let key = tenant_key(&pool, "acme").await;
    let directory = tempfile::tempdir().unwrap();
    let inventory = infracast::discovery::generate::generate_estate(8_000, 3);
    let config = fixture_config(directory.path(), "estate.json", &inventory);
    let mut server = Server::start(
        &url,
        &directory.path().join("data"),
        &directory.path().join("server.log"),
    );
    server.wait_until_listening().await;
    let job_id = server.start_discovery("acme", &key, config).await;
    server
        .wait_for_job("acme", &key, &job_id, |job| job["status"] == "running")
        .await;
    // A client holding an event stream open: it must not hold the shutdown either.
    let stream = server
        .client
        .get(format!(
            "{}/api/v1/tenants/acme/jobs/{job_id}/events",
            server.address
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert!(stream.status().is_success());

    let signalled = Instant::now();
    server.terminate();
    // Grace 2 s for jobs, then 2 s for connections, plus the process's own teardown.
    let status = server.wait_for_exit(Duration::from_secs(15)).await;
    let took = signalled.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(10), "SIGTERM took {took:?}");
    drop(stream);
    // Whatever the job reached, nothing is half-committed: no nodes or all of them.
    let (live,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM nodes WHERE tenant_id = 'acme' AND deleted_at IS NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        live == 0 || live as usize == inventory.nodes.len(),
        "{live} of {} nodes",
        inventory.nodes.len()
    );
}

/// A tenant's live graph, one text row per node and per edge (every column, in id order).
async fn graph_of(pool: &PgPool, tenant: &str) -> (Vec<String>, Vec<String>) {
    let nodes: Vec<(String,)> = sqlx::query_as(
        "SELECT jsonb_build_array(id, type, provider, region, account, name, tags, properties)::text
         FROM nodes WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id",
    )
    .bind(tenant)
    .fetch_all(pool)
    .await
    .unwrap();
    let edges: Vec<(String,)> = sqlx::query_as(
        "SELECT jsonb_build_array(id, kind, src, dst, properties)::text
         FROM edges WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id",
    )
    .bind(tenant)
    .fetch_all(pool)
    .await
    .unwrap();
    (
        nodes.into_iter().map(|(row,)| row).collect(),
        edges.into_iter().map(|(row,)| row).collect(),
    )
}

#[tokio::test]
async fn a_server_killed_during_a_discovery_commit_completes_the_job_exactly_once() {
    let (pool, url) = database_with_url().await;
    let crashed_key = tenant_key(&pool, "crashed").await;
    let clean_key = tenant_key(&pool, "clean").await;
    let directory = tempfile::tempdir().unwrap();
    let inventory = infracast::discovery::generate::generate_estate(3_000, 5);
    let config = fixture_config(directory.path(), "estate.json", &inventory);
    let data_dir = directory.path().join("data");
    let log = directory.path().join("server.log");

    let mut first = Server::start(&url, &data_dir, &log);
    first.wait_until_listening().await;
    let job_id = first
        .start_discovery("crashed", &crashed_key, config.clone())
        .await;
    let at_kill = first
        .wait_for_job(
            "crashed",
            &crashed_key,
            &job_id,
            provider_done(scope_count(&inventory)),
        )
        .await;
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    assert_eq!(
        at_kill["status"], "running",
        "the job finished before the kill: {at_kill}"
    );
    drop(first);
    // The kill landed inside the commit: the provider had finished, and nothing of the graph
    // (one transaction) is there.
    let (committed, live): (Option<String>, i64) = sqlx::query_as(
        "SELECT committed_status, (SELECT count(*) FROM nodes WHERE tenant_id = 'crashed')
         FROM jobs WHERE tenant_id = 'crashed' AND job_id = $1::uuid",
    )
    .bind(&job_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (committed, live),
        (None, 0),
        "the kill came after the graph commit"
    );

    let mut second = Server::start(&url, &data_dir, &log);
    second.wait_until_listening().await;
    let finished = second
        .wait_for_job("crashed", &crashed_key, &job_id, is_terminal)
        .await;
    assert_eq!(finished["status"], "succeeded", "{finished}");
    assert_eq!(
        finished["attempts"], 2,
        "taken over once after the kill: {finished}"
    );
    let nodes = inventory.nodes.len() as u64;
    let edges = inventory.edges.len() as u64;
    assert_eq!(finished["counts"]["nodes_added"], nodes, "{finished}");
    assert_eq!(finished["counts"]["edges_added"], edges, "{finished}");

    // The diff was recorded once, and one completion was announced.
    let (changes,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM job_changes WHERE tenant_id = 'crashed' AND job_id = $1::uuid",
    )
    .bind(&job_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(changes as u64, nodes + edges);
    let events: Vec<(String,)> = sqlx::query_as(
        "SELECT event_type FROM webhook_events WHERE tenant_id = 'crashed' AND payload->>'job_id' = $1",
    )
    .bind(&job_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(events, vec![("job.completed".to_string(),)]);

    // The same inventory into a tenant that saw no crash gives the same graph.
    let clean_job = second.start_discovery("clean", &clean_key, config).await;
    let clean = second
        .wait_for_job("clean", &clean_key, &clean_job, is_terminal)
        .await;
    assert_eq!(clean["status"], "succeeded", "{clean}");
    assert_eq!(clean["attempts"], 1);
    let (crashed_nodes, crashed_edges) = graph_of(&pool, "crashed").await;
    let (clean_nodes, clean_edges) = graph_of(&pool, "clean").await;
    assert_eq!(crashed_nodes.len() as u64, nodes);
    assert_eq!(crashed_edges.len() as u64, edges);
    assert!(crashed_nodes == clean_nodes, "node sets differ");
    assert!(crashed_edges == clean_edges, "edge sets differ");
    second.terminate();
    let status = second.wait_for_exit(Duration::from_secs(15)).await;
    assert!(status.success(), "{status:?}");
}

/// What an evaluation writes, as stored: every finding (identity, status, evidence, timestamps),
/// the evaluations recorded, and the stored compliance result per framework.
async fn evaluation_state(pool: &PgPool, tenant: &str) -> (Vec<String>, i64, Vec<String>) {
    let findings: Vec<(String,)> = sqlx::query_as(
        "SELECT jsonb_build_array(id, rule_id, node_id, status, reason, evidence, last_seen, updated_at)::text
         FROM findings WHERE tenant_id = $1 ORDER BY rule_id, node_id",
    )
    .bind(tenant)
    .fetch_all(pool)
    .await
    .unwrap();
    let (evaluations,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM evaluations WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(pool)
            .await
            .unwrap();
    let results: Vec<(String,)> = sqlx::query_as(
        "SELECT jsonb_build_array(framework_id, evaluation_id, graph_generation, summary)::text
         FROM compliance_results WHERE tenant_id = $1 ORDER BY framework_id",
    )
    .bind(tenant)
    .fetch_all(pool)
    .await
    .unwrap();
    (
        findings.into_iter().map(|(row,)| row).collect(),
        evaluations,
        results.into_iter().map(|(row,)| row).collect(),
    )
}

#[tokio::test]
async fn sigterm_during_an_evaluation_stops_it_within_seconds_and_keeps_the_previous_result() {
    let (pool, url) = database_with_url().await;
    let key = tenant_key(&pool, "acme").await;
    let directory = tempfile::tempdir().unwrap();
    let small = infracast::discovery::generate::generate_estate(300, 3);
    let big = infracast::discovery::generate::generate_estate(8_000, 3);
    let small_config = fixture_config(directory.path(), "small.json", &small);
    let big_config = fixture_config(directory.path(), "big.json", &big);
    let data_dir = directory.path().join("data");
    let log = directory.path().join("server.log");
    // A grace far longer than the bound asserted below: what stops the evaluation must be its
    // own checks, not the grace running out.
    let long_grace = [("INFRACAST_SHUTDOWN_GRACE_SECONDS", "120")];

    let mut server = Server::start_with(&url, &data_dir, &log, &long_grace);
    server.wait_until_listening().await;
    let first = server.start_discovery("acme", &key, small_config).await;
    let first = server.wait_for_job("acme", &key, &first, is_terminal).await;
    assert_eq!(first["status"], "succeeded", "{first}");
    let before = evaluation_state(&pool, "acme").await;
    assert!(!before.0.is_empty(), "the first evaluation found nothing");
    assert_eq!(before.1, 1);
    assert!(!before.2.is_empty(), "no stored compliance result");
    let summary = server
        .get("/api/v1/tenants/acme/compliance/summary", &key)
        .await;
    let previous_evaluation = summary["data"]["evaluation"]["evaluation_id"].clone();
    assert!(previous_evaluation.is_string(), "{summary}");

    // A discovery of a much larger estate: once its graph has committed, its worker is in the
    // evaluation (snapshot, rules, findings merge, compliance result).
    let job_id = server.start_discovery("acme", &key, big_config).await;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let (committed,): (Option<String>,) = sqlx::query_as(
            "SELECT committed_status FROM jobs WHERE tenant_id = 'acme' AND job_id = $1::uuid",
        )
        .bind(&job_id)
        .fetch_one(&pool)
        .await
        .unwrap();
        if committed.is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "the big graph never committed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let signalled = Instant::now();
    server.terminate();
    let status = server.wait_for_exit(Duration::from_secs(60)).await;
    let took = signalled.elapsed();
    eprintln!("SIGTERM during an evaluation: exited after {took:?}");
    assert!(status.success(), "{status:?}");
    assert!(
        took < Duration::from_secs(5),
        "SIGTERM during an evaluation took {took:?} (grace 120 s)"
    );
    drop(server);
    let (job_status, evaluations_after): (String, i64) = sqlx::query_as(
        "SELECT status, (SELECT count(*) FROM evaluations WHERE tenant_id = 'acme')
         FROM jobs WHERE tenant_id = 'acme' AND job_id = $1::uuid",
    )
    .bind(&job_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (job_status.as_str(), evaluations_after),
        ("running", 1),
        "the evaluation finished before the SIGTERM"
    );
    // Nothing of the interrupted evaluation is stored: same findings, same result.
    assert!(
        evaluation_state(&pool, "acme").await == before,
        "the interrupted evaluation changed the stored findings or result"
    );

    // After a restart (no workers, so nothing resumes yet) the previous result answers.
    let mut reader = Server::start_with(&url, &data_dir, &log, &[("INFRACAST_WORKERS", "0")]);
    reader.wait_until_listening().await;
    let summary = reader
        .get("/api/v1/tenants/acme/compliance/summary", &key)
        .await;
    assert_eq!(
        summary["data"]["evaluation"]["evaluation_id"],
        previous_evaluation
    );
    assert!(
        summary["data"]["frameworks"]
            .as_array()
            .is_some_and(|frameworks| !frameworks.is_empty())
    );
    reader.terminate();
    assert!(
        reader
            .wait_for_exit(Duration::from_secs(15))
            .await
            .success()
    );
    drop(reader);

    // With a worker the job is taken over and its evaluation runs to the end, once.
    let resumed = Server::start(&url, &data_dir, &log);
    let mut resumed = resumed;
    resumed.wait_until_listening().await;
    let finished = resumed
        .wait_for_job("acme", &key, &job_id, is_terminal)
        .await;
    assert_eq!(finished["status"], "succeeded", "{finished}");
    assert_eq!(finished["attempts"], 2, "{finished}");
    let summary = resumed
        .get("/api/v1/tenants/acme/compliance/summary", &key)
        .await;
    assert_eq!(summary["data"]["evaluation"]["job_id"], json!(job_id));
    assert_ne!(
        summary["data"]["evaluation"]["evaluation_id"],
        previous_evaluation
    );
    let (evaluations,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM evaluations WHERE tenant_id = 'acme'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(evaluations, 2);
    resumed.terminate();
    assert!(
        resumed
            .wait_for_exit(Duration::from_secs(15))
            .await
            .success()
    );
}
