//! The fixture provider: reads an inventory JSON file (`{"scopes": […], "nodes": […], "edges":
//! […]}`, nodes and edges in the API's shape) and validates it. An edge's `id` may be omitted; it
//! is derived from `(kind, src, dst)` and must match when given.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use super::Error;
use crate::model::{Edge, EdgeKind, Inventory, Node, NodeId, Scope, edge_id};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureConfig {
    pub path: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryFile {
    #[serde(default)]
    scopes: Vec<Scope>,
    nodes: Vec<Node>,
    #[serde(default)]
    edges: Vec<EdgeEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EdgeEntry {
    id: Option<String>,
    kind: EdgeKind,
    src: NodeId,
    dst: NodeId,
    #[serde(default)]
    properties: Option<serde_json::Value>,
}

pub fn load_inventory(path: &Path) -> Result<Inventory, Error> {
    let text = std::fs::read_to_string(path).map_err(|error| Error::Io {
        path: path.display().to_string(),
        message: error.to_string(),
    })?;
    parse_inventory(&text)
}

/// Parses and validates: ids and types well-formed, each node's type matches its id, no duplicate
/// node ids, every edge end is a node of the inventory.
pub fn parse_inventory(json: &str) -> Result<Inventory, Error> {
    let file: InventoryFile =
        serde_json::from_str(json).map_err(|error| Error::InvalidInventory(error.to_string()))?;
    let mut seen = HashSet::new();
    for node in &file.nodes {
        if node.id.node_type() != node.node_type {
            return Err(Error::InvalidInventory(format!(
                "node `{}` has type `{}` but its id says `{}`",
                node.id,
                node.node_type,
                node.id.node_type()
            )));
        }
        node.check_lengths().map_err(Error::InvalidInventory)?;
        if !node.properties.is_object() {
            return Err(Error::InvalidInventory(format!(
                "node `{}`: properties must be an object",
                node.id
            )));
        }
        if !seen.insert(node.id.clone()) {
            return Err(Error::InvalidInventory(format!(
                "node `{}` appears twice",
                node.id
            )));
        }
    }
    let mut edges = Vec::with_capacity(file.edges.len());
    for entry in file.edges {
        for end in [&entry.src, &entry.dst] {
            if !seen.contains(end) {
                return Err(Error::InvalidInventory(format!(
                    "edge {} from `{}` to `{}` names `{end}`, which is not a node of the inventory",
                    entry.kind, entry.src, entry.dst
                )));
            }
        }
        let derived = edge_id(entry.kind, &entry.src, &entry.dst);
        if let Some(given) = &entry.id
            && given != &derived
        {
            return Err(Error::InvalidInventory(format!(
                "edge id `{given}` does not match its (kind, src, dst); expected `{derived}`"
            )));
        }
        let mut edge = Edge::new(entry.kind, entry.src, entry.dst);
        if let Some(properties) = entry.properties {
            edge = edge.with_properties(properties);
        }
        edges.push(edge);
    }
    Ok(Inventory {
        scopes: file.scopes,
        nodes: file.nodes,
        edges,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const VPC: &str = "aws:us-east-1:aws.ec2.vpc:vpc-1";
    const SUBNET: &str = "aws:us-east-1:aws.ec2.subnet:subnet-1";

    fn node_json(id: &str, node_type: &str) -> String {
        format!(
            r#"{{"id": "{id}", "type": "{node_type}", "provider": "aws", "region": "us-east-1"}}"#
        )
    }

    #[test]
    fn parses_nodes_and_derives_edge_ids() {
        let json = format!(
            r#"{{"nodes": [{}, {}], "edges": [{{"kind": "contains", "src": "{VPC}", "dst": "{SUBNET}"}}]}}"#,
            node_json(VPC, "aws.ec2.vpc"),
            node_json(SUBNET, "aws.ec2.subnet")
        );
        let inventory = parse_inventory(&json).unwrap();
        assert_eq!(inventory.nodes.len(), 2);
        assert_eq!(inventory.edges.len(), 1);
        assert_eq!(
            inventory.edges[0].id,
            edge_id(
                EdgeKind::Contains,
                &NodeId::parse(VPC).unwrap(),
                &NodeId::parse(SUBNET).unwrap()
            )
        );
    }

    #[test]
    fn rejects_dangling_edges_duplicates_and_mismatched_types() {
        let dangling = format!(
            r#"{{"nodes": [{}], "edges": [{{"kind": "contains", "src": "{VPC}", "dst": "{SUBNET}"}}]}}"#,
            node_json(VPC, "aws.ec2.vpc")
        );
        assert!(
            parse_inventory(&dangling)
                .unwrap_err()
                .to_string()
                .contains(SUBNET)
        );
        let duplicate = format!(
            r#"{{"nodes": [{}, {}]}}"#,
            node_json(VPC, "aws.ec2.vpc"),
            node_json(VPC, "aws.ec2.vpc")
        );
        assert!(
            parse_inventory(&duplicate)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        let mismatched = format!(r#"{{"nodes": [{}]}}"#, node_json(VPC, "aws.ec2.subnet"));
        assert!(
            parse_inventory(&mismatched)
                .unwrap_err()
                .to_string()
                .contains("aws.ec2.subnet")
        );
        assert!(parse_inventory(r#"{"nodes": [], "extra": 1}"#).is_err());
    }
}
