//! Configuration: where the database is, where data lives, where to listen. Built by `cli` from
//! flags and environment variables, validated once.

use std::net::SocketAddr;
use std::path::PathBuf;

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
        }
    }
}
