//! SNS: topics with their subscriptions (protocol, endpoint, confirmed or pending), which the
//! `cloudwatch` service's CIS verdicts need ("an alarm that notifies a subscriber"). `fetch` makes
//! the SDK calls, `transform` builds nodes (pure). Topics start no edges (alarms point at them),
//! so the service's `link` is empty. Registered in `aws::service::SERVICES`.

mod fetch;
pub mod transform;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};
use crate::model::{Edge, Node};

pub const SERVICE: AwsService = AwsService {
    name: "sns",
    collect,
    link,
};

fn link(_region: &str, _nodes: &mut [Node]) -> Vec<Edge> {
    Vec::new()
}

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_sns::Client::new(context.sdk);
        let (nodes, gaps) =
            fetch::collect_region(&client, context.origin, context.scope, context.control).await?;
        Ok(Collected { nodes, gaps })
    })
}
