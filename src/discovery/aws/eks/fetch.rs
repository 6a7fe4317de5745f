//! SDK calls only: list cluster names (paginated), then describe each. The listing fails the
//! scope unless the endpoint does not offer EKS at all (a gap); a cluster deleted between the two
//! calls is skipped, and any other failure to describe one fails the scope (a cluster we cannot
//! read might be the exposed one).

use aws_sdk_eks::Client;

use super::super::classify::{describe_sdk_error, gap_if_unsupported};
use super::super::service::{FetchError, Origin};
use super::transform;
use crate::discovery::{DiscoveryControl, ProgressEvent};
use crate::model::{Node, Scope};

pub async fn collect_region(
    client: &Client,
    origin: &Origin,
    scope: &Scope,
    control: &DiscoveryControl,
) -> Result<(Vec<Node>, Vec<String>), FetchError> {
    let mut nodes = Vec::new();
    let mut gaps = Vec::new();
    let mut names = Vec::new();
    let mut stream = client.list_clusters().into_paginator().send();
    while let Some(page) = stream.next().await {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        match page {
            Ok(page) => {
                names.extend(page.clusters().iter().cloned());
                control.report(ProgressEvent::PageFetched {
                    scope: scope.clone(),
                    resource: "eks clusters",
                    items: page.clusters().len(),
                });
            }
            Err(error) => {
                match gap_if_unsupported("listing eks clusters", &scope.region, &error) {
                    Ok(gap) => gaps.push(gap),
                    Err(line) => return Err(FetchError::Failed(line)),
                }
                return Ok((nodes, gaps));
            }
        }
    }
    for name in &names {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        match client.describe_cluster().name(name).send().await {
            Ok(answer) => {
                if let Some(cluster) = answer.cluster() {
                    nodes.extend(transform::transform_cluster(origin, cluster));
                }
            }
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|service| service.is_resource_not_found_exception()) => {}
            Err(error) => {
                return Err(FetchError::Failed(describe_sdk_error(
                    "describing an eks cluster",
                    &scope.region,
                    &error,
                )));
            }
        }
    }
    Ok((nodes, gaps))
}
