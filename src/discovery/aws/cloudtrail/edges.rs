//! Links a trail to its S3 bucket (in the bucket's own region), its CloudWatch Logs group (the
//! `monitoring` service's `aws.logs.log_group` node id) and its KMS key. The far end may live in
//! another region's scope: the graph resolves it when both scopes are loaded. Pure.

use crate::discovery::aws::node_builder::kms_key_of_arn;
use crate::model::properties::CloudTrailTrailProperties;
use crate::model::{Edge, EdgeKind, Node, NodeId};

/// The node type name of CloudWatch Logs groups (created by the `logs` service).
const LOG_GROUP_TYPE: &str = "aws.logs.log_group";

pub fn link(region: &str, nodes: &mut [Node]) -> Vec<Edge> {
    let mut edges = Vec::new();
    for node in nodes.iter() {
        let Ok(trail) = node.properties_as::<CloudTrailTrailProperties>() else {
            continue;
        };
        if let Some(bucket) = &trail.s3_bucket_name {
            let bucket_region = trail.s3_bucket_region.as_deref().unwrap_or(region);
            edges.push(Edge::new(
                EdgeKind::LogsTo,
                node.id.clone(),
                NodeId::aws(bucket_region, crate::model::NodeType::S3Bucket, bucket),
            ));
        }
        if let Some((group_region, group)) = trail
            .cloud_watch_logs_log_group_arn
            .as_deref()
            .and_then(log_group_of_arn)
            && let Ok(id) = NodeId::parse(&format!("aws:{group_region}:{LOG_GROUP_TYPE}:{group}"))
        {
            edges.push(Edge::new(EdgeKind::LogsTo, node.id.clone(), id));
        }
        if let Some((key_region, key)) = trail.kms_key_id.as_deref().and_then(kms_key_of_arn) {
            edges.push(Edge::new(
                EdgeKind::EncryptedWith,
                node.id.clone(),
                NodeId::aws(&key_region, crate::model::NodeType::KmsKey, &key),
            ));
        }
    }
    edges
}

/// `(region, name)` of `arn:aws:logs:<region>:<account>:log-group:<name>[:*]`.
fn log_group_of_arn(arn: &str) -> Option<(String, String)> {
    let mut parts = arn.splitn(7, ':');
    let (Some("arn"), Some(_), Some("logs"), Some(region), Some(_), Some("log-group"), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    Some((region.to_string(), name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_group_arns_give_region_and_name_with_or_without_the_stream_wildcard() {
        assert_eq!(
            log_group_of_arn("arn:aws:logs:us-east-1:123456789012:log-group:trail-logs:*"),
            Some(("us-east-1".to_string(), "trail-logs".to_string()))
        );
        assert_eq!(
            log_group_of_arn("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/ct"),
            Some(("eu-west-1".to_string(), "/aws/ct".to_string()))
        );
        assert_eq!(log_group_of_arn("arn:aws:s3:::bucket"), None);
    }
}
