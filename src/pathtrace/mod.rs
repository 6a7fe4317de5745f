//! The path tracer: can this instance or ENI reach that address or resource, on this protocol and
//! port, and if not, what blocks it? AWS semantics (security groups, network ACLs, route tables,
//! internet and NAT gateways, VPC peering), each step a hop with the rule or route that decided
//! it, plus the stateless return path through the NACLs. Also the inverse question: which
//! resources are reachable from the internet, on which ports, with a path proof.
//!
//! Pure and deterministic: it reads a `TenantGraph` and returns data. No IO, no async.

mod exposure;
mod forward;
mod internet;
mod load_balancer;
mod managed;
pub mod matching;
mod network;
mod result;

use ipnetwork::IpNetwork;
use serde::Serialize;

pub use exposure::{
    AddressFamily, ExposureEntry, ExposureReport, OpenPorts, analyse_internet_exposure,
};
pub use internet::{InternetNeighbourhood, internet_neighbourhood};
pub use network::PathIndex;
pub use result::{
    BlockedAt, Disposition, Explanation, Hop, HopComponent, ReasonCode, TraceResult, Verdict,
};

use crate::graph::TenantGraph;
use crate::model::{NodeId, NodeType};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    All,
}

impl Protocol {
    pub fn parse(value: &str) -> Result<Protocol, QueryError> {
        match value.to_ascii_lowercase().as_str() {
            "tcp" | "6" => Ok(Protocol::Tcp),
            "udp" | "17" => Ok(Protocol::Udp),
            "icmp" | "1" => Ok(Protocol::Icmp),
            "all" | "-1" => Ok(Protocol::All),
            _ => Err(QueryError::Protocol(value.to_string())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
            Protocol::All => "all",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Cidr(IpNetwork),
    Node(NodeId),
}

/// A validated trace question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceQuery {
    pub source: NodeId,
    pub destination: Destination,
    pub port: Option<u16>,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("`source_node_id`: {0}")]
    Source(String),
    #[error("give exactly one of `destination_cidr` and `destination_node_id`")]
    Destination,
    #[error("`destination_cidr` `{0}` is not a CIDR like 0.0.0.0/0 or 10.0.1.0/24")]
    Cidr(String),
    #[error("`destination_node_id`: {0}")]
    DestinationNode(String),
    #[error("`protocol` `{0}` is not one of tcp, udp, icmp, all")]
    Protocol(String),
    #[error("`port` {0} is outside 0-65535")]
    PortRange(i64),
    #[error("`port` is required for tcp and udp")]
    PortMissing,
}

/// Why a trace could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    #[error("node `{0}` does not exist")]
    UnknownNode(NodeId),
    #[error(
        "node `{node_id}` is a {node_type}; trace from an instance, a network interface or the internet (`{}`)",
        crate::model::INTERNET_NODE_ID
    )]
    UnsupportedSource {
        node_id: NodeId,
        node_type: NodeType,
    },
    /// A trace from the internet that cannot be asked (no destination node, no port).
    #[error("{0}")]
    FromInternet(String),
}

/// Can `source` (a public CIDR; `0.0.0.0/0` is "anyone") reach the managed endpoint `target` (an
/// RDS DB instance, an EKS cluster's API endpoint, a Lambda function URL) on TCP `port`? Hop by
/// hop, as `trace` answers; `managed.rs` says what decides for each type.
pub fn trace_from_internet(
    graph: &TenantGraph,
    target: &NodeId,
    source: &IpNetwork,
    port: u16,
) -> Result<TraceResult, TraceError> {
    let node = graph
        .node(target)
        .ok_or_else(|| TraceError::UnknownNode(target.clone()))?;
    let index = PathIndex::build(graph);
    let view = network::NetworkView::new(graph, Some(&index));
    managed::trace_from_internet(&view, node, source, port).ok_or_else(|| {
        TraceError::UnsupportedSource {
            node_id: node.id.clone(),
            node_type: node.node_type,
        }
    })
}

