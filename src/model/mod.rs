//! The shared vocabulary of Infracast: node ids and types, edges, severities, inventories, the
//! typed property shapes that discovery writes and the engines read, and jobs and schedules.
//!
//! This module imports nothing from the rest of the crate and does no IO. Everything here is plain
//! data with validation at construction (`NodeId::parse`, `NodeType::parse`, …).

mod content_hash;
mod edge;
mod finding;
mod inventory;
mod job;
mod node;
pub mod properties;
pub mod provider_config;
mod report;
mod severity;
mod webhook;

pub use content_hash::{edge_content_hash, node_content_hash};
pub use edge::{Edge, EdgeKind, edge_id};
pub use finding::{
    Acceptance, AcceptanceKind, EvidenceResource, Finding, FindingEvidence, FindingStatus,
    PathProof, ProofHop, ProofPorts,
};
pub use inventory::{Inventory, Scope, parse_inventory_text, parse_inventory_value};
pub use job::{ChangeKind, ChangedEntity, Job, JobChange, JobKind, JobStatus, Schedule};
pub use node::{INTERNET_NODE_ID, Node, NodeId, NodeIdError, PropertiesError, Provider};
pub use properties::{NodeProperties, NodeType};
pub use report::{Report, ReportFormat, ReportStatus};
pub use severity::Severity;
pub use webhook::{Delivery, DeliveryStatus, DueDelivery, Webhook};

/// Error for a string that is not one of a closed set of names (node types, edge kinds, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`; expected one of: {expected}")]
pub struct UnknownName {
    pub what: &'static str,
    pub value: String,
    pub expected: String,
}
