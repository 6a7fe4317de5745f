//! The `aws` provider: aws-config plus one SDK crate per service, every requested region collected
//! concurrently (bounded), each region running every service of `service::SERVICES` (the
//! services own their fetch, transform and edges). Credentials: the tenant's role assumed with
//! its external id, or the server's own where the operator allows it. An `endpoint_url` (or one
//! per region) comes from the operator's allow-list. Throttling is retried by the SDK's retry
//! configuration, set in one place (`sdk_config`). A region that fails is a failed scope; the
//! others complete. Errors are classified (`classify`), never the SDK's dump.

mod classify;
pub mod ec2;
// elbv2, elb
pub mod elb;
pub mod elbv2;
pub mod service;
// monitoring: CloudWatch Logs, SNS, CloudWatch alarms and CIS 4.x, Security Hub
pub mod cloudwatch;
pub mod logs;
mod paged;
pub mod securityhub;
pub mod sns;
// rds, lambda, eks (managed endpoints)
pub mod eks;
pub mod lambda;
pub mod rds;
// data and logging services (and what they share)
pub mod accessanalyzer;
pub mod cloudtrail;
pub mod config;
pub mod efs;
pub mod kms;
mod node_builder;
mod optional_call;
mod resource_policy;
pub mod s3;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use super::{DiscoveryControl, DiscoveryOutcome, Error, ProgressEvent, ScopeResult, ScopeStatus};
use crate::model::{Inventory, Scope};
use service::{FetchError, Origin, RegionContext, SERVICES};

pub use crate::model::provider_config::AwsConfig;

/// How a job reaches the tenant's account: the tenant's role is assumed with the tenant's
/// external id (the standard cross-account pattern); the server's own (ambient) credentials are
/// used directly only where the operator allows them.
#[derive(Debug, Clone)]
pub struct Access {
    /// Required by the tenant's role trust policy (`sts:ExternalId`): the tenant's uid.
    pub external_id: String,
    /// Whether the server's credentials may be used without a role.
    pub ambient_credentials: bool,
}

/// The SDK configuration of one region: retries (standard mode, 5 attempts, with backoff: the one
/// place throttling is handled), timeouts on every call (connect, read, attempt and whole
/// operation, so an endpoint that never answers cannot hold a worker), endpoint, credentials.
async fn sdk_config(
    config: &AwsConfig,
    access: &Access,
    region: &str,
) -> Result<SdkConfig, String> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .retry_config(RetryConfig::standard().with_max_attempts(5))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .read_timeout(Duration::from_secs(30))
                .operation_attempt_timeout(Duration::from_secs(60))
                .operation_timeout(Duration::from_secs(180))
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
        if !access.ambient_credentials {
            // The policy check refuses this before; a second wall costs nothing.
            return Err(
                "this server does not lend its own AWS credentials: give the job a role_arn"
                    .to_string(),
            );
        }
        return Ok(base);
    };
    let provider = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name("infracast-discovery")
        .external_id(&access.external_id)
        .configure(&base)
        .build()
        .await;
    Ok(base
        .into_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        )
        .build())
}

async fn account_id(config: &AwsConfig, sdk: &SdkConfig, region: &str) -> Result<String, String> {
    if let Some(account) = &config.account_id {
        return Ok(account.clone());
    }
    let sts = aws_sdk_sts::Client::new(sdk);
    match sts.get_caller_identity().send().await {
        Ok(identity) => Ok(identity.account().unwrap_or("unknown").to_string()),
        Err(error) => {
            let failure = classify::classify(&error);
            let line = classify::describe_sdk_error("asking STS for the account", region, &error);
            // Only credentials and access problems are fatal here: an endpoint without STS (a
            // local test server) still lets the scan run, under the account `unknown`.
            let credentials_failed = matches!(
                failure,
                classify::Failure::NoCredentials
                    | classify::Failure::BadCredentials
                    | classify::Failure::AccessDenied
            );
            match &config.role_arn {
                _ if !credentials_failed => Ok("unknown".to_string()),
                // The chain failed while assuming the tenant's role: say so, not "no credentials".
                Some(role_arn) => Err(format!(
                    "access denied assuming {role_arn} in {region}: its trust policy must allow \
                     this server's principal with your tenant's external id (GET /api/v1/auth/me)"
                )),
                None => Err(line),
            }
        }
    }
}

struct RegionResult {
    result: ScopeResult,
    inventory: Option<Inventory>,
}

async fn discover_region(
    config: &AwsConfig,
    access: &Access,
    region: &str,
    control: &DiscoveryControl,
) -> RegionResult {
    let prepared = match sdk_config(config, access, region).await {
        Ok(sdk) => account_id(config, &sdk, region)
            .await
            .map(|account| (sdk, account)),
        Err(message) => Err(message),
    };
    let (sdk, account) = match prepared {
        Ok(prepared) => prepared,
        Err(error) => {
            let scope = Scope {
                provider: "aws".to_string(),
                account: config
                    .account_id
                    .clone()
                    .unwrap_or_else(|| "unknown".to_string()),
                region: region.to_string(),
            };
            let result = ScopeResult {
                scope,
                status: ScopeStatus::Failed { error },
                nodes: 0,
                edges: 0,
                gaps: Vec::new(),
            };
            control.report(ProgressEvent::ScopeFinished {
                result: result.clone(),
            });
            return RegionResult {
                result,
                inventory: None,
            };
        }
    };
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
    let origin = Origin {
        account,
        region: region.to_string(),
    };
    let context = RegionContext {
        sdk: &sdk,
        origin: &origin,
        scope: &scope,
        control,
    };
    let mut nodes = Vec::new();
    let mut gaps = Vec::new();
    for service in SERVICES {
        match (service.collect)(&context).await {
            Ok(collected) => {
                nodes.extend(collected.nodes);
                gaps.extend(collected.gaps);
            }
            Err(FetchError::Cancelled) => {
                return finish(ScopeStatus::Cancelled, 0, 0, Vec::new(), None);
            }
            Err(FetchError::Failed(error)) => {
                tracing::info!(service = service.name, region, "required call failed");
                return finish(ScopeStatus::Failed { error }, 0, 0, Vec::new(), None);
            }
        }
    }
    // Edges may cross services (an RDS instance in a subnet): each service links over all nodes.
    let mut edges = Vec::new();
    for service in SERVICES {
        edges.extend((service.link)(region, &mut nodes));
    }
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

/// The `aws` provider, configured for one job.
pub struct AwsProvider {
    pub config: AwsConfig,
    pub access: Access,
}

impl super::Provider for AwsProvider {
    fn name(&self) -> &'static str {
        "aws"
    }

    async fn discover(&self, control: &DiscoveryControl) -> Result<DiscoveryOutcome, Error> {
        discover(&self.config, &self.access, control).await
    }
}

/// Discovers every requested region. Only completed regions contribute to the inventory.
pub async fn discover(
    config: &AwsConfig,
    access: &Access,
    control: &DiscoveryControl,
) -> Result<DiscoveryOutcome, Error> {
    if config.regions.is_empty() {
        return Err(Error::InvalidConfig(
            "`regions` must name at least one region".to_string(),
        ));
    }
    let concurrency = config.max_concurrent_regions.unwrap_or(4).max(1);
    // Each region runs as its own task (owned inputs), at most `concurrency` at a time.
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for region in &config.regions {
        let (config, access, control, region, permits) = (
            config.clone(),
            access.clone(),
            control.clone(),
            region.clone(),
            permits.clone(),
        );
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            discover_region(&config, &access, &region, &control).await
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