/// Validates raw input into a query; errors name the bad field.
pub fn parse_query(
    source_node_id: &str,
    destination_cidr: Option<&str>,
    destination_node_id: Option<&str>,
    port: Option<i64>,
    protocol: &str,
) -> Result<TraceQuery, QueryError> {
    let source =
        NodeId::parse(source_node_id).map_err(|error| QueryError::Source(error.to_string()))?;
    let destination = match (destination_cidr, destination_node_id) {
        (Some(cidr), None) => {
            let network = matching::parse_network(cidr.trim())
                .filter(|_| cidr.contains('/'))
                .ok_or_else(|| QueryError::Cidr(cidr.to_string()))?;
            Destination::Cidr(network)
        }
        (None, Some(node)) => Destination::Node(
            NodeId::parse(node).map_err(|error| QueryError::DestinationNode(error.to_string()))?,
        ),
        _ => return Err(QueryError::Destination),
    };
    let protocol = Protocol::parse(protocol)?;
    let port = match port {
        Some(port) if !(0..=65535).contains(&port) => return Err(QueryError::PortRange(port)),
        Some(port) => Some(port as u16),
        None if matches!(protocol, Protocol::Tcp | Protocol::Udp) => {
            return Err(QueryError::PortMissing);
        }
        None => None,
    };
    Ok(TraceQuery {
        source,
        destination,
        port,
        protocol,
    })
}

/// Traces one flow through the tenant's network.
pub fn trace(graph: &TenantGraph, query: &TraceQuery) -> Result<TraceResult, TraceError> {
    trace_indexed(graph, None, query)
}

/// Like `trace`, with lookups prepared once per snapshot (`PathIndex::build`): the fast path for
/// callers that trace many flows over one graph.
pub fn trace_indexed(
    graph: &TenantGraph,
    index: Option<&PathIndex>,
    query: &TraceQuery,
) -> Result<TraceResult, TraceError> {
    if query.source == NodeId::internet() {
        if let Destination::Node(destination) = &query.destination
            && graph.node(destination).is_none()
        {
            return Err(TraceError::UnknownNode(destination.clone()));
        }
        return load_balancer::trace_from_internet(graph, index, query)
            .map_err(TraceError::FromInternet);
    }
    let source = graph
        .node(&query.source)
        .ok_or_else(|| TraceError::UnknownNode(query.source.clone()))?;
    if !matches!(
        source.node_type,
        NodeType::Instance | NodeType::NetworkInterface
    ) {
        return Err(TraceError::UnsupportedSource {
            node_id: source.id.clone(),
            node_type: source.node_type,
        });
    }
    if let Destination::Node(destination) = &query.destination
        && graph.node(destination).is_none()
    {
        return Err(TraceError::UnknownNode(destination.clone()));
    }
    Ok(forward::trace_flow(graph, index, source, query))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_query_names_each_bad_field() {
        let source = "aws:us-east-1:aws.ec2.instance:i-1";
        assert!(parse_query(source, Some("0.0.0.0/0"), None, Some(443), "tcp").is_ok());
        assert_eq!(
            parse_query(source, Some("0.0.0.0"), None, Some(443), "tcp"),
            Err(QueryError::Cidr("0.0.0.0".into()))
        );
        assert_eq!(
            parse_query(source, Some("10.0.0.0/33"), None, Some(443), "tcp"),
            Err(QueryError::Cidr("10.0.0.0/33".into()))
        );
        assert_eq!(
            parse_query(source, None, None, Some(443), "tcp"),
            Err(QueryError::Destination)
        );
        assert_eq!(
            parse_query(source, Some("0.0.0.0/0"), Some(source), Some(443), "tcp"),
            Err(QueryError::Destination)
        );
        assert_eq!(
            parse_query(source, Some("0.0.0.0/0"), None, Some(70000), "tcp"),
            Err(QueryError::PortRange(70000))
        );
        assert_eq!(
            parse_query(source, Some("0.0.0.0/0"), None, None, "udp"),
            Err(QueryError::PortMissing)
        );
        assert_eq!(
            parse_query(source, Some("0.0.0.0/0"), None, None, "gre"),
            Err(QueryError::Protocol("gre".into()))
        );
        assert!(matches!(
            parse_query("nope", Some("0.0.0.0/0"), None, Some(1), "tcp"),
            Err(QueryError::Source(_))
        ));
        assert_eq!(
            parse_query(source, Some("::/0"), None, None, "icmp")
                .unwrap()
                .port,
            None
        );
    }
}
