//! KMS: the customer-managed keys of one region (AWS-managed keys are skipped) with their state,
//! rotation and whether their key policy is public. `fetch` makes the SDK calls, `transform` is
//! pure; keys have no outgoing edges (trails and file systems link to them). Registered in
//! `aws::service::SERVICES`.

mod fetch;
pub mod transform;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};
use crate::model::{Edge, Node};

pub const SERVICE: AwsService = AwsService {
    name: "kms",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_kms::Client::new(context.sdk);
        let (nodes, gaps) = fetch::collect_region(&client, context).await?;
        Ok(Collected { nodes, gaps })
    })
}

fn link(_region: &str, _nodes: &mut [Node]) -> Vec<Edge> {
    Vec::new()
}
