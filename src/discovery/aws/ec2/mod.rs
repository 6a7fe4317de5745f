//! EC2, with the VPC and EBS resources its API serves: instances, network interfaces, elastic
//! IPs, VPCs, subnets, route tables, gateways, peering, security groups, network ACLs, transit
//! gateways, endpoints, flow logs, prefix lists, volumes, snapshots and the region's EBS
//! settings. `fetch` makes the SDK calls, `transform` turns SDK values into nodes (pure),
//! `edges` links them. Registered in `aws::service::SERVICES`.

mod edges;
mod fetch;
pub mod transform;

pub use edges::link;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};

pub const SERVICE: AwsService = AwsService {
    name: "ec2",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_ec2::Client::new(context.sdk);
        let (nodes, gaps) =
            fetch::collect_region(&client, context.origin, context.scope, context.control).await?;
        Ok(Collected { nodes, gaps })
    })
}
