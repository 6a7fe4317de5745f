//! Edges of EKS clusters: `in_subnet` their VPC subnets, `member_of` their security groups.
//! Pure; an edge is emitted only when both ends exist.

use std::collections::HashSet;

use crate::model::properties::EksClusterProperties;
use crate::model::{Edge, EdgeKind, Node, NodeId, NodeType};

pub fn link(region: &str, nodes: &mut [Node]) -> Vec<Edge> {
    let ids: HashSet<&NodeId> = nodes.iter().map(|node| &node.id).collect();
    let mut edges = Vec::new();
    for node in nodes.iter() {
        if node.node_type != NodeType::EksCluster {
            continue;
        }
        let Ok(cluster) = node.properties_as::<EksClusterProperties>() else {
            continue;
        };
        let targets = cluster
            .subnet_ids
            .iter()
            .map(|subnet| (EdgeKind::InSubnet, NodeType::Subnet, subnet))
            .chain(
                cluster
                    .security_group_ids
                    .iter()
                    .map(|group| (EdgeKind::MemberOf, NodeType::SecurityGroup, group)),
            );
        for (kind, dst_type, raw) in targets {
            let dst = NodeId::aws(region, dst_type, raw);
            if ids.contains(&dst) {
                edges.push(Edge::new(kind, node.id.clone(), dst));
            }
        }
    }
    edges
}
