//! SDK calls only: DescribeFileSystems (paged).

use aws_sdk_efs::Client;

use super::super::classify::describe_sdk_error;
use super::super::optional_call::is_unsupported;
use super::super::service::{FetchError, RegionContext};
use super::transform;
use crate::discovery::ProgressEvent;
use crate::model::Node;

pub async fn collect_region(
    client: &Client,
    context: &RegionContext<'_>,
) -> Result<(Vec<Node>, Vec<String>), FetchError> {
    let (origin, scope, control) = (context.origin, context.scope, context.control);
    let region = origin.region.as_str();
    let mut nodes = Vec::new();
    let mut pages = client.describe_file_systems().into_paginator().send();
    while let Some(page) = pages.next().await {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        match page {
            Ok(page) => {
                nodes.extend(
                    page.file_systems()
                        .iter()
                        .map(|file_system| transform::transform_file_system(origin, file_system)),
                );
                control.report(ProgressEvent::PageFetched {
                    scope: scope.clone(),
                    resource: "efs file systems",
                    items: page.file_systems().len(),
                });
            }
            Err(error) if is_unsupported(&error) => {
                let line = describe_sdk_error("listing efs file systems", region, &error);
                return Ok((Vec::new(), vec![line]));
            }
            Err(error) => {
                return Err(FetchError::Failed(describe_sdk_error(
                    "listing efs file systems",
                    region,
                    &error,
                )));
            }
        }
    }
    Ok((nodes, Vec::new()))
}
