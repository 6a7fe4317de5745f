//! Small builders shared by the sample estate and the generator: typed properties in, `Node`s and
//! `Edge`s out, with ids in the `aws:<region>:<type>:<id>` shape.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Edge, EdgeKind, Inventory, Node, NodeId, NodeType};

/// Collects nodes and edges for one account and region.
#[derive(Debug, Clone)]
pub struct EstateBuilder {
    pub account: String,
    pub region: String,
    pub inventory: Inventory,
}

impl EstateBuilder {
    pub fn new(account: &str, region: &str) -> Self {
        let mut inventory = Inventory::default();
        inventory.scopes.push(crate::model::Scope {
            provider: "aws".to_string(),
            account: account.to_string(),
            region: region.to_string(),
        });
        EstateBuilder {
            account: account.to_string(),
            region: region.to_string(),
            inventory,
        }
    }

    pub fn id(&self, node_type: NodeType, raw_id: &str) -> NodeId {
        NodeId::aws(&self.region, node_type, raw_id)
    }

    /// Adds a node whose properties are the typed shape `properties`.
    pub fn node(
        &mut self,
        node_type: NodeType,
        raw_id: &str,
        name: &str,
        tags: &[(&str, &str)],
        properties: &impl Serialize,
    ) -> NodeId {
        let id = self.id(node_type, raw_id);
        let tags: BTreeMap<String, String> = tags
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect();
        self.inventory.nodes.push(Node {
            id: id.clone(),
            node_type,
            provider: "aws".to_string(),
            region: self.region.clone(),
            account: self.account.clone(),
            name: if name.is_empty() {
                raw_id.to_string()
            } else {
                name.to_string()
            },
            tags,
            // Invariant: the typed property structs serialize to JSON objects.
            properties: serde_json::to_value(properties).unwrap_or_default(),
        });
        id
    }

    pub fn edge(&mut self, kind: EdgeKind, src: &NodeId, dst: &NodeId) {
        self.inventory
            .edges
            .push(Edge::new(kind, src.clone(), dst.clone()));
    }

    pub fn edge_with(
        &mut self,
        kind: EdgeKind,
        src: &NodeId,
        dst: &NodeId,
        properties: serde_json::Value,
    ) {
        self.inventory
            .edges
            .push(Edge::new(kind, src.clone(), dst.clone()).with_properties(properties));
    }

    pub fn finish(self) -> Inventory {
        self.inventory
    }
}
