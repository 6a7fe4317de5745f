//! CloudWatch: metric alarms (metric, state, SNS actions) and the per-region CIS section 4 summary
//! node (`aws.cloudwatch.cis_monitoring`) whose verdicts `edges::link` computes from the region's
//! trails, log groups, metric filters, alarms and topics. `fetch` makes the SDK calls, `transform`
//! turns SDK values into nodes (pure). Registered in `aws::service::SERVICES` after `logs` and
//! `sns`, whose nodes its `link` reads.

mod edges;
mod fetch;
pub mod transform;

pub use edges::link;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};

pub const SERVICE: AwsService = AwsService {
    name: "cloudwatch",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_cloudwatch::Client::new(context.sdk);
        let mut nodes =
            fetch::collect_region(&client, context.origin, context.scope, context.control).await?;
        nodes.push(transform::cis_monitoring_node(context.origin));
        Ok(Collected {
            nodes,
            gaps: Vec::new(),
        })
    })
}
