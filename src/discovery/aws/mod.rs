//! The `aws` provider: aws-config plus one SDK crate per service, every requested region collected
//! concurrently (bounded), each region running every service of `service::SERVICES` (the
//! services own their fetch, transform and edges), several services of a scope at once (bounded,
//! results in registry order) and each timed in the scope's result. Credentials: the tenant's role assumed with
//! its external id, or the server's own where the operator allows it. An `endpoint_url` (or one
//! per region) comes from the operator's allow-list. Throttling is retried by the SDK's retry
//! configuration, set in one place (`sdk_config`). A region that fails is a failed scope; the
//! others complete. Errors are classified (`classify`), never the SDK's dump.

mod account_names;
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
mod unimplemented_api;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::StreamExt;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use super::{DiscoveryControl, DiscoveryOutcome, Error, ProgressEvent, ScopeResult, ScopeStatus};
use crate::model::properties::InstanceProperties;
use crate::model::{Edge, EdgeKind, Inventory, NodeId, NodeType, Scope};
use service::{CROSS_SCOPE_LINKS, FetchError, GLOBAL_SERVICES, Origin, RegionContext, SERVICES};

/// How many services of one scope call their endpoints at once. Scopes run concurrently too
/// (`max_concurrent_regions`), so the calls in flight are at most the product; the SDK's retry
/// configuration absorbs any throttling that causes.
const SERVICES_AT_ONCE: usize = 4;

/// `SERVICES_AT_ONCE`, or the operator's `INFRACAST_DISCOVERY_SERVICES_AT_ONCE` (at least 1; 1
/// runs a scope's services one after another, as before they overlapped).
fn services_at_once() -> usize {
    std::env::var("INFRACAST_DISCOVERY_SERVICES_AT_ONCE")
        .ok()
        .and_then(|value| value.trim().parse::<usize>().ok())
        .filter(|count| *count >= 1)
        .unwrap_or(SERVICES_AT_ONCE)
}

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
        timings_ms: Default::default(),
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
    let mut timings_ms: BTreeMap<&'static str, u64> = BTreeMap::new();
    let finish = |status: ScopeStatus,
                  nodes: usize,
                  edges: usize,
                  gaps: Vec<String>,
                  inventory: Option<Inventory>,
                  timings_ms: BTreeMap<&'static str, u64>| {
        let result = ScopeResult {
            scope: scope.clone(),
            status,
            nodes,
            edges,
            gaps,
            timings_ms,
        };
        control.report(ProgressEvent::ScopeFinished {
            result: result.clone(),
        });
        RegionResult { result, inventory }
    };
    if control.is_cancelled() {
        return finish(ScopeStatus::Cancelled, 0, 0, Vec::new(), None, timings_ms);
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
    // The services of a scope are independent until `link`: their calls overlap (at most
    // `SERVICES_AT_ONCE` at a time), so a scope costs about its slowest service, not their sum.
    // `buffered` yields in registry order, so the inventory does not depend on timing.
    // Boxed before they enter the stream: a closure inside it makes the scope's future fail the
    // `Send` check that `tokio::spawn` needs (a higher-ranked lifetime the compiler cannot prove).
    let pending: Vec<TimedCollect<'_>> = services
        .iter()
        .map(|service| Box::pin(timed_collect(service, &context)) as TimedCollect<'_>)
        .collect();
    let mut collected_by_service = futures::stream::iter(pending).buffered(services_at_once());
    let mut nodes = Vec::new();
    let mut gaps = Vec::new();
    while let Some((service, collected, elapsed)) = collected_by_service.next().await {
        timings_ms.insert(service.name, elapsed.as_millis() as u64);
        match collected {
            Ok(collected) => {
                nodes.extend(collected.nodes);
                gaps.extend(collected.gaps);
            }
            Err(FetchError::Cancelled) => {
                return finish(ScopeStatus::Cancelled, 0, 0, Vec::new(), None, timings_ms);
            }
            Err(FetchError::Failed(error)) => {
                tracing::info!(service = service.name, region, "required call failed");
                return finish(
                    ScopeStatus::Failed { error },
                    0,
                    0,
                    Vec::new(),
                    None,
                    timings_ms,
                );
            }
        }
    }
    drop(collected_by_service);
    // Edges may cross services (an RDS instance in a subnet): each service links over all nodes.
    let linking = Instant::now();
    let mut edges = Vec::new();
    for service in services {
        edges.extend((service.link)(region, &mut nodes));
    }
    timings_ms.insert("link", linking.elapsed().as_millis() as u64);
    tracing::info!(
        account = %scope.account,
        region,
        nodes = nodes.len(),
        edges = edges.len(),
        timings_ms = ?timings_ms,
        "scope discovered"
    );
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
        timings_ms,
    )
}

