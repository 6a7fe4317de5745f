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
        // A custom endpoint (a local S3) cannot serve virtual-hosted bucket names, nor S3
        // Control's account host names.
        let custom_endpoint = context.sdk.endpoint_url();
        let config = aws_sdk_s3::config::Builder::from(context.sdk)
            .force_path_style(custom_endpoint.is_some())
            .build();
        let client = aws_sdk_s3::Client::from_conf(config);
        let mut control_config = aws_sdk_s3control::config::Builder::from(context.sdk);
        if let Some(url) = custom_endpoint {
            control_config = control_config.endpoint_resolver(EndpointAsGiven(url.to_string()));
        }
        let control_client = aws_sdk_s3control::Client::from_conf(control_config.build());
        let (nodes, gaps) = fetch::collect_region(&client, &control_client, context).await?;
        Ok(Collected { nodes, gaps })
    })
}

/// S3 Control's endpoint for a custom endpoint URL: the URL itself. The SDK's rules put the
/// account in the host name (`{account}.{endpoint}`), which a local S3 (one host, moto) cannot
/// resolve: the account public access block was a gap there, after ten seconds of retried
/// lookups. The account still travels in the `x-amz-account-id` header. Installed only with an
/// endpoint URL: against AWS itself the SDK's own rules answer.
#[derive(Debug)]
struct EndpointAsGiven(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for EndpointAsGiven {
    fn resolve_endpoint<'a>(
        &'a self,
        _params: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
            aws_sdk_s3control::config::endpoint::Endpoint::builder()
                .url(self.0.clone())
                .build(),
        ))
    }
}
