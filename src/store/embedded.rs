//! The embedded PostgreSQL launcher: with no `DATABASE_URL`, Infracast runs a private cluster from
//! the server binaries installed on the machine, under `<data_dir>/pg`, listening only on a unix
//! socket inside that directory (no TCP port).
//!
//! A second process attaches to a running cluster instead of starting another (an exclusive file
//! lock serialises the check-and-start). Every process using the cluster holds a shared lock on
//! `<data_dir>/embedded-postgres.users`; stopping, a process stops the cluster only when it can
//! take that lock exclusively, that is when no other process uses it, whoever started it. So the
//! cluster stays up while any process uses it, and the last one out stops it. A process that
//! notices the cluster died restarts it (`start_if_down`; `app` runs that as a supervisor). When
//! running as root (`initdb` refuses root), the cluster runs as the `postgres` account (or
//! `nobody`) and its directory is handed to that account.
//!
//! This module runs blocking child processes: call it at start-up or inside `spawn_blocking`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nix::fcntl::{Flock, FlockArg};
use sqlx::postgres::PgConnectOptions;

use super::Error;

/// The database role created by `initdb` and used by Infracast.
pub const SUPERUSER: &str = "infracast";
/// The database Infracast keeps its data in.
pub const DATABASE: &str = "infracast";

const INSTALL_HINT: &str = "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found; \
install them (Debian: `apt-get install -y postgresql`) or set DATABASE_URL to use an existing server";

/// A running embedded cluster, started by this process or attached to.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    data_dir: PathBuf,
    cluster_dir: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<(u32, u32)>,
    started_here: bool,
    /// Shared lock on `embedded-postgres.users` while this launcher uses the cluster.
    user_lock: Option<Flock<fs::File>>,
}

/// The launcher's lock: serialises check-and-start (and restarts) across processes.
fn lock_launcher(data_dir: &Path) -> Result<Flock<fs::File>, Error> {
    let lock_path = data_dir.join("embedded-postgres.lock");
    let lock_file = open_lock_file(&lock_path)?;
    Flock::lock(lock_file, FlockArg::LockExclusive).map_err(|(_, errno)| {
        Error::Embedded(format!("cannot lock {}: {errno}", lock_path.display()))
    })
}

fn open_lock_file(path: &Path) -> Result<fs::File, Error> {
    fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|error| io_error("open lock file", path, error))
}

/// Registers a user of the cluster (a shared lock held until `stop` or drop). Blocks while a
/// process that found itself the last user is stopping the cluster.
fn register_user(data_dir: &Path) -> Result<Flock<fs::File>, Error> {
    let users_path = data_dir.join("embedded-postgres.users");
    let users_file = open_lock_file(&users_path)?;
    Flock::lock(users_file, FlockArg::LockShared).map_err(|(_, errno)| {
        Error::Embedded(format!("cannot lock {}: {errno}", users_path.display()))
    })
}

impl EmbeddedPostgres {
    /// Attaches to the cluster under `data_dir/pg`, or initialises and starts it.
    pub fn ensure_running(data_dir: &Path) -> Result<Self, Error> {
        let bin_dir = find_bin_dir().ok_or_else(|| Error::Embedded(INSTALL_HINT.to_string()))?;
        fs::create_dir_all(data_dir)
            .map_err(|error| io_error("create data directory", data_dir, error))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(|error| io_error("resolve data directory", data_dir, error))?;
        let _launcher = lock_launcher(&data_dir)?;
        let user_lock = register_user(&data_dir)?;

        let mut cluster = EmbeddedPostgres {
            cluster_dir: data_dir.join("pg"),
            data_dir: data_dir.clone(),
            bin_dir,
            run_as: unprivileged_account()?,
            started_here: false,
            user_lock: Some(user_lock),
        };
        if !cluster.cluster_dir.join("PG_VERSION").exists() {
            cluster.initialise(&data_dir)?;
        }
        if cluster.is_running()? {
            return Ok(cluster);
        }
        cluster.start()?;
        cluster.started_here = true;
        Ok(cluster)
    }

