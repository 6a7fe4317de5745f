//! Elastic Load Balancing v2: application and network load balancers, their listeners, target
//! groups and registered targets. `fetch` makes the SDK calls, `transform` turns SDK values into
//! nodes (pure), `edges` links load balancer → listener → target group → target and the load
//! balancer to its subnets and security groups. Registered in `aws::service::SERVICES`.

pub(super) mod edges;
mod fetch;
pub mod transform;

pub use edges::link;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};

pub const SERVICE: AwsService = AwsService {
    name: "elbv2",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_elasticloadbalancingv2::Client::new(context.sdk);
        let (nodes, gaps) =
            fetch::collect_region(&client, context.origin, context.scope, context.control).await?;
        Ok(Collected { nodes, gaps })
    })
}
