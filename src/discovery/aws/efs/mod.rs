//! EFS: the file systems of one region, encrypted at rest or not, linked to their KMS key.
//! `fetch` makes the SDK calls, `transform` is pure, `edges` links. Registered in
//! `aws::service::SERVICES`.

mod edges;
mod fetch;
pub mod transform;

pub use edges::link;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};

pub const SERVICE: AwsService = AwsService {
    name: "efs",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_efs::Client::new(context.sdk);
        let (nodes, gaps) = fetch::collect_region(&client, context).await?;
        Ok(Collected { nodes, gaps })
    })
}
