//! Classic Elastic Load Balancing: load balancers with their listeners, subnets, security groups,
//! registered instances and attributes. `fetch` makes the SDK calls, `transform` turns SDK
//! values into nodes (pure), `edges` links each load balancer to its subnets, security groups and
//! instances. Registered in `aws::service::SERVICES`.

mod edges;
mod fetch;
pub mod transform;

pub use edges::link;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};

pub const SERVICE: AwsService = AwsService {
    name: "elb",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_elasticloadbalancing::Client::new(context.sdk);
        let (nodes, gaps) =
            fetch::collect_region(&client, context.origin, context.scope, context.control).await?;
        Ok(Collected { nodes, gaps })
    })
}
