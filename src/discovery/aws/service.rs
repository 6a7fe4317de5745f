//! The AWS service registry: each service module (`ec2`, and next `rds`, `iam`, …) owns its SDK
//! client, its fetch (paginators only), its pure transforms and the edges of its resource types,
//! and registers one `AwsService` in `SERVICES`. The provider (`aws/mod.rs`) iterates that list
//! for every region: adding a service is a new module and one line here, never an edit to the
//! provider's loop.

use std::future::Future;
use std::pin::Pin;

use aws_config::SdkConfig;

use super::ec2;
use super::{cloudwatch, logs, securityhub, sns};
// rds, lambda, eks (managed endpoints)
use super::iam;
use super::{accessanalyzer, cloudtrail, config, efs, kms, s3};
use super::{eks, lambda, rds};
use super::{elb, elbv2};
use crate::discovery::DiscoveryControl;
use crate::model::{Edge, Node, Scope};

/// Where the resources come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub account: String,
    pub region: String,
}

/// Why a service's collection in one region stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    Cancelled,
    /// A required call failed: the scope fails (one classified line, see `classify`).
    Failed(String),
}

/// What one service's collection needs: the region's SDK configuration (each service builds its
/// own client from it), where the resources come from, and the job's control.
pub struct RegionContext<'a> {
    pub sdk: &'a SdkConfig,
    pub origin: &'a Origin,
    pub scope: &'a Scope,
    pub control: &'a DiscoveryControl,
}

/// One service's nodes in one region, and the optional calls the endpoint did not support.
#[derive(Debug, Default)]
pub struct Collected {
    pub nodes: Vec<Node>,
    pub gaps: Vec<String>,
}

pub type CollectFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Collected, FetchError>> + Send + 'a>>;

/// One AWS service as the provider sees it.
pub struct AwsService {
    /// The service's name in logs and docs (`ec2`).
    pub name: &'static str,
    /// Fetches and transforms the service's resources of one region.
    pub collect: for<'a> fn(&'a RegionContext<'a>) -> CollectFuture<'a>,
    /// Derives the edges that start at the service's resources (and fills properties that come
    /// from other resources), given every node of the region, whichever service found it.
    pub link: fn(region: &str, nodes: &mut [Node]) -> Vec<Edge>,
}

/// Every service discovery runs, in order.
pub const SERVICES: &[AwsService] = &[
    ec2::SERVICE,
    // monitoring (`cloudwatch` after `logs` and `sns`: its link reads their nodes)
    logs::SERVICE,
    sns::SERVICE,
    cloudwatch::SERVICE,
    securityhub::SERVICE,
    // rds, lambda, eks (managed endpoints)
    rds::SERVICE,
    lambda::SERVICE,
    eks::SERVICE,
    s3::SERVICE,
    cloudtrail::SERVICE,
    config::SERVICE,
    accessanalyzer::SERVICE,
    kms::SERVICE,
    efs::SERVICE,
    // elbv2, elb
    elbv2::SERVICE,
    elb::SERVICE,
];

/// Services whose resources are global (IAM): run once per account, under the scope region
/// `global`, with the SDK pointed at the job's first region. Listing a service here rather than in
/// `SERVICES` is how it declares itself global.
pub const GLOBAL_SERVICES: &[AwsService] = &[iam::SERVICE];

/// Edges whose ends are in different scopes (a regional instance → a global instance profile),
/// derived once over the whole job's nodes. Each edge belongs to its source node's scope.
pub const CROSS_SCOPE_LINKS: &[CrossScopeLink] = &[iam::link_instances_to_profiles];

/// Derives edges over every node of a job, whatever its scope.
pub type CrossScopeLink = fn(nodes: &[Node]) -> Vec<Edge>;