    /// Connection options for `database` over the cluster's unix socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.cluster_dir)
            .username(SUPERUSER)
            .database(database)
    }

    /// True when this process started the cluster (and so must stop it).
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    pub fn cluster_dir(&self) -> &Path {
        &self.cluster_dir
    }

    /// Stops using the cluster, and stops the cluster when no other launcher (in any process) uses
    /// it; while others do, it keeps running for them.
    pub fn stop(&mut self) -> Result<(), Error> {
        let Some(shared) = self.user_lock.take() else {
            return Ok(());
        };
        let users_file = shared.unlock().map_err(|(_, errno)| {
            Error::Embedded(format!("cannot unlock the cluster's users file: {errno}"))
        })?;
        let Ok(_alone) = Flock::lock(users_file, FlockArg::LockExclusiveNonblock) else {
            tracing::info!("other processes use the embedded cluster; leaving it running");
            self.started_here = false;
            return Ok(());
        };
        self.stop_cluster()?;
        self.started_here = false;
        Ok(())
    }

    /// A handle on the same cluster for a supervisor: it can restart the cluster but holds no
    /// user registration (stopping it does nothing).
    pub fn supervisor_handle(&self) -> EmbeddedPostgres {
        EmbeddedPostgres {
            data_dir: self.data_dir.clone(),
            cluster_dir: self.cluster_dir.clone(),
            bin_dir: self.bin_dir.clone(),
            run_as: self.run_as,
            started_here: false,
            user_lock: None,
        }
    }

    /// Starts the cluster again if it is not running (its postmaster died): `Ok(true)` when this
    /// call started it. Serialised with other launchers, so two supervisors start it once.
    pub fn start_if_down(&self) -> Result<bool, Error> {
        let _launcher = lock_launcher(&self.data_dir)?;
        if self.is_running()? {
            return Ok(false);
        }
        self.start()?;
        Ok(true)
    }

    /// Stops the cluster whoever started it (`infracast db stop`).
    pub fn stop_cluster(&self) -> Result<(), Error> {
        if !self.is_running()? {
            return Ok(());
        }
        let cluster_dir = self.cluster_dir.to_string_lossy().into_owned();
        let output = self.run(
            "pg_ctl",
            &["stop", "-D", &cluster_dir, "-m", "fast", "-w", "-t", "60"],
        )?;
        if !output.status.success() {
            return Err(command_failed("pg_ctl stop", &output));
        }
        Ok(())
    }

    pub fn is_running(&self) -> Result<bool, Error> {
        let cluster_dir = self.cluster_dir.to_string_lossy().into_owned();
        let output = self.run("pg_ctl", &["status", "-D", &cluster_dir])?;
        // pg_ctl status: 0 = running, 3 = not running, 4 = no accessible data directory.
        Ok(output.status.code() == Some(0))
    }

    fn initialise(&self, data_dir: &Path) -> Result<(), Error> {
        let cluster_dir = &self.cluster_dir;
        let occupied = cluster_dir.exists()
            && fs::read_dir(cluster_dir)
                .map_err(|error| io_error("read", cluster_dir, error))?
                .next()
                .is_some();
        if occupied {
            return Err(Error::Embedded(format!(
                "{} exists but holds no PostgreSQL cluster (no PG_VERSION); move it away to start afresh",
                cluster_dir.display()
            )));
        }
        // The account running the cluster must be able to reach the data directory.
        fs::set_permissions(data_dir, fs::Permissions::from_mode(0o755))
            .map_err(|error| io_error("set permissions on", data_dir, error))?;
        fs::create_dir_all(cluster_dir).map_err(|error| io_error("create", cluster_dir, error))?;
        fs::set_permissions(cluster_dir, fs::Permissions::from_mode(0o700))
            .map_err(|error| io_error("set permissions on", cluster_dir, error))?;
        if let Some((uid, gid)) = self.run_as {
            nix::unistd::chown(cluster_dir, Some(uid.into()), Some(gid.into())).map_err(
                |errno| Error::Embedded(format!("cannot chown {}: {errno}", cluster_dir.display())),
            )?;
        }
        let cluster_dir_text = cluster_dir.to_string_lossy().into_owned();
        let output = self.run(
            "initdb",
            &[
                "-D",
                &cluster_dir_text,
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ],
        )?;
        if !output.status.success() {
            return Err(command_failed("initdb", &output));
        }
        // Unix socket only, inside the cluster directory: nothing listens on TCP.
        let settings = format!(
            "\n# Added by infracast\nlisten_addresses = ''\nunix_socket_directories = '{}'\nmax_connections = 300\n",
            cluster_dir.display()
        );
        let config_path = cluster_dir.join("postgresql.conf");
        let mut config = fs::read_to_string(&config_path)
            .map_err(|error| io_error("read", &config_path, error))?;
        config.push_str(&settings);
        fs::write(&config_path, config).map_err(|error| io_error("write", &config_path, error))?;
        Ok(())
    }

    fn start(&self) -> Result<(), Error> {
        let first = self.pg_ctl_start()?;
        if first.status.success() {
            return Ok(());
        }
        // A crash can leave postmaster.pid naming a pid that now belongs to another process, which
        // makes postgres refuse to start. Remove it only when that pid is not a postgres process.
        if self.remove_stale_pid_file()? {
            let second = self.pg_ctl_start()?;
            if second.status.success() {
                return Ok(());
            }
            return Err(command_failed("pg_ctl start", &second));
        }
        Err(command_failed("pg_ctl start", &first))
    }

    fn pg_ctl_start(&self) -> Result<Output, Error> {
        let cluster_dir = self.cluster_dir.to_string_lossy().into_owned();
        let log_file = self
            .cluster_dir
            .join("server.log")
            .to_string_lossy()
            .into_owned();
        self.run(
            "pg_ctl",
            &[
                "start",
                "-D",
                &cluster_dir,
                "-l",
                &log_file,
                "-o",
                SERVER_OPTIONS,
                "-w",
                "-t",
                "60",
            ],
        )
    }

    fn remove_stale_pid_file(&self) -> Result<bool, Error> {
        let pid_file = self.cluster_dir.join("postmaster.pid");
        let Ok(contents) = fs::read_to_string(&pid_file) else {
            return Ok(false);
        };
        let Some(pid) = contents
            .lines()
            .next()
            .and_then(|line| line.trim().parse::<i32>().ok())
        else {
            fs::remove_file(&pid_file).map_err(|error| io_error("remove", &pid_file, error))?;
            return Ok(true);
        };
        let command_name = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if command_name.trim() == "postgres" {
            return Ok(false);
        }
        fs::remove_file(&pid_file).map_err(|error| io_error("remove", &pid_file, error))?;
        Ok(true)
    }

    fn run(&self, program: &str, arguments: &[&str]) -> Result<Output, Error> {
        use std::os::unix::process::CommandExt;
        let mut command = Command::new(self.bin_dir.join(program));
        command.args(arguments).env("LC_ALL", "C");
        if self.cluster_dir.exists() {
            command.current_dir(&self.cluster_dir);
        } else {
            command.current_dir("/");
        }
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid).gid(gid);
        }
        command
            .output()
            .map_err(|error| Error::Embedded(format!("cannot run {program}: {error}")))
    }
}

