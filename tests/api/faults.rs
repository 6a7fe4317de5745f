//! Faults the service must survive or report, with the real binary on a private data directory:
//! the embedded postmaster killed (readiness says so, the cluster is restarted, data intact), and
//! two processes on one data directory (the cluster outlives the one that started it).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sqlx::ConnectOptions;
use sqlx::postgres::PgConnectOptions;

/// A private data directory under /tmp (the cluster runs as `postgres` when tests run as root, so
/// every parent must be traversable); the cluster is stopped when it is dropped.
struct DataDir {
    _root: tempfile::TempDir,
    path: PathBuf,
}

impl DataDir {
    fn new() -> DataDir {
        let root = tempfile::Builder::new()
            .prefix("ic-faults-")
            .tempdir_in("/tmp")
            .unwrap();
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = root.path().join("data");
        DataDir { _root: root, path }
    }

    fn cluster_dir(&self) -> PathBuf {
        self.path.join("pg")
    }

    /// The postmaster's pid, from its pid file.
    fn postmaster_pid(&self) -> Option<i32> {
        let contents = std::fs::read_to_string(self.cluster_dir().join("postmaster.pid")).ok()?;
        contents.lines().next()?.trim().parse().ok()
    }

    fn database_options(&self) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(self.cluster_dir())
            .username("infracast")
            .database("infracast")
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = Command::new(env!("CARGO_BIN_EXE_infracast"))
            .args(["db", "stop", "--data-dir"])
            .arg(&self.path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// `infracast serve` on a free loopback port; SIGTERM (then SIGKILL) when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(data_dir: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(data_dir.with_extension(format!("{port}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_infracast"))
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(data_dir)
            .env_remove("DATABASE_URL")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("the infracast binary starts");
        Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn healthz(&self) -> Option<(StatusCode, serde_json::Value)> {
        let response = reqwest::Client::new()
            .get(format!("{}/healthz", self.address))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .ok()?;
        let status = response.status();
        Some((status, response.json().await.unwrap_or_default()))
    }

    /// Polls `/healthz` until it answers `wanted`; returns the body.
    async fn wait_for_health(&self, wanted: StatusCode, deadline: Duration) -> serde_json::Value {
        let started = Instant::now();
        loop {
            if let Some((status, body)) = self.healthz().await
                && status == wanted
            {
                return body;
            }
            assert!(
                started.elapsed() < deadline,
                "/healthz did not answer {wanted} within {deadline:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGTERM and wait for the exit (bounded).
    fn terminate(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!("the server did not stop within 30 s of SIGTERM");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

async fn tenant_count(data_dir: &DataDir, slug: &str) -> Result<i64, sqlx::Error> {
    let mut connection = data_dir.database_options().connect().await?;
    sqlx::query_scalar("SELECT count(*) FROM tenants WHERE tenant_id = $1")
        .bind(slug)
        .fetch_one(&mut connection)
        .await
}

fn create_tenant(data_dir: &Path, slug: &str) {
    let status = Command::new(env!("CARGO_BIN_EXE_infracast"))
        .args(["tenant", "create", slug, "--data-dir"])
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "tenant create failed");
}

fn process_alive(pid: i32) -> bool {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

#[tokio::test]
async fn a_killed_postmaster_is_reported_then_restarted_with_data_intact() {
    let data_dir = DataDir::new();
    let mut server = Server::start(&data_dir.path);
    let healthy = server
        .wait_for_health(StatusCode::OK, Duration::from_secs(90))
        .await;
    assert_eq!(healthy["status"], "ok");
    // A second process (the CLI) attaches to the running cluster and writes a tenant.
    create_tenant(&data_dir.path, "survivor");
    assert_eq!(tenant_count(&data_dir, "survivor").await.unwrap(), 1);

    let postmaster = data_dir.postmaster_pid().expect("a postmaster pid");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(postmaster),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();

    // Readiness tells the truth while the database is gone, in the error shape, and fast.
    let down = server
        .wait_for_health(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(20))
        .await;
    assert_eq!(down["error"]["code"], "INTERNAL_ERROR", "{down}");
    assert!(down["data"].is_null());
    // Liveness stays up: the process itself is fine.
    let live = reqwest::get(format!("{}/livez", server.address))
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);

    // The supervisor restarts the cluster; the data is still there.
    server
        .wait_for_health(StatusCode::OK, Duration::from_secs(60))
        .await;
    let restarted = data_dir.postmaster_pid().expect("a new postmaster pid");
    assert_ne!(restarted, postmaster);
    assert!(process_alive(restarted));
    assert_eq!(tenant_count(&data_dir, "survivor").await.unwrap(), 1);
    server.terminate();
}

#[tokio::test]
async fn the_cluster_outlives_the_process_that_started_it_and_stops_with_the_last() {
    let data_dir = DataDir::new();
    let mut first = Server::start(&data_dir.path);
    first
        .wait_for_health(StatusCode::OK, Duration::from_secs(90))
        .await;
    let mut second = Server::start(&data_dir.path);
    second
        .wait_for_health(StatusCode::OK, Duration::from_secs(90))
        .await;
    let postmaster = data_dir.postmaster_pid().expect("a postmaster pid");

    // The process that started the cluster stops: the other keeps its database.
    first.terminate();
    assert!(
        process_alive(postmaster),
        "the cluster stopped with the process that started it"
    );
    assert_eq!(tenant_count(&data_dir, "none").await.unwrap(), 0);
    let (status, body) = second.healthz().await.expect("the second process answers");
    assert_eq!(status, StatusCode::OK, "{body}");

    // The last process out stops the cluster.
    second.terminate();
    let started = Instant::now();
    while process_alive(postmaster) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the cluster still runs after its last process stopped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
