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
pub mod iam;
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
use service::{CROSS_SCOPE_LINKS, FetchError, GLOBAL_SERVICES, Origin, RegionContext, SERVICES};

/// The scope region of global services' resources (IAM): `aws:global:aws.iam.user:<name>`.
pub const GLOBAL_REGION: &str = "global";

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
    role_arn: Option<&str>,
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
    let Some(role_arn) = role_arn else {
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

async fn account_id(
    target: &AccountTarget,
    sdk: &SdkConfig,
    region: &str,
) -> Result<String, String> {
    if let Some(account) = &target.account_id {
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
            match &target.role_arn {
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

/// One account a job discovers: the role to assume (none: the job's own credentials) and its id
/// when known beforehand (from the config or the role's ARN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountTarget {
    pub role_arn: Option<String>,
    pub account_id: Option<String>,
}

/// One scope's work: an account, the scope's region (`global` for global services), the region
/// the SDK calls, and the services to run.
struct ScopeWork<'a> {
    target: &'a AccountTarget,
    scope_region: &'a str,
    sdk_region: &'a str,
    services: &'static [service::AwsService],
}

fn failed_scope(
    target: &AccountTarget,
    region: &str,
    error: String,
    control: &DiscoveryControl,
) -> RegionResult {
    let scope = Scope {
        provider: "aws".to_string(),
        account: target
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
    RegionResult {
        result,
        inventory: None,
    }
}

async fn discover_scope(
    config: &AwsConfig,
    access: &Access,
    work: ScopeWork<'_>,
    control: &DiscoveryControl,
) -> RegionResult {
    let ScopeWork {
        target,
        scope_region: region,
        sdk_region,
        services,
    } = work;
    let prepared = match sdk_config(config, access, target.role_arn.as_deref(), sdk_region).await {
        Ok(sdk) => account_id(target, &sdk, sdk_region)
            .await
            .map(|account| (sdk, account)),
        Err(message) => Err(message),
    };
    let (sdk, account) = match prepared {
        Ok(prepared) => prepared,
        Err(error) => return failed_scope(target, region, error, control),
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
    for service in services {
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
    for service in services {
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

/// The accounts of a job: each role of `accounts`, every active account of the organization
/// (listed with the job's own credentials, then `role_name` assumed in each), or the one account
/// of `role_arn` (or the job's credentials).
async fn account_targets(
    config: &AwsConfig,
    access: &Access,
    sdk_region: &str,
) -> Result<Vec<AccountTarget>, Error> {
    if let Some(accounts) = &config.accounts {
        return Ok(accounts
            .iter()
            .map(|account| AccountTarget {
                role_arn: Some(account.role_arn.clone()),
                account_id: account.role_arn.split(':').nth(4).map(str::to_string),
            })
            .collect());
    }
    let Some(organization) = &config.organization else {
        return Ok(vec![AccountTarget {
            role_arn: config.role_arn.clone(),
            account_id: config.account_id.clone(),
        }]);
    };
    let sdk = sdk_config(config, access, config.role_arn.as_deref(), sdk_region)
        .await
        .map_err(Error::Provider)?;
    let client = aws_sdk_organizations::Client::new(&sdk);
    let mut pages = client.list_accounts().into_paginator().send();
    let mut targets = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| {
            Error::Provider(classify::describe_sdk_error(
                "listing the organization's accounts",
                sdk_region,
                &error,
            ))
        })?;
        for account in page.accounts() {
            let active = account.state().map(|state| state.as_str()) == Some("ACTIVE")
                || (account.state().is_none()
                    && account.status().map(|status| status.as_str()) == Some("ACTIVE"));
            let Some(id) = account.id().filter(|_| active) else {
                continue;
            };
            targets.push(AccountTarget {
                role_arn: Some(format!("arn:aws:iam::{id}:role/{}", organization.role_name)),
                account_id: Some(id.to_string()),
            });
        }
    }
    if targets.is_empty() {
        return Err(Error::Provider(
            "the organization lists no active account".to_string(),
        ));
    }
    Ok(targets)
}

/// The account's enabled regions (EC2 DescribeRegions; regions that need opting in and are not
/// opted in are skipped).
async fn enabled_regions(
    config: &AwsConfig,
    access: &Access,
    target: &AccountTarget,
    sdk_region: &str,
) -> Result<Vec<String>, String> {
    let sdk = sdk_config(config, access, target.role_arn.as_deref(), sdk_region).await?;
    let client = aws_sdk_ec2::Client::new(&sdk);
    let answer = client
        .describe_regions()
        .all_regions(true)
        .send()
        .await
        .map_err(|error| classify::describe_sdk_error("listing regions", sdk_region, &error))?;
    let mut regions: Vec<String> = answer
        .regions()
        .iter()
        .filter(|region| region.opt_in_status() != Some("not-opted-in"))
        .filter_map(|region| region.region_name().map(str::to_string))
        .filter(|name| crate::model::provider_config::is_region_name(name))
        .collect();
    regions.sort();
    regions.dedup();
    if regions.is_empty() {
        return Err(format!("no enabled region answered in {sdk_region}"));
    }
    Ok(regions)
}

/// The region an account-level call (global services, DescribeRegions, ListAccounts) is sent
/// to: the job's first region, else AWS's default partition's home region.
fn home_region(config: &AwsConfig) -> String {
    config
        .regions
        .first()
        .cloned()
        .unwrap_or_else(|| "us-east-1".to_string())
}

/// Discovers every account's regions (the requested ones, or every enabled one) and, once per
/// account, its global services. Only completed scopes contribute to the inventory.
pub async fn discover(
    config: &AwsConfig,
    access: &Access,
    control: &DiscoveryControl,
) -> Result<DiscoveryOutcome, Error> {
    let home = home_region(config);
    // Boxed: the SDK's futures are deep, and the job's future holds this one.
    let targets = Box::pin(account_targets(config, access, &home)).await?;
    let concurrency = config.max_concurrent_regions.unwrap_or(4).max(1);
    // Each scope runs as its own task (owned inputs), at most `concurrency` at a time.
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    let mut results: Vec<RegionResult> = Vec::new();
    for target in targets {
        let regions = if config.regions.is_empty() {
            match Box::pin(enabled_regions(config, access, &target, &home)).await {
                Ok(regions) => regions,
                Err(error) => {
                    // The account cannot be listed: its global scope fails, nothing is deleted.
                    results.push(failed_scope(&target, GLOBAL_REGION, error, control));
                    continue;
                }
            }
        } else {
            config.regions.clone()
        };
        let scopes = regions
            .into_iter()
            .map(|region| (region.clone(), region, SERVICES))
            .chain(
                (!GLOBAL_SERVICES.is_empty())
                    .then(|| (GLOBAL_REGION.to_string(), home.clone(), GLOBAL_SERVICES)),
            );
        for (scope_region, sdk_region, services) in scopes {
            let (config, access, control, target, permits) = (
                config.clone(),
                access.clone(),
                control.clone(),
                target.clone(),
                permits.clone(),
            );
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let work = ScopeWork {
                    target: &target,
                    scope_region: &scope_region,
                    sdk_region: &sdk_region,
                    services,
                };
                discover_scope(&config, &access, work, &control).await
            });
        }
    }
    while let Some(joined) = tasks.join_next().await {
        results
            .push(joined.map_err(|error| Error::Provider(format!("scope task failed: {error}")))?);
    }
    results.sort_by(|left, right| {
        (&left.result.scope.account, &left.result.scope.region)
            .cmp(&(&right.result.scope.account, &right.result.scope.region))
    });
    let mut outcome = DiscoveryOutcome::default();
    for result in results {
        if let Some(inventory) = result.inventory {
            outcome.inventory.scopes.extend(inventory.scopes);
            outcome.inventory.nodes.extend(inventory.nodes);
            outcome.inventory.edges.extend(inventory.edges);
        }
        outcome.scopes.push(result.result);
    }
    for link in CROSS_SCOPE_LINKS {
        let edges = link(&outcome.inventory.nodes);
        outcome.inventory.edges.extend(edges);
    }
    Ok(outcome)
}
