//! SDK calls only: load balancers, their listeners and attributes, target groups, their
//! attributes and target health. Listing load balancers and target groups is required; the
//! per-resource calls (attributes, health) are optional: an endpoint that does not support one is
//! recorded as a gap and the resource keeps its defaults.

use aws_sdk_elasticloadbalancingv2::Client;

use super::super::classify::describe_sdk_error;
use super::super::service::{FetchError, Origin};
use super::transform::{self, TargetGroupDetails};
use crate::discovery::{DiscoveryControl, ProgressEvent};
use crate::model::{Node, Scope};

/// Collects every load balancer, listener and target group of one region.
pub async fn collect_region(
    client: &Client,
    origin: &Origin,
    scope: &Scope,
    control: &DiscoveryControl,
) -> Result<(Vec<Node>, Vec<String>), FetchError> {
    let mut nodes = Vec::new();
    let mut gaps: Vec<String> = Vec::new();
    let region = scope.region.as_str();
    let gap = |gaps: &mut Vec<String>, message: String| {
        if !gaps.contains(&message) {
            gaps.push(message);
        }
    };

    let mut load_balancers = Vec::new();
    let mut pages = client.describe_load_balancers().into_paginator().send();
    while let Some(page) = pages.next().await {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        let page = page.map_err(|error| {
            FetchError::Failed(describe_sdk_error("listing load balancers", region, &error))
        })?;
        control.report(ProgressEvent::PageFetched {
            scope: scope.clone(),
            resource: "load balancers",
            items: page.load_balancers().len(),
        });
        load_balancers.extend(page.load_balancers().iter().cloned());
    }
    for load_balancer in &load_balancers {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        let Some(arn) = load_balancer.load_balancer_arn() else {
            continue;
        };
        let attributes = match client
            .describe_load_balancer_attributes()
            .load_balancer_arn(arn)
            .send()
            .await
        {
            Ok(answer) => answer.attributes().to_vec(),
            Err(error) => {
                gap(
                    &mut gaps,
                    describe_sdk_error("reading load balancer attributes", region, &error),
                );
                Vec::new()
            }
        };
        nodes.extend(transform::transform_load_balancer(
            origin,
            load_balancer,
            &attributes,
        ));
        let mut listeners = client
            .describe_listeners()
            .load_balancer_arn(arn)
            .into_paginator()
            .send();
        while let Some(page) = listeners.next().await {
            match page {
                Ok(page) => nodes.extend(
                    page.listeners()
                        .iter()
                        .filter_map(|listener| transform::transform_listener(origin, listener)),
                ),
                Err(error) => {
                    return Err(FetchError::Failed(describe_sdk_error(
                        "listing listeners",
                        region,
                        &error,
                    )));
                }
            }
        }
    }

    let mut pages = client.describe_target_groups().into_paginator().send();
    let mut target_groups = Vec::new();
    while let Some(page) = pages.next().await {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        let page = page.map_err(|error| {
            FetchError::Failed(describe_sdk_error("listing target groups", region, &error))
        })?;
        control.report(ProgressEvent::PageFetched {
            scope: scope.clone(),
            resource: "target groups",
            items: page.target_groups().len(),
        });
        target_groups.extend(page.target_groups().iter().cloned());
    }
    for group in &target_groups {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        let Some(arn) = group.target_group_arn() else {
            continue;
        };
        let mut details = TargetGroupDetails::default();
        match client
            .describe_target_group_attributes()
            .target_group_arn(arn)
            .send()
            .await
        {
            Ok(answer) => details.attributes = answer.attributes().to_vec(),
            Err(error) => gap(
                &mut gaps,
                describe_sdk_error("reading target group attributes", region, &error),
            ),
        }
        match client
            .describe_target_health()
            .target_group_arn(arn)
            .send()
            .await
        {
            Ok(answer) => details.health = answer.target_health_descriptions().to_vec(),
            Err(error) => gap(
                &mut gaps,
                describe_sdk_error("reading target health", region, &error),
            ),
        }
        nodes.extend(transform::transform_target_group(origin, group, &details));
    }
    Ok((nodes, gaps))
}
