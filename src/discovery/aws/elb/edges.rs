//! Edges of classic load balancers: → subnet (`in_subnet`), → security group (`member_of`),
//! → registered instance (`routes_to`). Pure; an edge is emitted only when both ends exist.

use std::collections::HashSet;

use super::super::elbv2::edges::push_when_known;
use crate::model::properties::ClassicLoadBalancerProperties;
use crate::model::{Edge, EdgeKind, Node, NodeId, NodeType};

pub fn link(region: &str, nodes: &mut [Node]) -> Vec<Edge> {
    let ids: HashSet<NodeId> = nodes.iter().map(|node| node.id.clone()).collect();
    let mut edges = Vec::new();
    for node in nodes
        .iter()
        .filter(|node| node.node_type == NodeType::ClassicLoadBalancer)
    {
        let Ok(load_balancer) = node.properties_as::<ClassicLoadBalancerProperties>() else {
            continue;
        };
        let targets = load_balancer
            .subnet_ids
            .iter()
            .map(|raw| (EdgeKind::InSubnet, NodeType::Subnet, raw))
            .chain(
                load_balancer
                    .security_group_ids
                    .iter()
                    .map(|raw| (EdgeKind::MemberOf, NodeType::SecurityGroup, raw)),
            )
            .chain(
                load_balancer
                    .instance_ids
                    .iter()
                    .map(|raw| (EdgeKind::RoutesTo, NodeType::Instance, raw)),
            );
        for (kind, node_type, raw) in targets {
            let destination = NodeId::aws(region, node_type, raw);
            push_when_known(&mut edges, &ids, kind, &node.id, destination);
        }
    }
    edges
}