/// One service's collection with its wall time.
type TimedCollect<'a> = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = (
                    &'static service::AwsService,
                    Result<service::Collected, FetchError>,
                    Duration,
                ),
            > + Send
            + 'a,
    >,
>;

async fn timed_collect<'a>(
    service: &'static service::AwsService,
    context: &'a RegionContext<'a>,
) -> (
    &'static service::AwsService,
    Result<service::Collected, FetchError>,
    Duration,
) {
    let started = Instant::now();
    let collected = (service.collect)(context).await;
    (service, collected, started.elapsed())
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
    Ok(assemble(results))
}

/// Joins the scopes' results into the job's outcome: the inventory of completed scopes, every
/// scope's result, and the edges that cross scopes.
fn assemble(mut results: Vec<RegionResult>) -> DiscoveryOutcome {
    results.sort_by(|left, right| {
        (&left.result.scope.account, &left.result.scope.region)
            .cmp(&(&right.result.scope.account, &right.result.scope.region))
    });
    let accounts: BTreeSet<&str> = results
        .iter()
        .map(|region| region.result.scope.account.as_str())
        .collect();
    let several_accounts = accounts.len() > 1;
    account_names::keep_accounts_apart(
        results.iter_mut().filter_map(|region| {
            let RegionResult { result, inventory } = region;
            inventory
                .as_mut()
                .map(|inventory| (result.scope.account.as_str(), inventory))
        }),
        several_accounts,
    );
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
    let kept = edges_to_unseen_profiles(&outcome, several_accounts);
    outcome.inventory.edges.extend(kept);
    outcome
}

