//! Pure: the region's Security Hub node from what `DescribeHub` answered.

use crate::model::properties::*;
use crate::model::{Node, NodeType};

pub use super::super::service::Origin;

/// One node per account and region; raw id `<account>` (`aws:<region>:aws.securityhub.hub:<account>`).
pub fn hub_node(
    origin: &Origin,
    enabled: bool,
    hub_arn: Option<&str>,
    subscribed_at: Option<&str>,
) -> Node {
    let raw_id = if origin.account.is_empty() {
        "unknown"
    } else {
        origin.account.as_str()
    };
    let properties = SecurityHubProperties {
        enabled,
        hub_arn: hub_arn.map(str::to_string),
        subscribed_at: subscribed_at.map(str::to_string),
    };
    let mut node = Node::aws(
        &origin.region,
        NodeType::SecurityHub,
        raw_id,
        to_json(&properties),
    );
    node.account = origin.account.clone();
    node.name = format!("Security Hub {}", origin.region);
    node
}
