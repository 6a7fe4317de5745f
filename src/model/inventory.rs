//! An inventory: what one discovery run saw, as nodes and edges, plus the scopes it covered.

use serde::{Deserialize, Serialize};

use super::{Edge, Node};

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