/// The instance → instance profile edges of accounts whose `global` scope did not complete.
///
/// Those edges belong to the instance's (regional) scope, which completed and is therefore
/// reconciled: an edge it does not send again is tombstoned. The cross-scope link cannot derive
/// them (the profiles were not collected), so they are rebuilt from the instance's own
/// description, which names its profile's ARN; the profile's node id follows from the name at
/// the ARN's end. Without this, one failed IAM call would delete every instance's link to its
/// role until the next good run.
fn edges_to_unseen_profiles(outcome: &DiscoveryOutcome, several_accounts: bool) -> Vec<Edge> {
    let completed_globals: BTreeSet<&str> = outcome
        .scopes
        .iter()
        .filter(|result| {
            result.scope.region == GLOBAL_REGION && result.status == ScopeStatus::Completed
        })
        .map(|result| result.scope.account.as_str())
        .collect();
    outcome
        .inventory
        .nodes
        .iter()
        .filter(|node| node.node_type == NodeType::Instance)
        .filter(|node| !completed_globals.contains(node.account.as_str()))
        .filter_map(|node| {
            let instance = node.properties_as::<InstanceProperties>().ok()?;
            let arn = instance.iam_instance_profile_arn?;
            let (_, name) = arn.split_once(":instance-profile/")?;
            let name = name.rsplit('/').next().filter(|name| !name.is_empty())?;
            let mut profile = NodeId::aws(GLOBAL_REGION, NodeType::IamInstanceProfile, name);
            if several_accounts {
                profile = account_names::in_account(&profile, &node.account);
            }
            Some(Edge::new(
                EdgeKind::AssociatedWith,
                node.id.clone(),
                profile,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Node;
    use crate::model::properties::IamInstanceProfileProperties;

    const ACCOUNT: &str = "123456789012";
    const PROFILE_ARN: &str = "arn:aws:iam::123456789012:instance-profile/app/web";

    fn scope(region: &str) -> Scope {
        Scope {
            provider: "aws".to_string(),
            account: ACCOUNT.to_string(),
            region: region.to_string(),
        }
    }

    fn owned(mut node: Node) -> Node {
        node.account = ACCOUNT.to_string();
        node
    }

    fn region_result(status: ScopeStatus, region: &str, nodes: Vec<Node>) -> RegionResult {
        let completed = status == ScopeStatus::Completed;
        RegionResult {
            result: ScopeResult {
                scope: scope(region),
                status,
                nodes: nodes.len(),
                edges: 0,
                gaps: Vec::new(),
                timings_ms: BTreeMap::new(),
            },
            inventory: completed.then(|| Inventory {
                scopes: vec![scope(region)],
                nodes,
                edges: Vec::new(),
            }),
        }
    }

    /// Two instances of a completed region: `i-web` names a profile (with a path), `i-bare` none.
    fn region_with_instances() -> RegionResult {
        let web = owned(Node::aws(
            "eu-west-1",
            NodeType::Instance,
            "i-web",
            serde_json::to_value(InstanceProperties {
                instance_id: "i-web".into(),
                iam_instance_profile_arn: Some(PROFILE_ARN.into()),
                ..Default::default()
            })
            .unwrap(),
        ));
        let bare = owned(Node::aws(
            "eu-west-1",
            NodeType::Instance,
            "i-bare",
            serde_json::to_value(InstanceProperties {
                instance_id: "i-bare".into(),
                ..Default::default()
            })
            .unwrap(),
        ));
        region_result(ScopeStatus::Completed, "eu-west-1", vec![web, bare])
    }

    fn profile_links(outcome: &DiscoveryOutcome) -> Vec<(String, String)> {
        outcome
            .inventory
            .edges
            .iter()
            .filter(|edge| edge.kind == EdgeKind::AssociatedWith)
            .map(|edge| (edge.src.to_string(), edge.dst.to_string()))
            .collect()
    }

    #[test]
    fn a_failed_global_scope_keeps_the_regions_instance_profile_edges() {
        let failed_global = region_result(
            ScopeStatus::Failed {
                error: "access denied listing IAM users".into(),
            },
            GLOBAL_REGION,
            Vec::new(),
        );
        let outcome = assemble(vec![failed_global, region_with_instances()]);
        assert_eq!(
            profile_links(&outcome),
            [(
                "aws:eu-west-1:aws.ec2.instance:i-web".to_string(),
                "aws:global:aws.iam.instance_profile:web".to_string()
            )]
        );
    }

    #[test]
    fn a_completed_global_scope_links_instances_once_and_only_to_profiles_it_found() {
        let profile = owned(Node::aws(
            GLOBAL_REGION,
            NodeType::IamInstanceProfile,
            "web",
            serde_json::to_value(IamInstanceProfileProperties {
                instance_profile_name: "web".into(),
                arn: PROFILE_ARN.into(),
                role_names: vec!["web".into()],
            })
            .unwrap(),
        ));
        let global = region_result(ScopeStatus::Completed, GLOBAL_REGION, vec![profile]);
        let outcome = assemble(vec![region_with_instances(), global]);
        assert_eq!(
            profile_links(&outcome),
            [(
                "aws:eu-west-1:aws.ec2.instance:i-web".to_string(),
                "aws:global:aws.iam.instance_profile:web".to_string()
            )]
        );
        // The profile is gone from a global scope that completed: the edge goes with it.
        let empty_global = region_result(ScopeStatus::Completed, GLOBAL_REGION, Vec::new());
        let outcome = assemble(vec![region_with_instances(), empty_global]);
        assert_eq!(profile_links(&outcome), []);
        // Results arrive in any order; the outcome is sorted by account and region.
        assert_eq!(outcome.scopes[0].scope.region, "eu-west-1");
    }
}
