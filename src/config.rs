//! Configuration: where the database is, where data lives, where to listen. Built by `cli` from
//! flags and environment variables, validated once.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where the PostgreSQL server comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseSource {
    /// `DATABASE_URL`: an existing server.
    Url(String),
    /// The private cluster under `<data_dir>/pg`, started on demand.
    Embedded,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseSource,
    pub data_dir: PathBuf,
    pub bind: SocketAddr,
    /// Discovery/evaluation workers this process runs (0 = API only).
    pub workers: usize,
    /// What tenants' discovery jobs may use (endpoints, AWS credentials, fixture files).
    pub discovery_policy: crate::model::provider_config::DiscoveryPolicy,
    /// Job runtime limits: per-tenant share, attempts, deadlines, lease.
    pub jobs: JobLimits,
    /// On SIGTERM: how long running jobs and open connections get before they are abandoned.
    pub shutdown_grace: Duration,
}

/// Bounds on the job runtime (see `jobs::WorkerConfig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobLimits {
    pub max_running_per_tenant: i64,
    pub max_attempts: i32,
    pub discovery_timeout: Duration,
    pub evaluation_timeout: Duration,
    pub lease: Duration,
}

impl Default for JobLimits {
    fn default() -> Self {
        JobLimits {
            max_running_per_tenant: 2,
            max_attempts: 3,
            discovery_timeout: Duration::from_secs(30 * 60),
            evaluation_timeout: Duration::from_secs(10 * 60),
            lease: Duration::from_secs(60),
        }
    }
}

impl Config {
    pub fn new(
        database_url: Option<String>,
        data_dir: PathBuf,
        bind: SocketAddr,
        workers: usize,
    ) -> Self {
        let database = match database_url {
            Some(url) if !url.trim().is_empty() => DatabaseSource::Url(url),
            _ => DatabaseSource::Embedded,
        };
        Config {
            database,
            data_dir,
            bind,
            workers,
            discovery_policy: crate::model::provider_config::DiscoveryPolicy::default(),
            jobs: JobLimits::default(),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}
