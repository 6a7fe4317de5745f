//! SDK calls only: every metric alarm of one region. A failed listing is a gap, not a failed scope:
//! the region's other resources are still worth having, and the caller then gives no CIS 4.x
//! verdict (unknown, not "no alarms"). aws-sdk-cloudwatch is pinned to 1.99.0 (awsQuery): later
//! releases speak Smithy RPC v2 CBOR, which moto 5.2 does not serve (it answers 404), and AWS
//! still serves awsQuery.

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
) -> Result<Result<Vec<Node>, String>, FetchError> {
    let mut nodes = Vec::new();
    let listed = each_page!(
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
    );
    Ok(listed.map(|()| nodes))
}
