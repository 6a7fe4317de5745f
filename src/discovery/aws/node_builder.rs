//! Builds a node of one scope from a typed properties struct: the one constructor the service
//! transforms share (EC2, RDS, ELBv2, IAM, S3, CloudTrail, Config, Access Analyzer, KMS, EFS), so
//! id, account, name and tag rules are written once. Pure.

use std::collections::BTreeMap;

use serde::Serialize;

use super::service::Origin;
use crate::model::properties::to_json;
use crate::model::{Node, NodeId, NodeType};

/// A node with id `aws:<region>:<type>:<raw_id>`, named `name` (or its `Name` tag when it has one).
pub fn regional_node(
    origin: &Origin,
    node_type: NodeType,
    raw_id: &str,
    name: &str,
    tags: BTreeMap<String, String>,
    properties: &impl Serialize,
) -> Node {
    let name = tags
        .get("Name")
        .cloned()
        .unwrap_or_else(|| name.to_string());
    Node {
        id: NodeId::aws(&origin.region, node_type, raw_id),
        node_type,
        provider: "aws".to_string(),
        region: origin.region.clone(),
        account: origin.account.clone(),
        name,
        tags,
        properties: to_json(properties),
    }
}

/// The `(region, raw id)` of a KMS key ARN (`arn:aws:kms:<region>:<account>:key/<id>`), so an
/// edge names the key's node; `None` for aliases and bare ids, whose region is not written.
pub fn kms_key_of_arn(arn: &str) -> Option<(String, String)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("kms"), Some(region), Some(_), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let key_id = resource.strip_prefix("key/")?;
    Some((region.to_string(), key_id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_arns_name_their_region_and_id_and_aliases_do_not() {
        assert_eq!(
            kms_key_of_arn("arn:aws:kms:eu-west-1:123456789012:key/1234-abcd"),
            Some(("eu-west-1".to_string(), "1234-abcd".to_string()))
        );
        assert_eq!(
            kms_key_of_arn("arn:aws:kms:eu-west-1:123456789012:alias/logs"),
            None
        );
        assert_eq!(kms_key_of_arn("1234-abcd"), None);
    }
}
