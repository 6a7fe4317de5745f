//! CloudWatch: metric alarms (metric, state, SNS actions) and the per-region CIS section 4 summary
//! node (`aws.cloudwatch.cis_monitoring`) whose verdicts `edges::link` computes from the region's
//! trails, log groups, metric filters, alarms and topics. The summary exists only where the
//! alarms could be listed (otherwise a gap). `fetch` makes the SDK calls, `transform`
//! turns SDK values into nodes (pure). Registered in `aws::service::SERVICES` after `logs` and
//! `sns`, whose nodes its `link` reads.

mod edges;
mod fetch;
pub mod transform;

pub use edges::{link, link_with_trails};

use super::service::{AwsService, CollectFuture, Collected, RegionContext};

pub const SERVICE: AwsService = AwsService {
    name: "cloudwatch",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_cloudwatch::Client::new(context.sdk);
        let listed =
            fetch::collect_region(&client, context.origin, context.scope, context.control).await?;
        match listed {
            Ok(mut nodes) => {
                nodes.push(transform::cis_monitoring_node(context.origin));
                Ok(Collected {
                    nodes,
                    gaps: Vec::new(),
                })
            }
            // Without the alarms no chain can be judged: no summary node, so CIS 4.1-4.15 read
            // as not assessed in this region rather than failed.
            Err(gap) => Ok(Collected {
                nodes: Vec::new(),
                gaps: vec![gap],
            }),
        }
    })
}
