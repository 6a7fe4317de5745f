//! Metric filter → its log group (`filters_log_group`). Pure; an edge only when both ends exist.

use std::collections::HashSet;

use crate::model::properties::MetricFilterProperties;
use crate::model::{Edge, EdgeKind, Node, NodeId, NodeType};

pub fn link(region: &str, nodes: &mut [Node]) -> Vec<Edge> {
    let ids: HashSet<&NodeId> = nodes.iter().map(|node| &node.id).collect();
    let mut edges = Vec::new();
    for node in nodes
        .iter()
        .filter(|node| node.node_type == NodeType::MetricFilter)
    {
        let Ok(filter) = node.properties_as::<MetricFilterProperties>() else {
            continue;
        };
        let group = NodeId::aws(region, NodeType::LogGroup, &filter.log_group_name);
        if ids.contains(&group) {
            edges.push(Edge::new(EdgeKind::FiltersLogGroup, node.id.clone(), group));
        }
    }
    edges
}
