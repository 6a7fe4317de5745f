//! IAM, a global service (registered in `aws::service::GLOBAL_SERVICES`, so it runs once per
//! account under the scope region `global`): the account's root user and password policy, the
//! credential report, users, groups, roles, managed policies, instance profiles and server
//! certificates. `fetch` makes the SDK calls, `transform` turns SDK values into nodes (pure),
//! `edges` links them (and links EC2 instances to their instance profiles across scopes).

mod edges;
mod fetch;
pub mod transform;

pub use edges::{link, link_instances_to_profiles};

use super::service::{AwsService, CollectFuture, Collected, RegionContext};

pub const SERVICE: AwsService = AwsService {
    name: "iam",
    collect,
    link,
};

fn collect<'a>(context: &'a RegionContext<'a>) -> CollectFuture<'a> {
    Box::pin(async move {
        let client = aws_sdk_iam::Client::new(context.sdk);
        // Ages are counted from the moment of discovery (see `model::properties::iam`).
        let now = chrono::Utc::now();
        let (nodes, gaps) =
            fetch::collect_account(&client, context.origin, context.scope, context.control, now)
                .await?;
        Ok(Collected { nodes, gaps })
    })
}
