//! Edges of the RDS resources: DB instance / cluster `in_subnet` its subnet group's subnets and
//! `member_of` its security groups; cluster `contains` its member instances; snapshot
//! `snapshot_of` its source. Pure; an edge is emitted only when both ends exist.

use std::collections::HashSet;

use crate::model::properties::{
    RdsDbClusterProperties, RdsDbInstanceProperties, RdsDbSnapshotProperties,
};
use crate::model::{Edge, EdgeKind, Node, NodeId, NodeType};

pub fn link(region: &str, nodes: &mut [Node]) -> Vec<Edge> {
    let ids: HashSet<&NodeId> = nodes.iter().map(|node| &node.id).collect();
    let mut edges = Vec::new();
    let mut add = |kind: EdgeKind, src: &NodeId, dst_type: NodeType, dst_raw: &str| {
        let dst = NodeId::aws(region, dst_type, dst_raw);
        if !dst_raw.is_empty() && ids.contains(&dst) {
            edges.push(Edge::new(kind, src.clone(), dst));
        }
    };
    for node in nodes.iter() {
        match node.node_type {
            NodeType::RdsDbInstance => {
                let Ok(instance) = node.properties_as::<RdsDbInstanceProperties>() else {
                    continue;
                };
                for subnet in &instance.subnet_ids {
                    add(EdgeKind::InSubnet, &node.id, NodeType::Subnet, subnet);
                }
                for group in &instance.security_group_ids {
                    add(EdgeKind::MemberOf, &node.id, NodeType::SecurityGroup, group);
                }
            }
            NodeType::RdsDbCluster => {
                let Ok(cluster) = node.properties_as::<RdsDbClusterProperties>() else {
                    continue;
                };
                for subnet in &cluster.subnet_ids {
                    add(EdgeKind::InSubnet, &node.id, NodeType::Subnet, subnet);
                }
                for group in &cluster.security_group_ids {
                    add(EdgeKind::MemberOf, &node.id, NodeType::SecurityGroup, group);
                }
                for member in &cluster.member_instance_ids {
                    add(
                        EdgeKind::Contains,
                        &node.id,
                        NodeType::RdsDbInstance,
                        member,
                    );
                }
            }
            NodeType::RdsDbSnapshot => {
                let Ok(snapshot) = node.properties_as::<RdsDbSnapshotProperties>() else {
                    continue;
                };
                let source_type = if snapshot.cluster_snapshot {
                    NodeType::RdsDbCluster
                } else {
                    NodeType::RdsDbInstance
                };
                if let Some(source) = &snapshot.source_identifier {
                    add(EdgeKind::SnapshotOf, &node.id, source_type, source);
                }
            }
            _ => {}
        }
    }
    edges
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn instances_link_to_subnets_groups_and_clusters_to_members() {
        let region = "us-east-1";
        let mut nodes = vec![
            Node::aws(
                region,
                NodeType::Subnet,
                "subnet-a",
                json!({"subnet_id": "subnet-a"}),
            ),
            Node::aws(
                region,
                NodeType::SecurityGroup,
                "sg-db",
                json!({"group_id": "sg-db"}),
            ),
            Node::aws(
                region,
                NodeType::RdsDbInstance,
                "db-1",
                json!({"db_instance_identifier": "db-1", "subnet_ids": ["subnet-a", "subnet-gone"], "security_group_ids": ["sg-db"]}),
            ),
            Node::aws(
                region,
                NodeType::RdsDbCluster,
                "cl-1",
                json!({"db_cluster_identifier": "cl-1", "member_instance_ids": ["db-1"]}),
            ),
            Node::aws(
                region,
                NodeType::RdsDbSnapshot,
                "snap-1",
                json!({"snapshot_identifier": "snap-1", "source_identifier": "db-1"}),
            ),
        ];
        let edges = link(region, &mut nodes);
        let mut described: Vec<String> = edges
            .iter()
            .map(|edge| {
                format!(
                    "{} {} {}",
                    edge.src.resource_id(),
                    edge.kind,
                    edge.dst.resource_id()
                )
            })
            .collect();
        described.sort();
        assert_eq!(
            described,
            vec![
                "cl-1 contains db-1",
                "db-1 in_subnet subnet-a",
                "db-1 member_of sg-db",
                "snap-1 snapshot_of db-1",
            ]
        );
    }
}
