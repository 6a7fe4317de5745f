//! Security Hub: whether the hub is enabled in the region (CIS 4.16). `DescribeHub` answering is
//! "enabled"; its `InvalidAccessException` ("not subscribed") is "disabled"; anything else (an
//! endpoint without the API, access denied) is an honest unknown: no node and a recorded gap, so
//! the control reads as not assessed there rather than failed. No edges.
//! Registered in `aws::service::SERVICES`.

pub mod transform;

use super::classify::{Failure, classify, describe_sdk_error};
use super::service::{AwsService, CollectFuture, Collected, RegionContext};
use crate::model::{Edge, Node};
use aws_sdk_securityhub::error::ProvideErrorMetadata;

pub const SERVICE: AwsService = AwsService {
    name: "securityhub",
    collect,
    link,
};

fn link(_region: &str, _nodes: &mut [Node]) -> Vec<Edge> {
    Vec::new()
}

/// The error code of an account not subscribed to Security Hub.
const NOT_SUBSCRIBED: &str = "InvalidAccessException";

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_securityhub::Client::new(context.sdk);
        let region = &context.origin.region;
        let mut collected = Collected::default();
        match client.describe_hub().send().await {
            Ok(hub) => collected.nodes.push(transform::hub_node(
                context.origin,
                true,
                hub.hub_arn(),
                hub.subscribed_at(),
            )),
            Err(error) => {
                let code = error.as_service_error().and_then(|service| service.code());
                if code == Some(NOT_SUBSCRIBED) {
                    collected
                        .nodes
                        .push(transform::hub_node(context.origin, false, None, None));
                } else {
                    if classify(&error) == Failure::Throttled {
                        tracing::info!(region, "security hub throttled after retries");
                    }
                    collected.gaps.push(describe_sdk_error(
                        "reading the security hub",
                        region,
                        &error,
                    ));
                }
            }
        }
        Ok(collected)
    })
}
