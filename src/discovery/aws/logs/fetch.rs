//! SDK calls only: every log group and metric filter of one region. Both listings are required: a
//! region whose CloudWatch Logs cannot be listed fails its scope rather than reading as "no
//! monitoring".

use aws_sdk_cloudwatchlogs::Client;

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
        "log groups",
        client.describe_log_groups().into_paginator().send(),
        |page| {
            nodes.extend(
                page.log_groups()
                    .iter()
                    .filter_map(|group| transform::transform_log_group(origin, group)),
            );
            page.log_groups().len()
        }
    )
    .map_err(FetchError::Failed)?;
    each_page!(
        control,
        scope,
        "metric filters",
        client.describe_metric_filters().into_paginator().send(),
        |page| {
            nodes.extend(
                page.metric_filters()
                    .iter()
                    .filter_map(|filter| transform::transform_metric_filter(origin, filter)),
            );
            page.metric_filters().len()
        }
    )
    .map_err(FetchError::Failed)?;
    Ok(nodes)
}
