//! An inventory: what one discovery run saw, as nodes and edges, plus the scopes it covered.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{Edge, EdgeKind, Node, NodeId, edge_id};

/// One unit of discovery: provider × account × region. Tombstoning happens per scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Scope {
    pub provider: String,
    pub account: String,
    pub region: String,
}

/// Nodes and edges collected by a provider. Edges may only name nodes of the same inventory or
/// nodes already stored for the tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    #[serde(default)]
    pub scopes: Vec<Scope>,
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub edges: Vec<Edge>,
}

/// An inventory as a file or request body writes it: an edge's `id` may be left out.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryDocument {
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

/// Parses an inventory file's text. Errors give the place and the kind of problem but never
/// quote the text: the file is on the server, and its content is not the requester's to read.
pub fn parse_inventory_text(json: &str) -> Result<Inventory, String> {
    let document: InventoryDocument = serde_json::from_str(json).map_err(|error| {
        let problem = match error.classify() {
            serde_json::error::Category::Syntax => "is not valid JSON",
            serde_json::error::Category::Eof => "ends before the JSON does",
            serde_json::error::Category::Data => "does not have the inventory's shape",
            serde_json::error::Category::Io => "could not be read",
        };
        format!(
            "the inventory {problem} (line {}, column {})",
            error.line(),
            error.column()
        )
    })?;
    validate_document(document)
}

/// Parses an inventory sent in a request body (the sender's own data, so errors may quote it).
pub fn parse_inventory_value(json: serde_json::Value) -> Result<Inventory, String> {
    let document: InventoryDocument =
        serde_json::from_value(json).map_err(|error| error.to_string())?;
    validate_document(document)
}

/// Ids and types well-formed, each node's type matches its id, no duplicate node ids, every edge
/// end is a node of the inventory, given edge ids match `(kind, src, dst)`.
fn validate_document(document: InventoryDocument) -> Result<Inventory, String> {
    let mut seen = HashSet::new();
    for node in &document.nodes {
        if node.id.node_type() != node.node_type {
            return Err(format!(
                "node `{}` has type `{}` but its id says `{}`",
                node.id,
                node.node_type,
                node.id.node_type()
            ));
        }
        node.check_lengths()?;
        if !node.properties.is_object() {
            return Err(format!("node `{}`: properties must be an object", node.id));
        }
        if !seen.insert(node.id.clone()) {
            return Err(format!("node `{}` appears twice", node.id));
        }
    }
    let mut edges = Vec::with_capacity(document.edges.len());
    for entry in document.edges {
        for end in [&entry.src, &entry.dst] {
            if !seen.contains(end) {
                return Err(format!(
                    "edge {} from `{}` to `{}` names `{end}`, which is not a node of the inventory",
                    entry.kind, entry.src, entry.dst
                ));
            }
        }
        let derived = edge_id(entry.kind, &entry.src, &entry.dst);
        if let Some(given) = &entry.id
            && given != &derived
        {
            return Err(format!(
                "edge id `{given}` does not match its (kind, src, dst); expected `{derived}`"
            ));
        }
        let mut edge = Edge::new(entry.kind, entry.src, entry.dst);
        if let Some(properties) = entry.properties {
            edge = edge.with_properties(properties);
        }
        edges.push(edge);
    }
    Ok(Inventory {
        scopes: document.scopes,
        nodes: document.nodes,
        edges,
    })
}
