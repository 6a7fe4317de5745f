//! IAM Access Analyzer: the analyzers of one region and the region's
//! `aws.accessanalyzer.region_settings`, written only where the API answered (an endpoint without
//! it, such as moto, is a recorded gap: "unknown", never "disabled"). `fetch` makes the SDK calls,
//! `transform` is pure; no edges. Registered in `aws::service::SERVICES`.

mod fetch;
pub mod transform;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};
use crate::model::{Edge, Node};

pub const SERVICE: AwsService = AwsService {
    name: "accessanalyzer",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_accessanalyzer::Client::new(context.sdk);
        let (nodes, gaps) = fetch::collect_region(&client, context).await?;
        Ok(Collected { nodes, gaps })
    })
}

fn link(_region: &str, _nodes: &mut [Node]) -> Vec<Edge> {
    Vec::new()
}
