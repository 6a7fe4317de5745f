//! SDK calls only: classic load balancers (required) and each one's attributes (optional: an
//! endpoint that does not support the call is recorded as a gap).

use aws_sdk_elasticloadbalancing::Client;

use super::super::classify::describe_sdk_error;
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
    let region = scope.region.as_str();
    let mut descriptions = Vec::new();
    let mut pages = client.describe_load_balancers().into_paginator().send();
    while let Some(page) = pages.next().await {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        let page = page.map_err(|error| {
            FetchError::Failed(describe_sdk_error(
                "listing classic load balancers",
                region,
                &error,
            ))
        })?;
        control.report(ProgressEvent::PageFetched {
            scope: scope.clone(),
            resource: "classic load balancers",
            items: page.load_balancer_descriptions().len(),
        });
        descriptions.extend(page.load_balancer_descriptions().iter().cloned());
    }
    let mut nodes = Vec::new();
    let mut gaps: Vec<String> = Vec::new();
    for description in &descriptions {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        let Some(name) = description.load_balancer_name() else {
            continue;
        };
        let attributes = match client
            .describe_load_balancer_attributes()
            .load_balancer_name(name)
            .send()
            .await
        {
            Ok(answer) => answer.load_balancer_attributes().cloned(),
            Err(error) => {
                let message =
                    describe_sdk_error("reading classic load balancer attributes", region, &error);
                if !gaps.contains(&message) {
                    gaps.push(message);
                }
                None
            }
        };
        nodes.extend(transform::transform_load_balancer(
            origin,
            description,
            attributes.as_ref(),
        ));
    }
    Ok((nodes, gaps))
}
