//! The `aws` provider: aws-config + aws-sdk-ec2, every requested region collected concurrently
//! (bounded), an `endpoint_url` (or one per region) so any EC2-compatible endpoint works.
//! Throttling is retried by the SDK's retry configuration, set in one place (`sdk_config`). A
//! region that fails is a failed scope; the others complete.

mod edges;
mod fetch;
pub mod transform;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use serde::Deserialize;

pub use edges::link;

use super::{DiscoveryControl, DiscoveryOutcome, Error, ProgressEvent, ScopeResult, ScopeStatus};
use crate::model::{Inventory, Scope};
use fetch::FetchError;
use transform::Origin;

/// Settings of an `aws` discovery job (the job's `config`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    pub regions: Vec<String>,
    /// One endpoint for every region (e.g. a local EC2-compatible server).
    pub endpoint_url: Option<String>,
    /// Per-region endpoints, taking precedence over `endpoint_url`.
    pub region_endpoints: Option<BTreeMap<String, String>>,
    /// A role to assume (with the standard credential chain as the source).
    pub role_arn: Option<String>,
    /// The account id; asked from STS when absent.
    pub account_id: Option<String>,
    /// Regions collected at once (default 4).
    pub max_concurrent_regions: Option<usize>,
    /// A named profile of the shared config files.
    pub profile: Option<String>,
}

impl AwsConfig {
    fn endpoint_for(&self, region: &str) -> Option<&str> {
        self.region_endpoints
            .as_ref()
            .and_then(|endpoints| endpoints.get(region))
            .or(self.endpoint_url.as_ref())
            .map(String::as_str)
    }
}

/// The SDK configuration of one region: retries (standard mode, 5 attempts, with backoff: the one
/// place throttling is handled), timeouts, endpoint, credentials.
async fn sdk_config(config: &AwsConfig, region: &str) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .retry_config(RetryConfig::standard().with_max_attempts(5))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        );
    if let Some(endpoint) = config.endpoint_for(region) {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(profile) = &config.profile {
        loader = loader.profile_name(profile);
    }
    let base = loader.load().await;
    let Some(role_arn) = &config.role_arn else {
        return base;
    };
    let provider = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name("infracast-discovery")
        .configure(&base)
        .build()
        .await;
    base.into_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        )
        .build()
}

async fn account_id(config: &AwsConfig, sdk: &SdkConfig) -> String {
    if let Some(account) = &config.account_id {
        return account.clone();
    }
    let sts = aws_sdk_sts::Client::new(sdk);
    match sts.get_caller_identity().send().await {
        Ok(identity) => identity.account().unwrap_or("unknown").to_string(),
        Err(_) => "unknown".to_string(),
    }
}

fn validate(config: &AwsConfig) -> Result<(), Error> {
    if config.regions.is_empty() {
        return Err(Error::InvalidConfig(
            "`regions` must name at least one region".to_string(),
        ));
    }
    if config.max_concurrent_regions == Some(0) {
        return Err(Error::InvalidConfig(
            "`max_concurrent_regions` must be at least 1".to_string(),
        ));
    }
    Ok(())
}

struct RegionResult {
    result: ScopeResult,
    inventory: Option<Inventory>,
}

async fn discover_region(
    config: &AwsConfig,
    region: &str,
    control: &DiscoveryControl,
) -> RegionResult {
    let sdk = sdk_config(config, region).await;
    let account = account_id(config, &sdk).await;
    let scope = Scope {
        provider: "aws".to_string(),
        account: account.clone(),
        region: region.to_string(),
    };
    control.report(ProgressEvent::ScopeStarted {
        scope: scope.clone(),
    });
    let finish = |status: ScopeStatus,
                  nodes: usize,
                  edges: usize,
                  gaps: Vec<String>,
                  inventory: Option<Inventory>| {
        let result = ScopeResult {
            scope: scope.clone(),
            status,
            nodes,
            edges,
            gaps,
        };
        control.report(ProgressEvent::ScopeFinished {
            result: result.clone(),
        });
        RegionResult { result, inventory }
    };
    if control.is_cancelled() {
        return finish(ScopeStatus::Cancelled, 0, 0, Vec::new(), None);
    }
    let client = aws_sdk_ec2::Client::new(&sdk);
    let origin = Origin {
        account,
        region: region.to_string(),
    };
    match fetch::collect_region(&client, &origin, &scope, control).await {
        Ok((mut nodes, gaps)) => {
            let edges = link(region, &mut nodes);
            let (node_count, edge_count) = (nodes.len(), edges.len());
            let inventory = Inventory {
                scopes: vec![scope.clone()],
                nodes,
                edges,
            };
            finish(
                ScopeStatus::Completed,
                node_count,
                edge_count,
                gaps,
                Some(inventory),
            )
        }
        Err(FetchError::Cancelled) => finish(ScopeStatus::Cancelled, 0, 0, Vec::new(), None),
        Err(FetchError::Failed(error)) => {
            finish(ScopeStatus::Failed { error }, 0, 0, Vec::new(), None)
        }
    }
}

/// Discovers every requested region. Only completed regions contribute to the inventory.
pub async fn discover(
    config: &AwsConfig,
    control: &DiscoveryControl,
) -> Result<DiscoveryOutcome, Error> {
    validate(config)?;
    let concurrency = config.max_concurrent_regions.unwrap_or(4);
    // Each region runs as its own task (owned inputs), at most `concurrency` at a time.
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for region in &config.regions {
        let (config, control, region, permits) = (
            config.clone(),
            control.clone(),
            region.clone(),
            permits.clone(),
        );
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            discover_region(&config, &region, &control).await
        });
    }
    let mut regions: Vec<RegionResult> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        regions
            .push(joined.map_err(|error| Error::Provider(format!("region task failed: {error}")))?);
    }
    regions.sort_by(|left, right| left.result.scope.region.cmp(&right.result.scope.region));
    let mut outcome = DiscoveryOutcome::default();
    for region in regions {
        if let Some(inventory) = region.inventory {
            outcome.inventory.scopes.extend(inventory.scopes);
            outcome.inventory.nodes.extend(inventory.nodes);
            outcome.inventory.edges.extend(inventory.edges);
        }
        outcome.scopes.push(region.result);
    }
    Ok(outcome)
}
