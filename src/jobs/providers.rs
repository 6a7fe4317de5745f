//! Runs the provider a discovery job names (`aws` or `fixture`) and turns its callbacks into
//! progress records. The providers themselves live in `discovery`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::watcher::JobFlags;
use crate::discovery::{
    self, DiscoveryControl, DiscoveryOutcome, ProgressEvent, ScopeResult, ScopeStatus,
};
use crate::model::{Inventory, Scope};
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

/// Where a fixture job reads its inventory: a file on the server, or the shipped sample estate.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, untagged)]
enum FixtureSource {
    Sample { sample: bool },
    File(discovery::fixture::FixtureConfig),
}

/// Runs the job's provider. `Err` is a fatal job error (bad config, provider unusable).
pub async fn discover(
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
    match job.provider.as_deref() {
        Some("aws") => {
            let config: discovery::aws::AwsConfig = serde_json::from_value(job.config.0.clone())
                .map_err(|error| format!("invalid aws config: {error}"))?;
            discovery::aws::discover(&config, &control)
                .await
                .map_err(|error| error.to_string())
        }
        Some("fixture") => {
            let source: FixtureSource =
                serde_json::from_value(job.config.0.clone()).map_err(|_| {
                    "invalid fixture config: expected {\"path\": \"<file>\"} or {\"sample\": true}"
                        .to_string()
                })?;
            let inventory = match source {
                FixtureSource::Sample { sample: true } => discovery::sample::sample_estate(),
                FixtureSource::Sample { sample: false } => {
                    return Err(
                        "invalid fixture config: `sample` must be true when given".to_string()
                    );
                }
                FixtureSource::File(config) => {
                    let path = PathBuf::from(&config.path);
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
        Some(other) => Err(format!(
            "unknown provider `{other}`; expected aws or fixture"
        )),
        None => Err("discovery job without a provider".to_string()),
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
