//! Discovery providers: each turns a source (the AWS EC2 API, an inventory file, a generator)
//! into an `Inventory` of nodes and edges plus a result per scope (provider × account × region).
//!
//! Providers never write to the store and never decide what to delete: they report which scopes
//! completed, and the job pipeline tombstones only inside those.

pub mod aws;
pub mod build;
pub mod fixture;
pub mod generate;
pub mod sample;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::model::{Inventory, Scope};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    #[error("invalid inventory: {0}")]
    InvalidInventory(String),
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("provider error: {0}")]
    Provider(String),
}

impl Error {
    /// Whether running the job again may succeed (network trouble, throttling).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Provider(_))
    }
}

/// How one scope ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum ScopeStatus {
    Completed,
    Failed { error: String },
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopeResult {
    pub scope: Scope,
    pub status: ScopeStatus,
    pub nodes: usize,
    pub edges: usize,
    /// Calls the endpoint did not support: recorded, not fatal.
    pub gaps: Vec<String>,
    /// Wall milliseconds per phase of the scope (`aws`: each service's fetch and transform, and
    /// `link`), so a slow job says where its time went. Empty for providers that do not time.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub timings_ms: std::collections::BTreeMap<&'static str, u64>,
}

/// What a provider found: the inventory of completed scopes only, and every scope's result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiscoveryOutcome {
    pub inventory: Inventory,
    pub scopes: Vec<ScopeResult>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressEvent {
    ScopeStarted {
        scope: Scope,
    },
    PageFetched {
        scope: Scope,
        resource: &'static str,
        items: usize,
    },
    ScopeFinished {
        result: ScopeResult,
    },
}

/// A source of inventories (`aws`, `fixture`): discovers its scopes into one outcome, reporting
/// progress and honouring cancellation through `control`. A third provider is a new module that
/// implements this, plus its variant of `model::provider_config::ProviderConfig`.
pub trait Provider: Send + Sync {
    /// The provider's name in job rows and logs.
    fn name(&self) -> &'static str;

    /// Discovers every scope the provider was configured with. `Err` is fatal for the job (the
    /// provider is unusable); a scope that fails is a `ScopeResult`, not an `Err`.
    fn discover(
        &self,
        control: &DiscoveryControl,
    ) -> impl std::future::Future<Output = Result<DiscoveryOutcome, Error>> + Send;
}

/// Cancellation and progress reporting shared with the caller.
#[derive(Clone)]
pub struct DiscoveryControl {
    pub cancelled: Arc<AtomicBool>,
    pub on_progress: Arc<dyn Fn(ProgressEvent) + Send + Sync>,
}

impl DiscoveryControl {
    /// A control that is never cancelled and ignores progress.
    pub fn detached() -> Self {
        DiscoveryControl {
            cancelled: Arc::new(AtomicBool::new(false)),
            on_progress: Arc::new(|_| {}),
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    pub fn report(&self, event: ProgressEvent) {
        (self.on_progress)(event);
    }
}
