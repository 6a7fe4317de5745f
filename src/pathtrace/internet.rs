//! The `internet` pseudo-node (`global:global:internet:internet`) and its edges, derived from a
//! snapshot: `routes_to` from every internet gateway attached to a VPC to the internet, and
//! `routes_to` from the internet to every resource the exposure analysis found reachable, the edge
//! naming the open ports and public address (the path proof stays in `/exposure`). Derived, never
//! discovered: it always agrees with the exposure report of the same snapshot, no discovery scope
//! owns it (so reconcile never tombstones it, nor leaves it behind), and a graph with no attached
//! gateway and nothing exposed has no internet node at all. Pure: reads the graph and the report.

use serde_json::json;

use super::exposure::ExposureReport;
use crate::graph::TenantGraph;
use crate::model::properties::InternetGatewayProperties;
use crate::model::{Edge, EdgeKind, Node, NodeId, NodeType};

/// The internet node of one snapshot and every edge touching it, edges ordered by id.
#[derive(Debug, Clone, PartialEq)]
pub struct InternetNeighbourhood {
    pub node: Node,
    pub edges: Vec<Edge>,
}

/// Derives the internet node and its edges; `None` when nothing connects to the internet.
pub fn internet_neighbourhood(
    graph: &TenantGraph,
    report: &ExposureReport,
) -> Option<InternetNeighbourhood> {
    let internet = NodeId::internet();
    let mut edges = Vec::new();
    for gateway in graph.nodes_of_type(NodeType::InternetGateway) {
        // An unreadable gateway is not claimed to reach the internet; the exposure analysis
        // already reports what depends on it as unknown.
        let Ok(properties) = gateway.properties_as::<InternetGatewayProperties>() else {
            continue;
        };
        let vpc_ids: Vec<&str> = properties
            .attachments
            .iter()
            .filter(|attachment| matches!(attachment.state.as_str(), "attached" | "available"))
            .map(|attachment| attachment.vpc_id.as_str())
            .collect();
        if vpc_ids.is_empty() {
            continue;
        }
        edges.push(
            Edge::new(EdgeKind::RoutesTo, gateway.id.clone(), internet.clone())
                .with_properties(json!({"attached_vpc_ids": vpc_ids})),
        );
    }
    for entry in report.entries() {
        // Entries name nodes of this graph; the check keeps a bad id from making a dangling edge.
        let Ok(target) = NodeId::parse(&entry.node_id) else {
            continue;
        };
        if graph.node(&target).is_none() {
            continue;
        }
        edges.push(
            Edge::new(EdgeKind::RoutesTo, internet.clone(), target).with_properties(json!({
                "exposure": true,
                "open": entry.open,
                "public_address": entry.public_address,
            })),
        );
    }
    if edges.is_empty() {
        return None;
    }
    edges.sort_by(|left, right| left.id.cmp(&right.id));
    Some(InternetNeighbourhood {
        node: Node::internet(),
        edges,
    })
}
