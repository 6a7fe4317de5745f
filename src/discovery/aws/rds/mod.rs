//! RDS: DB instances, DB clusters, and DB (cluster) snapshots with their `restore` attribute.
//! `fetch` makes the SDK calls, `transform` turns SDK values into nodes (pure), `edges` links
//! them to their subnets, security groups, cluster and source. Registered in
//! `aws::service::SERVICES`; the tracer reads the instances' placement (`pathtrace/managed.rs`).

mod edges;
mod fetch;
pub mod transform;

pub use edges::link;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};

pub const SERVICE: AwsService = AwsService {
    name: "rds",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_rds::Client::new(context.sdk);
        let (nodes, gaps) =
            fetch::collect_region(&client, context.origin, context.scope, context.control).await?;
        Ok(Collected { nodes, gaps })
    })
}
