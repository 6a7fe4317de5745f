//! Links a file system to its KMS key (named by ARN, so in its own region). Pure.

use crate::discovery::aws::node_builder::kms_key_of_arn;
use crate::model::properties::EfsFileSystemProperties;
use crate::model::{Edge, EdgeKind, Node, NodeId, NodeType};

pub fn link(_region: &str, nodes: &mut [Node]) -> Vec<Edge> {
    nodes
        .iter()
        .filter(|node| node.node_type == NodeType::EfsFileSystem)
        .filter_map(|node| {
            let file_system = node.properties_as::<EfsFileSystemProperties>().ok()?;
            let (region, key) = kms_key_of_arn(file_system.kms_key_id.as_deref()?)?;
            Some(Edge::new(
                EdgeKind::EncryptedWith,
                node.id.clone(),
                NodeId::aws(&region, NodeType::KmsKey, &key),
            ))
        })
        .collect()
}
