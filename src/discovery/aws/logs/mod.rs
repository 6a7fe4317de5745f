//! CloudWatch Logs: log groups (retention, KMS key) and metric filters (pattern text, the metrics
//! they publish, and the CIS section 4 controls the pattern implements, from `cis_patterns`).
//! `fetch` makes the SDK calls, `transform` turns SDK values into nodes (pure), `edges` links a
//! filter to its log group. Registered in `aws::service::SERVICES`.

pub mod cis_patterns;
mod edges;
mod fetch;
pub mod transform;

pub use edges::link;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};

pub const SERVICE: AwsService = AwsService {
    name: "logs",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_cloudwatchlogs::Client::new(context.sdk);
        let nodes =
            fetch::collect_region(&client, context.origin, context.scope, context.control).await?;
        Ok(Collected {
            nodes,
            gaps: Vec::new(),
        })
    })
}
