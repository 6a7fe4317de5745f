//! Lambda: functions with their runtime (and whether AWS has deprecated it, `runtimes`), VPC
//! placement, function URL and its auth type, and whether the resource policy lets anyone
//! (`*`, no condition) invoke it. `fetch` makes the SDK calls, `transform` is pure, `edges` links
//! functions to subnets and security groups. Registered in `aws::service::SERVICES`.

mod edges;
mod fetch;
pub mod runtimes;
pub mod transform;

pub use edges::link;

use super::service::{AwsService, CollectFuture, Collected, RegionContext};

pub const SERVICE: AwsService = AwsService {
    name: "lambda",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_lambda::Client::new(context.sdk);
        let (nodes, gaps) =
            fetch::collect_region(&client, context.origin, context.scope, context.control).await?;
        Ok(Collected { nodes, gaps })
    })
}