/// The server settings the cluster starts with (`postgres -c …`, given on every start so a
/// cluster made by an older version gets them too), for bulk writes: the first evaluation of a
/// 100k-instance estate inserts ~450k findings (~700 MB of WAL) in one transaction, and a first
/// discovery more. At the default `max_wal_size` (1 GB) such a write triggered checkpoints part-way,
/// each followed by a full-page image of every page touched again. `shared_buffers` stays at
/// PostgreSQL's default: at 2 GB the inserts were no faster, while a stop (the shutdown
/// checkpoint writes every dirty buffer) took 4.6 s instead of about 1 s and the list endpoints'
/// p99 under load rose from ~30 ms to ~55 ms in the load bench.
const SERVER_OPTIONS: &str = "-c max_wal_size=4GB";

/// Finds a directory holding `initdb`, `pg_ctl` and `postgres`: `INFRACAST_PG_BIN_DIR`, Debian's
/// per-version directories (newest first), `pg_config --bindir`, then `PATH`.
pub fn find_bin_dir() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(explicit) = std::env::var("INFRACAST_PG_BIN_DIR") {
        candidates.push(PathBuf::from(explicit));
    }
    let mut versioned: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versioned.sort_by_key(|(version, _)| std::cmp::Reverse(*version));
    candidates.extend(versioned.into_iter().map(|(_, path)| path));
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        candidates.push(PathBuf::from(
            String::from_utf8_lossy(&output.stdout).trim(),
        ));
    }
    if let Ok(path) = std::env::var("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    candidates.into_iter().find(|dir| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|name| dir.join(name).is_file())
    })
}

/// The account to run the cluster as when we are root: `postgres`, else `nobody`.
fn unprivileged_account() -> Result<Option<(u32, u32)>, Error> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    for name in ["postgres", "nobody"] {
        if let Ok(Some(user)) = nix::unistd::User::from_name(name) {
            return Ok(Some((user.uid.as_raw(), user.gid.as_raw())));
        }
    }
    Err(Error::Embedded(
        "running as root, but neither a `postgres` nor a `nobody` account exists to run the cluster".to_string(),
    ))
}

fn io_error(action: &str, path: &Path, error: std::io::Error) -> Error {
    Error::Embedded(format!("cannot {action} {}: {error}", path.display()))
}

fn command_failed(what: &str, output: &Output) -> Error {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let detail = if stderr.trim().is_empty() {
        stdout
    } else {
        stderr
    };
    Error::Embedded(format!(
        "{what} failed ({}): {}",
        output.status,
        detail.trim()
    ))
}

/// Creates `database` on the server if it does not exist yet (connecting to `postgres`).
pub async fn ensure_database(server: &PgConnectOptions, database: &str) -> Result<(), Error> {
    use sqlx::ConnectOptions;
    let mut connection = server.clone().database("postgres").connect().await?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(database)
        .fetch_optional(&mut connection)
        .await?;
    if exists.is_none() {
        let statement = format!("CREATE DATABASE \"{}\"", database.replace('"', ""));
        match sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut connection)
            .await
        {
            Ok(_) => {}
            // Another process created it between our check and our statement.
            Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42P04") => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}
