//! CloudTrail: the trails of one region (a multi-region trail is a node in its home region only)
//! with their status and event selectors, and the region's `aws.cloudtrail.region_settings`: which
//! trails cover the region, counting other regions' multi-region trails (their shadow copies).
//! `fetch` makes the SDK calls (a trail's status and selectors are read in its home region),
//! `transform` is pure, `edges` links a trail to its bucket, log group and KMS key. Registered in
//! `aws::service::SERVICES`.

mod edges;
mod fetch;
pub mod transform;

pub use edges::link;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};

pub const SERVICE: AwsService = AwsService {
    name: "cloudtrail",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let (nodes, gaps) = fetch::collect_region(context).await?;
        Ok(Collected { nodes, gaps })
    })
}
