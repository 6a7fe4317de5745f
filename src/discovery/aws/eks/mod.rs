//! EKS: clusters with their API endpoint access (public, private, public CIDRs), VPC placement
//! and control-plane logging. `fetch` makes the SDK calls, `transform` is pure, `edges` links
//! clusters to subnets and security groups. Registered in `aws::service::SERVICES`; the tracer
//! reads the endpoint access (`pathtrace/managed.rs`).

mod edges;
mod fetch;
pub mod transform;

pub use edges::link;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};

pub const SERVICE: AwsService = AwsService {
    name: "eks",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_eks::Client::new(context.sdk);
        let (nodes, gaps) =
            fetch::collect_region(&client, context.origin, context.scope, context.control).await?;
        Ok(Collected { nodes, gaps })
    })
}
