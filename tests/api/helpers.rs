//! `spawn_app()`: the real application on a random loopback port with a fresh database, plus
//! small request helpers. With `DATABASE_URL` set, test databases are created on that server;
//! otherwise on the embedded cluster in `$INFRACAST_TEST_PG_DIR` (default `/tmp/infracast-test-pg`;
//! shared by test processes, started on first use; `infracast db stop --data-dir …` stops it).
//!
//! Citus: with `DATABASE_URL` naming a Citus coordinator and `INFRACAST_TEST_CITUS_WORKERS` its
//! workers (`host:port,host:port`, reached as the URL's user without a password), each test
//! database is created on the coordinator and every worker with the extension, the workers are
//! added, and after the migrations the schema is distributed as `infracast migrate --distribute`
//! does (`scripts/test-citus.sh` runs the suite so).

use std::str::FromStr;

use infracast::auth::{self, KeyScope, Role};
use infracast::model::provider_config::DiscoveryPolicy;
use infracast::store::{self, embedded::EmbeddedPostgres};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub struct TestApp {
    pub address: String,
    pub pool: PgPool,
    pub client: reqwest::Client,
    pub platform_key: String,
    /// What the app lets tenants' discovery jobs use; workers a test runs should use it too
    /// (`TestApp::runtime`).
    pub discovery_policy: DiscoveryPolicy,
    /// The app's graph-snapshot cache: workers a test runs share it, as they do in `serve`.
    pub snapshots: std::sync::Arc<infracast::snapshots::GraphSnapshots>,
    _shutdown: oneshot::Sender<()>,
}

/// A response with its parsed JSON body (Null when the body is empty).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The `error.code` of an error answer.
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn error_message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }

    /// Asserts the documented error shape and returns the message.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) -> String {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.body
        );
        assert_eq!(
            self.error_code(),
            code,
            "unexpected code; body: {}",
            self.body
        );
        assert!(
            !self.error_message().is_empty(),
            "error without message: {}",
            self.body
        );
        assert!(
            self.body["error"].get("details").is_some(),
            "error without details: {}",
            self.body
        );
        self.error_message().to_string()
    }
}

