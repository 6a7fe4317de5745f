//! Links a bucket to the bucket that receives its access logs (same region, as S3 requires) and
//! lays the account's public access block over each bucket of the region. Pure.

use serde_json::json;

use crate::model::properties::{S3AccountSettingsProperties, S3BucketProperties};
use crate::model::{Edge, EdgeKind, Node, NodeId, NodeType};

pub fn link(region: &str, nodes: &mut [Node]) -> Vec<Edge> {
    let account_block = nodes
        .iter()
        .find(|node| node.node_type == NodeType::S3AccountSettings)
        .and_then(|node| node.properties_as::<S3AccountSettingsProperties>().ok())
        .map(|settings| settings.public_access_block.unwrap_or_default());
    let mut edges = Vec::new();
    for node in nodes.iter_mut() {
        if node.node_type != NodeType::S3Bucket {
            continue;
        }
        let Ok(bucket) = node.properties_as::<S3BucketProperties>() else {
            continue;
        };
        if let Some(block) = &account_block {
            let bucket_block = bucket.public_access_block.clone().unwrap_or_default();
            let restrict = bucket_block.restrict_public_buckets || block.restrict_public_buckets;
            let ignore_acls = bucket_block.ignore_public_acls || block.ignore_public_acls;
            let via_policy = bucket.policy_public && !restrict;
            let via_acl = !bucket.acl_public_grants.is_empty() && !ignore_acls;
            node.properties["account_blocks_all_public_access"] = json!(block.blocks_all());
            node.properties["public_access_blocked"] =
                json!(bucket.public_access_blocked || block.blocks_all());
            node.properties["public_via_policy"] = json!(via_policy);
            node.properties["public_via_acl"] = json!(via_acl);
            node.properties["public"] = json!(via_policy || via_acl);
        }
        if let Some(target) = &bucket.logging_target_bucket {
            edges.push(Edge::new(
                EdgeKind::LogsTo,
                node.id.clone(),
                NodeId::aws(region, NodeType::S3Bucket, target),
            ));
        }
    }
    edges
}
