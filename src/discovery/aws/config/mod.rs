//! AWS Config: the configuration recorders of one region with their status, and the region's
//! `aws.config.region_settings` (how many recorders, whether one records), so a region without a
//! recorder fails a rule. `fetch` makes the SDK calls, `transform` is pure; no edges. Registered
//! in `aws::service::SERVICES`.

mod fetch;
pub mod transform;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};
use crate::model::{Edge, Node};

pub const SERVICE: AwsService = AwsService {
    name: "config",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_config::Client::new(context.sdk);
        let (nodes, gaps) = fetch::collect_region(&client, context).await?;
        Ok(Collected { nodes, gaps })
    })
}

fn link(_region: &str, _nodes: &mut [Node]) -> Vec<Edge> {
    Vec::new()
}