async fn server_options() -> PgConnectOptions {
    if let Ok(url) = std::env::var("DATABASE_URL")
        && !url.trim().is_empty()
    {
        return PgConnectOptions::from_str(&url)
            .expect("DATABASE_URL must be a valid PostgreSQL URL");
    }
    // Under /tmp, not the checkout: when tests run as root the cluster runs as `postgres`, which
    // must be able to reach its directory (a checkout under /root would not be).
    let data_dir = std::env::var("INFRACAST_TEST_PG_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("infracast-test-pg"));
    let cluster = tokio::task::spawn_blocking(move || EmbeddedPostgres::ensure_running(&data_dir))
        .await
        .expect("launcher task")
        .expect("embedded postgres for tests");
    cluster.connect_options("postgres")
}

/// A fresh, migrated database for one test.
pub async fn fresh_database() -> PgPool {
    let server = server_options().await;
    let name = format!("ic_test_{}", uuid::Uuid::new_v4().simple());
    store::embedded::ensure_database(&server, &name)
        .await
        .expect("create test database");
    if !citus_workers().is_empty() {
        prepare_citus_database(&server, &name).await;
    }
    let pool = store::connect(server.clone().database(&name), 10)
        .await
        .expect("connect test database");
    store::migrate(&pool).await.expect("migrate test database");
    if !citus_workers().is_empty() {
        // Distributing propagates grants and policies to the workers' cluster-wide catalogs:
        // one test database at a time (see `citus_turn`).
        let turn = citus_turn(&server).await;
        store::citus::distribute(&pool)
            .await
            .expect("distribute the test database on Citus");
        drop(turn);
    }
    pool
}

/// The Citus workers the tests run on (`INFRACAST_TEST_CITUS_WORKERS`), empty on plain PostgreSQL.
pub fn citus_workers() -> Vec<(String, u16)> {
    std::env::var("INFRACAST_TEST_CITUS_WORKERS")
        .unwrap_or_default()
        .split(',')
        .filter(|worker| !worker.trim().is_empty())
        .map(|worker| {
            let (host, port) = worker
                .trim()
                .rsplit_once(':')
                .expect("INFRACAST_TEST_CITUS_WORKERS: host:port,host:port");
            (
                host.to_string(),
                port.parse().expect("INFRACAST_TEST_CITUS_WORKERS: a port"),
            )
        })
        .collect()
}

/// Adding a node copies the cluster-wide roles to it, and distributing propagates grants: two test
/// databases doing it at the same moment collide on a worker ("tuple concurrently updated"). An
/// advisory lock in the coordinator's `postgres` database (advisory locks are per database) takes
/// turns across test processes; closing the returned connection ends the turn.
async fn citus_turn(coordinator: &PgConnectOptions) -> sqlx::PgConnection {
    use sqlx::ConnectOptions;
    let mut turn = coordinator
        .clone()
        .database("postgres")
        .connect()
        .await
        .expect("coordinator's postgres database");
    sqlx::query("SELECT pg_advisory_lock(hashtext('infracast.tests.citus-ddl'))")
        .execute(&mut turn)
        .await
        .expect("take the Citus DDL turn");
    turn
}

/// Creates `name` with the Citus extension on every worker and on the coordinator, and adds the
/// workers to it (each database has its own Citus metadata).
async fn prepare_citus_database(coordinator: &PgConnectOptions, name: &str) {
    use sqlx::ConnectOptions;
    for (host, port) in citus_workers() {
        let worker = coordinator.clone().host(&host).port(port);
        store::embedded::ensure_database(&worker, name)
            .await
            .expect("create test database on a Citus worker");
        let mut connection = worker.database(name).connect().await.expect("worker");
        sqlx::query("CREATE EXTENSION IF NOT EXISTS citus")
            .execute(&mut connection)
            .await
            .expect("citus on a worker");
    }
    let mut connection = coordinator
        .clone()
        .database(name)
        .connect()
        .await
        .expect("coordinator");
    sqlx::query("CREATE EXTENSION IF NOT EXISTS citus")
        .execute(&mut connection)
        .await
        .expect("citus on the coordinator");
    sqlx::query("SELECT citus_set_coordinator_host($1, $2)")
        .bind(coordinator.get_host())
        .bind(i32::from(coordinator.get_port()))
        .execute(&mut connection)
        .await
        .expect("citus_set_coordinator_host");
    let turn = citus_turn(coordinator).await;
    for (host, port) in citus_workers() {
        sqlx::query("SELECT citus_add_node($1, $2)")
            .bind(&host)
            .bind(i32::from(port))
            .execute(&mut connection)
            .await
            .expect("citus_add_node");
    }
    // Closing the connection releases the turn.
    drop(turn);
}

pub async fn spawn_app() -> TestApp {
    let pool = fresh_database().await;
    spawn_app_on(pool).await
}

/// Like `spawn_app`, but webhooks may target loopback (as `INFRACAST_WEBHOOK_ALLOW_PRIVATE=1`).
pub async fn spawn_app_allowing_internal_webhooks() -> TestApp {
    let pool = fresh_database().await;
    let mut state = infracast::api::AppState::new(
        pool.clone(),
        infracast::compliance::Catalog::builtin().unwrap(),
    );
    state.allow_internal_webhooks = true;
    spawn_app_with_state(pool, state).await
}

pub async fn spawn_app_on(pool: PgPool) -> TestApp {
    let mut state = infracast::api::AppState::new(
        pool.clone(),
        infracast::compliance::Catalog::builtin().unwrap(),
    );
    state.allow_internal_webhooks = false;
    spawn_app_with_state(pool, state).await
}

/// Like `spawn_app`, under the operator's `policy` for discovery jobs (allowed endpoints, ambient
/// AWS credentials, a fixture directory).
pub async fn spawn_app_with_policy(policy: DiscoveryPolicy) -> TestApp {
    let pool = fresh_database().await;
    let mut state = infracast::api::AppState::new(
        pool.clone(),
        infracast::compliance::Catalog::builtin().unwrap(),
    );
    state.allow_internal_webhooks = false;
    state.discovery_policy = policy;
    spawn_app_with_state(pool, state).await
}

async fn spawn_app_with_state(pool: PgPool, state: infracast::api::AppState) -> TestApp {
    let discovery_policy = state.discovery_policy.clone();
    let snapshots = state.snapshots.clone();
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = format!("http://{}", listener.local_addr().expect("local address"));
    let (shutdown, shutdown_signal) = oneshot::channel::<()>();
    tokio::spawn(async move {
        infracast::app::serve_state_on(listener, state, async {
            let _ = shutdown_signal.await;
        })
        .await
        .expect("server runs");
    });
    let (_, platform_key) = auth::create_key(
        &pool,
        &KeyScope::Platform,
        Role::PlatformAdmin,
        "test platform",
    )
    .await
    .expect("platform key");
    TestApp {
        address,
        pool,
        client: reqwest::Client::new(),
        platform_key,
        discovery_policy,
        snapshots,
        _shutdown: shutdown,
    }
}

impl TestApp {
    /// A job runtime (one worker) on the app's database, under the app's discovery policy and
    /// sharing the app's snapshot cache.
    pub fn runtime(&self) -> infracast::jobs::JobRuntime {
        let mut runtime = infracast::jobs::JobRuntime::new(
            self.pool.clone(),
            self.snapshots.clone(),
            infracast::compliance::Catalog::builtin().unwrap(),
        );
        runtime.policy = self.discovery_policy.clone();
        runtime
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request reaches the server");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("response body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, key: &str) -> Answer {
        self.request(Method::GET, path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> Answer {
        self.request(Method::POST, path, Some(key), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, key: &str, body: Value) -> Answer {
        self.request(Method::PUT, path, Some(key), Some(body)).await
    }

    pub async fn delete(&self, path: &str, key: &str) -> Answer {
        self.request(Method::DELETE, path, Some(key), None).await
    }

    /// Creates a tenant through the API and returns a tenant key of `role` made through the API.
    pub async fn tenant_with_key(&self, slug: &str, plan: &str, role: &str) -> String {
        let created = self
            .post(
                "/api/v1/tenants",
                &self.platform_key,
                serde_json::json!({"id": slug, "name": slug, "plan": plan}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        self.key_for(slug, role).await
    }

    /// A new key of `role` for an existing tenant, made by the platform admin through the API.
    pub async fn key_for(&self, slug: &str, role: &str) -> String {
        let key = self
            .post(
                &format!("/api/v1/tenants/{slug}/api-keys"),
                &self.platform_key,
                serde_json::json!({"role": role}),
            )
            .await;
        assert_eq!(key.status, StatusCode::CREATED, "{}", key.body);
        key.body["data"]["key"]
            .as_str()
            .expect("key in create answer")
            .to_string()
    }
}

/// Percent-encodes a node id for use in a path segment.
pub fn encode(id: &str) -> String {
    id.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The `dst` of every edge of `kind` leaving `src` in `tenant`'s graph, sorted.
pub async fn edge_destinations(
    app: &TestApp,
    key: &str,
    tenant: &str,
    kind: &str,
    src: &str,
) -> Vec<String> {
    let answer = app
        .get(
            &format!(
                "/api/v1/tenants/{tenant}/edges?kind={kind}&src={}",
                encode(src)
            ),
            key,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let mut destinations: Vec<String> = answer.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["dst"].as_str().unwrap().to_string())
        .collect();
    destinations.sort();
    destinations
}
