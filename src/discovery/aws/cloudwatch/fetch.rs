//! SDK calls only: every metric alarm of one region (required: without alarms no CIS 4.x verdict
//! can be given, so a failure fails the scope).

use aws_sdk_cloudwatch::Client;

use super::super::paged::each_page;
use super::super::service::{FetchError, Origin};
use super::transform;
use crate::discovery::DiscoveryControl;
use crate::model::{Node, Scope};

pub async fn collect_region(
    client: &Client,
    origin: &Origin,
    scope: &Scope,
    control: &DiscoveryControl,
) -> Result<Vec<Node>, FetchError> {
    let mut nodes = Vec::new();
    each_page!(
        control,
        scope,
        "metric alarms",
        client.describe_alarms().into_paginator().send(),
        |page| {
            nodes.extend(
                page.metric_alarms()
                    .iter()
                    .filter_map(|alarm| transform::transform_alarm(origin, alarm)),
            );
            page.metric_alarms().len()
        }
    )
    .map_err(FetchError::Failed)?;
    Ok(nodes)
}
