//! IAM Access Analyzer: the analyzers of one region and the region's
//! `aws.accessanalyzer.region_settings`, written only where the API answered (an endpoint without
//! it, such as moto, is a recorded gap: "unknown", never "disabled"). `fetch` makes the SDK calls,
//! `transform` is pure; no edges. Registered in `aws::service::SERVICES`.

mod fetch;
pub mod transform;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};
use super::unimplemented_api::UnimplementedApiIsFinal;
use crate::model::{Edge, Node};

pub const SERVICE: AwsService = AwsService {
    name: "accessanalyzer",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        // An endpoint without the API (moto) answers an HTML 500: a gap at once, not after five
        // attempts with backoff.
        let config = aws_sdk_accessanalyzer::config::Builder::from(context.sdk)
            .retry_classifier(UnimplementedApiIsFinal)
            .build();
        let client = aws_sdk_accessanalyzer::Client::from_conf(config);
        let (nodes, gaps) = fetch::collect_region(&client, context).await?;
        Ok(Collected { nodes, gaps })
    })
}

fn link(_region: &str, _nodes: &mut [Node]) -> Vec<Edge> {
    Vec::new()
}
