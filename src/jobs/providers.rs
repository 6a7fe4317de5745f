//! Runs the provider a discovery job names (`aws` or `fixture`) and turns its callbacks into
//! progress records. The providers themselves live in `discovery`.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::mpsc;

use super::watcher::JobFlags;
use crate::discovery::{
    self, DiscoveryControl, DiscoveryOutcome, ProgressEvent, Provider, ScopeStatus,
};
use crate::model::provider_config::{DiscoveryPolicy, OPERATOR_MARKER, ProviderConfig};
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
    let config = ProviderConfig::parse(provider, &job.config)?;
    let requested_by_operator = job
        .config
        .get(OPERATOR_MARKER)
        .is_some_and(|value| value == "operator");
    let policy = if requested_by_operator {
        DiscoveryPolicy::operator()
    } else {
        runtime.policy.clone()
    };
    // Checked again here, not only by the API: a stored job or schedule may predate the policy.
    config.check(&policy)?;
    let outcome = match config {
        ProviderConfig::Aws(aws) => {
            let external_id = store::tenants::uid(&runtime.pool, &job.tenant_id)
                .await
                .map_err(|error| format!("cannot read the tenant: {error}"))?;
            let provider = discovery::aws::AwsProvider {
                config: aws,
                access: discovery::aws::Access {
                    external_id: external_id.to_string(),
                    ambient_credentials: policy.allow_ambient_credentials,
                },
            };
            run(&provider, &control).await
        }
        ProviderConfig::Fixture(source) => {
            let provider = discovery::fixture::FixtureProvider {
                source,
                directory: policy
                    .fixture_dir
                    .clone()
                    .or_else(|| runtime.policy.fixture_dir.clone()),
            };
            run(&provider, &control).await
        }
    };
    outcome.map_err(|error| error.to_string())
}

/// Runs one provider; every provider goes through here.
async fn run(
    provider: &impl Provider,
    control: &DiscoveryControl,
) -> Result<DiscoveryOutcome, discovery::Error> {
    tracing::debug!(provider = provider.name(), "discovery starts");
    provider.discover(control).await
}
