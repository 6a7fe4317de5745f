//! S3: the buckets of one region (ListBuckets lists every bucket of the account; each region keeps
//! its own) with their public access block, policy, ACL, default encryption, versioning, access
//! logging and object lock, and the account's public access block (S3 Control) as the region's
//! `aws.s3.account_settings` node. `fetch` makes the SDK calls, `transform` is pure, `edges` links
//! a bucket to its access-log bucket. Registered in `aws::service::SERVICES`.

mod edges;
mod fetch;
pub mod transform;

pub use edges::link;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};

pub const SERVICE: AwsService = AwsService {
    name: "s3",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        // A custom endpoint (a local S3) cannot serve virtual-hosted bucket names.
        let path_style = context.sdk.endpoint_url().is_some();
        let config = aws_sdk_s3::config::Builder::from(context.sdk)
            .force_path_style(path_style)
            .build();
        let client = aws_sdk_s3::Client::from_conf(config);
        let control_client = aws_sdk_s3control::Client::new(context.sdk);
        let (nodes, gaps) = fetch::collect_region(&client, &control_client, context).await?;
        Ok(Collected { nodes, gaps })
    })
}
