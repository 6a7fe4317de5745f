//! Runs the provider a discovery job names (`aws` or `fixture`) and turns its callbacks into
//! progress records. The providers themselves live in `discovery`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde::Serialize;
use tokio::sync::mpsc;

use super::watcher::JobFlags;
use crate::discovery::{
    self, DiscoveryControl, DiscoveryOutcome, ProgressEvent, ScopeResult, ScopeStatus,
};
use crate::model::provider_config::{
    DiscoveryPolicy, FixtureSource, OPERATOR_MARKER, ProviderConfig,
};
use crate::model::{Inventory, Scope};
use crate::store;
use crate::store::jobs::Job;

/// Progress of a running job, as recorded on the job row and shown by the CLI.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Progress {
    pub scopes_started: usize,
    pub scopes_finished: usize,
    pub pages_fetched: usize,
    pub items_fetched: usize,
    pub last_event: String,
}

impl Progress {
    pub fn apply(&mut self, event: &ProgressEvent) {
        match event {
            ProgressEvent::ScopeStarted { scope } => {
                self.scopes_started += 1;
                self.last_event = format!(
                    "scope {}/{}/{} started",
                    scope.provider, scope.account, scope.region
                );
            }
            ProgressEvent::PageFetched {
                scope,
                resource,
                items,
            } => {
                self.pages_fetched += 1;
                self.items_fetched += items;
                self.last_event = format!("{}: {items} {resource}", scope.region);
            }
            ProgressEvent::ScopeFinished { result } => {
                self.scopes_finished += 1;
                self.last_event = format!(
                    "scope {} finished: {}",
                    result.scope.region,
                    status_name(&result.status)
                );
            }
        }
    }
}

pub fn status_name(status: &ScopeStatus) -> &'static str {
    match status {
        ScopeStatus::Completed => "completed",
        ScopeStatus::Failed { .. } => "failed",
        ScopeStatus::Cancelled => "cancelled",
    }
}

/// Runs the job's provider under the operator's policy (the CLI's own jobs under the operator's).
/// `Err` is a fatal job error (bad config, provider unusable), written for the tenant to read:
/// one classified line, the detail in the server log.
pub async fn discover(
    runtime: &super::JobRuntime,
    job: &Job,
    flags: &JobFlags,
    events: mpsc::UnboundedSender<ProgressEvent>,
) -> Result<DiscoveryOutcome, String> {
    let control = DiscoveryControl {
        cancelled: flags.cancelled.clone(),
        on_progress: Arc::new(move |event: ProgressEvent| {
            let _ = events.send(event);
        }),
    };
    let provider = job
        .provider
        .as_deref()
        .ok_or_else(|| "discovery job without a provider".to_string())?;
    let config = ProviderConfig::parse(provider, &job.config.0)?;
    let requested_by_operator = job
        .config
        .0
        .get(OPERATOR_MARKER)
        .is_some_and(|value| value == "operator");
    let policy = if requested_by_operator {
        DiscoveryPolicy::operator()
    } else {
        runtime.policy.clone()
    };
    // Checked again here, not only by the API: a stored job or schedule may predate the policy.
    config.check(&policy)?;
    match config {
        ProviderConfig::Aws(aws) => {
            let external_id = store::tenants::uid(&runtime.pool, &job.tenant_id)
                .await
                .map_err(|error| format!("cannot read the tenant: {error}"))?;
            let access = discovery::aws::Access {
                external_id: external_id.to_string(),
                ambient_credentials: policy.allow_ambient_credentials,
            };
            discovery::aws::discover(&aws, &access, &control)
                .await
                .map_err(|error| error.to_string())
        }
        ProviderConfig::Fixture(source) => {
            let inventory = match source {
                FixtureSource::Sample => discovery::sample::sample_estate(),
                FixtureSource::Inline(inventory) => *inventory,
                FixtureSource::File(name) => {
                    let directory = policy
                        .fixture_dir
                        .clone()
                        .or_else(|| runtime.policy.fixture_dir.clone())
                        .ok_or_else(|| "this server has no fixture directory".to_string())?;
                    tokio::task::spawn_blocking(move || {
                        discovery::fixture::load_confined_inventory(&directory, &name)
                    })
                    .await
                    .map_err(|error| format!("fixture loader panicked: {error}"))?
                    .map_err(|error| error.to_string())?
                }
                FixtureSource::OperatorPath(path) => {
                    let path = PathBuf::from(path);
                    tokio::task::spawn_blocking(move || discovery::fixture::load_inventory(&path))
                        .await
                        .map_err(|error| format!("fixture loader panicked: {error}"))?
                        .map_err(|error| error.to_string())?
                }
            };
            Ok(fixture_outcome(
                inventory,
                flags.cancelled.load(Ordering::SeqCst),
                &control,
            ))
        }
    }
}

/// A fixture covers the scopes it declares (or, if it declares none, those of its nodes).
fn fixture_outcome(
    mut inventory: Inventory,
    cancelled: bool,
    control: &DiscoveryControl,
) -> DiscoveryOutcome {
    let scopes: Vec<Scope> = if inventory.scopes.is_empty() {
        let derived: BTreeSet<Scope> = inventory
            .nodes
            .iter()
            .map(|node| Scope {
                provider: node.provider.clone(),
                account: node.account.clone(),
                region: node.region.clone(),
            })
            .collect();
        derived.into_iter().collect()
    } else {
        inventory.scopes.clone()
    };
    let status = if cancelled {
        ScopeStatus::Cancelled
    } else {
        ScopeStatus::Completed
    };
    let results: Vec<ScopeResult> = scopes
        .iter()
        .map(|scope| ScopeResult {
            scope: scope.clone(),
            status: status.clone(),
            nodes: inventory
                .nodes
                .iter()
                .filter(|node| node.region == scope.region && node.account == scope.account)
                .count(),
            edges: 0,
            gaps: Vec::new(),
        })
        .collect();
    for result in &results {
        (control.on_progress)(ProgressEvent::ScopeFinished {
            result: result.clone(),
        });
    }
    if cancelled {
        inventory = Inventory::default();
    } else {
        inventory.scopes = scopes;
    }
    DiscoveryOutcome {
        inventory,
        scopes: results,
    }
}
