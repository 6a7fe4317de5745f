//! Internet exposure: for every instance (and every network interface not attached to one), which
//! ports are reachable from anywhere on the internet (0.0.0.0/0, ::/0), each with a path proof
//! (managed endpoints, RDS/EKS/Lambda, come from `managed.rs`):
//! an attached internet gateway, a route back to the internet, the NACL rules in and out, the
//! security group rules, and an address the internet can reach.

use std::collections::{BTreeMap, BTreeSet};

use ipnetwork::IpNetwork;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::Protocol;
use super::matching::{self, PortSet};
use super::network::{Endpoint, NetworkView, Peer};
use super::result::{Hop, HopComponent, ReasonCode, Verdict};
use crate::graph::TenantGraph;
use crate::model::properties::{InstanceProperties, NetworkInterfaceProperties, RouteTarget};
use crate::model::{NodeId, NodeType};

/// Which internet a port is open to: all of IPv4 (`0.0.0.0/0`) or all of IPv6 (`::/0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AddressFamily {
    Ipv4,
    Ipv6,
}

/// An open port range on one protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OpenPorts {
    pub protocol: Protocol,
    pub from_port: Option<u16>,
    pub to_port: Option<u16>,
    pub address_family: AddressFamily,
}

/// A resource reachable from the internet, with its open ports and path proof.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ExposureEntry {
    pub node_id: String,
    pub node_type: &'static str,
    pub public_address: Option<String>,
    pub open: Vec<OpenPorts>,
    pub path: Vec<Hop>,
}

/// Every exposed resource of one snapshot, sorted by node id.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExposureReport {
    entries: Vec<ExposureEntry>,
    #[serde(skip)]
    index: BTreeMap<String, usize>,
    /// Resources whose own properties could not be read (node id → why): their exposure is
    /// unknown, which is not the same as "not exposed".
    #[serde(skip)]
    unreadable: BTreeMap<String, String>,
}

impl ExposureReport {
    pub fn entries(&self) -> &[ExposureEntry] {
        &self.entries
    }

    /// Why the exposure of `node_id` is unknown, when its properties could not be read.
    pub fn unreadable(&self, node_id: &NodeId) -> Option<&str> {
        self.unreadable.get(node_id.as_str()).map(String::as_str)
    }

    /// The resources whose exposure verdicts differ in this report from `previous` (of an earlier
    /// snapshot of the same tenant): an entry that is new or gone or whose open ports differ, or
    /// an unreadable reason that is new, gone or different. For every other resource,
    /// `exposed_on` answers alike in both for every port and protocol (its entry's address and
    /// path proof may differ: those are evidence, read from the current report, never verdicts)
    /// and so does `unreadable`.
    pub fn changed_since<'report>(
        &'report self,
        previous: &'report ExposureReport,
    ) -> BTreeSet<&'report str> {
        let entries_changed: Vec<&str> = self
            .entries
            .par_iter()
            .filter(|entry| {
                let before = previous
                    .index
                    .get(&entry.node_id)
                    .map(|&position| &previous.entries[position]);
                before.is_none_or(|before| before.open != entry.open)
            })
            .map(|entry| entry.node_id.as_str())
            .collect();
        let mut changed: BTreeSet<&str> = entries_changed.into_iter().collect();
        for before in &previous.entries {
            if !self.index.contains_key(&before.node_id) {
                changed.insert(before.node_id.as_str());
            }
        }
        for (node_id, why) in &self.unreadable {
            if previous.unreadable.get(node_id) != Some(why) {
                changed.insert(node_id.as_str());
            }
        }
        for node_id in previous.unreadable.keys() {
            if !self.unreadable.contains_key(node_id) {
                changed.insert(node_id.as_str());
            }
        }
        changed
    }

    /// The entry of `node_id` when `port`/`protocol` is open to the internet.
    pub fn exposed_on(
        &self,
        node_id: &NodeId,
        port: Option<u16>,
        protocol: Protocol,
    ) -> Option<&ExposureEntry> {
        let entry = &self.entries[*self.index.get(node_id.as_str())?];
        let open = entry.open.iter().any(|open| {
            open.protocol == protocol
                && match (port, open.from_port, open.to_port) {
                    (Some(port), Some(from), Some(to)) => (from..=to).contains(&port),
                    _ => true,
                }
        });
        open.then_some(entry)
    }
}

fn hop(
    seq: usize,
    node_id: String,
    component: HopComponent,
    matched: serde_json::Value,
    reason_code: ReasonCode,
    text: String,
) -> Hop {
    Hop {
        seq,
        node_id,
        component,
        verdict: Verdict::Allow,
        matched: Some(matched),
        reason_code,
        text,
    }
}

/// Ports of `protocol` that the groups open to all of `internet`, matched by the tracer's own
/// rule matcher (CIDR ranges and prefix lists alike).
fn security_group_ports(
    view: &NetworkView<'_>,
    region: &str,
    groups: &[crate::model::properties::SecurityGroupProperties],
    protocol: Protocol,
    internet: &IpNetwork,
) -> (PortSet, Vec<serde_json::Value>) {
    let mut ports = PortSet::default();
    let mut evidence = Vec::new();
    let ipv6 = internet.is_ipv6();
    // The internet has no security groups; unresolvable prefix lists just do not match here.
    let peer = Peer {
        network: *internet,
        group_ids: &[],
    };
    let mut unresolved = Vec::new();
    for group in groups {
        for (index, rule) in group.ingress.iter().enumerate() {
            if !matching::protocol_matches(&rule.protocol, protocol, ipv6) {
                continue;
            }
            let Some(source) = view.rule_peer_source(region, rule, &peer, &mut unresolved) else {
                continue;
            };
            let (from, to) = matching::sg_rule_ports(rule);
            ports.add(from, to);
            evidence.push(json!({"security_group_id": group.group_id, "rule_index": index, "protocol": rule.protocol, "from_port": from, "to_port": to, "source": source}));
        }
    }
    (ports, evidence)
}

fn analyse_endpoint(
    view: &NetworkView<'_>,
    node_id: &NodeId,
    node_type: &'static str,
    endpoint: &Endpoint,
) -> Option<ExposureEntry> {
    let mut open = Vec::new();
    let mut path = Vec::new();
    let mut public_address = None;
    for (ipv6, internet_text) in [(false, "0.0.0.0/0"), (true, "::/0")] {
        // Invariant: the two literals above parse.
        let internet: IpNetwork = internet_text.parse().expect("literal network");
        let address = if ipv6 {
            endpoint.ipv6_addresses.first().cloned()
        } else {
            endpoint.public_ip.clone()
        };
        let Some(address) = address else { continue };
        let region = &endpoint.region;
        let Ok(table) = view.route_table(region, &endpoint.subnet, &endpoint.vpc) else {
            continue;
        };
        let Some((route, network)) = view.longest_prefix_route(region, &table, &internet) else {
            continue;
        };
        if route.target_type != RouteTarget::InternetGateway
            || route.state == "blackhole"
            || !view
                .attached_internet_gateway(region, &route.target_id, &endpoint.vpc.vpc_id)
                .unwrap_or(false)
        {
            continue;
        }
        let Ok((acl_id, acl)) = view.network_acl(region, &endpoint.subnet, &endpoint.vpc) else {
            continue;
        };
        let mut family_open = Vec::new();
        let mut family_path = Vec::new();
        for protocol in [Protocol::Tcp, Protocol::Udp, Protocol::Icmp] {
            let (sg_ports, sg_evidence) =
                security_group_ports(view, region, &endpoint.groups, protocol, &internet);
            if sg_ports.is_empty() {
                continue;
            }
            let nacl_in = NetworkView::nacl_open_ports(&acl, false, protocol, &internet);
            let reachable = sg_ports.intersect(&nacl_in);
            if reachable.is_empty() {
                continue;
            }
            let (return_ok, return_evidence) =
                NetworkView::nacl_allows_ephemeral(&acl, true, protocol, &internet);
            if !return_ok {
                continue;
            }
            for &(from, to) in &reachable.0 {
                let ports = matches!(protocol, Protocol::Tcp | Protocol::Udp);
                family_open.push(OpenPorts {
                    protocol,
                    from_port: ports.then_some(from),
                    to_port: ports.then_some(to),
                    address_family: if ipv6 {
                        AddressFamily::Ipv6
                    } else {
                        AddressFamily::Ipv4
                    },
                });
            }
            family_path.push(hop(
                0,
                NodeId::aws(region, NodeType::NetworkAcl, &acl_id).to_string(),
                HopComponent::NetworkAclInbound,
                json!({"network_acl_id": acl_id, "protocol": protocol, "open_ports": reachable.0}),
                ReasonCode::NaclAllowRule,
                format!(
                    "network ACL {acl_id} admits {} from {internet} on {:?}",
                    protocol.as_str(),
                    reachable.0
                ),
            ));
            family_path.push(hop(
                0,
                endpoint.node_id.to_string(),
                HopComponent::SecurityGroupIngress,
                json!({"rules": sg_evidence}),
                ReasonCode::SgAllowsIngress,
                format!(
                    "security groups [{}] allow {} from {internet}",
                    endpoint.group_ids.join(", "),
                    protocol.as_str()
                ),
            ));
            family_path.push(hop(
                0,
                NodeId::aws(region, NodeType::NetworkAcl, &acl_id).to_string(),
                HopComponent::NetworkAclOutboundReturn,
                return_evidence,
                ReasonCode::NaclAllowRule,
                format!(
                    "network ACL {acl_id} lets replies out to {internet} on the ephemeral ports"
                ),
            ));
        }
        if family_open.is_empty() {
            continue;
        }
        let gateway = NodeId::aws(region, NodeType::InternetGateway, &route.target_id).to_string();
        path.push(hop(0, gateway, HopComponent::InternetGateway, json!({"internet_gateway_id": route.target_id, "vpc_id": endpoint.vpc.vpc_id, "address": address}), ReasonCode::IgwForwards, format!("internet gateway {} is attached to {} and reaches {address}", route.target_id, endpoint.vpc.vpc_id)));
        path.push(hop(0, NodeId::aws(region, NodeType::RouteTable, &table.route_table_id).to_string(), HopComponent::RouteTable, json!({"route_table_id": table.route_table_id, "destination": network.to_string(), "target_id": route.target_id}), ReasonCode::RouteMatched, format!("route table {} routes {network} back to {}", table.route_table_id, route.target_id)));
        path.extend(family_path);
        open.extend(family_open);
        if public_address.is_none() {
            public_address = Some(address);
        }
    }
    if open.is_empty() {
        return None;
    }
    for (seq, hop) in path.iter_mut().enumerate() {
        hop.seq = seq + 1;
    }
    Some(ExposureEntry {
        node_id: node_id.to_string(),
        node_type,
        public_address,
        open,
        path,
    })
}

/// Network resources whose properties could not be read, by (region, VPC id) and why; the VPC is
/// `None` when it cannot be told (an elastic IP, a gateway, a prefix list, a resource whose
/// `vpc_id` is itself unreadable): such a resource concerns every endpoint of its region.
fn unreadable_network_resources(graph: &TenantGraph) -> BTreeMap<(String, Option<String>), String> {
    let mut unreadable = BTreeMap::new();
    for node_type in [
        NodeType::Vpc,
        NodeType::Subnet,
        NodeType::SecurityGroup,
        NodeType::NetworkAcl,
        NodeType::RouteTable,
        NodeType::InternetGateway,
        NodeType::ElasticIp,
        NodeType::ManagedPrefixList,
    ] {
        for node in graph.nodes_of_type(node_type) {
            let Err(error) = node.check_properties() else {
                continue;
            };
            let vpc_id = match node_type {
                NodeType::Vpc => Some(node.id.resource_id().to_string()),
                NodeType::Subnet
                | NodeType::SecurityGroup
                | NodeType::NetworkAcl
                | NodeType::RouteTable => node
                    .properties
                    .get("vpc_id")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string),
                _ => None,
            };
            unreadable
                .entry((node.region.clone(), vpc_id))
                .or_insert_with(|| error.to_string());
        }
    }
    unreadable
}

/// Adds internet-facing load balancers (their open listeners) and the targets reachable through
/// them (the target port, both legs as proof, appended to a directly exposed target's own).
fn add_load_balancer_exposure(
    graph: &TenantGraph,
    index: &super::network::PathIndex,
    unreadable_network: &BTreeMap<(String, Option<String>), String>,
    unreadable: &mut BTreeMap<String, String>,
    entries: &mut Vec<ExposureEntry>,
) {
    let catalog = super::load_balancer::Catalog::build(graph);
    for (node_id, _, why) in &catalog.unreadable {
        unreadable.insert(node_id.to_string(), why.clone());
    }
    let mut readable = Vec::new();
    for load_balancer in &catalog.load_balancers {
        let why = unreadable_network
            .get(&(load_balancer.region.clone(), load_balancer.vpc_id.clone()))
            .or_else(|| unreadable_network.get(&(load_balancer.region.clone(), None)));
        match why {
            Some(why) => {
                unreadable.insert(load_balancer.node_id.to_string(), why.clone());
            }
            None => readable.push(load_balancer),
        }
    }
    let through: Vec<_> = readable
        .par_iter()
        .map(|load_balancer| super::load_balancer::exposure_of(graph, Some(index), load_balancer))
        .collect();
    let ipv4 = |protocol: Protocol, port: u16| OpenPorts {
        protocol,
        from_port: Some(port),
        to_port: Some(port),
        address_family: AddressFamily::Ipv4,
    };
    let mut position: BTreeMap<String, usize> = entries
        .iter()
        .enumerate()
        .map(|(at, entry)| (entry.node_id.clone(), at))
        .collect();
    for exposure in through {
        if let Some(super::load_balancer::ExposedLoadBalancer {
            node_id,
            dns_name,
            open,
            path,
        }) = exposure.load_balancer
        {
            position.insert(node_id.to_string(), entries.len());
            entries.push(ExposureEntry {
                node_id: node_id.to_string(),
                node_type: node_id.node_type().as_str(),
                public_address: dns_name,
                open: open
                    .into_iter()
                    .map(|(protocol, port)| ipv4(protocol, port))
                    .collect(),
                path,
            });
        }
        for (node_id, protocol, port, path) in exposure.targets {
            let at = *position.entry(node_id.to_string()).or_insert_with(|| {
                entries.push(ExposureEntry {
                    node_id: node_id.to_string(),
                    node_type: node_id.node_type().as_str(),
                    public_address: None,
                    open: Vec::new(),
                    path: Vec::new(),
                });
                entries.len() - 1
            });
            let entry = &mut entries[at];
            let open = ipv4(protocol, port);
            if !entry.open.contains(&open) {
                entry.open.push(open);
            }
            entry.path.extend(path);
            for (seq, hop) in entry.path.iter_mut().enumerate() {
                hop.seq = seq + 1;
            }
        }
    }
}

/// Computes the exposure of every instance and of every network interface not attached to an
/// instance. Parallel over resources; the result is sorted by node id.
pub fn analyse_internet_exposure(graph: &TenantGraph) -> ExposureReport {
    let index = super::network::PathIndex::build(graph);
    let view = NetworkView::new(graph, Some(&index));
    let unreadable_network = unreadable_network_resources(graph);
    let mut unreadable: BTreeMap<String, String> = BTreeMap::new();
    let mut instances = Vec::new();
    for node in graph.nodes_of_type(NodeType::Instance) {
        match node.properties_as::<InstanceProperties>() {
            Ok(_) => instances.push(node),
            Err(error) => {
                unreadable.insert(node.id.to_string(), error.to_string());
            }
        }
    }
    let mut loose_interfaces = Vec::new();
    for node in graph.nodes_of_type(NodeType::NetworkInterface) {
        match node.properties_as::<NetworkInterfaceProperties>() {
            Ok(interface) if interface.attached_instance_id.is_none() => {
                loose_interfaces.push(node)
            }
            Ok(_) => {}
            Err(error) => {
                unreadable.insert(node.id.to_string(), error.to_string());
            }
        }
    }
    // A resource is only as analysable as the network around it: an unreadable route table,
    // NACL, group, … of its VPC (or of unknown VPC, or an elastic IP of its region) might be the
    // one that exposes it.
    for resources in [&mut instances, &mut loose_interfaces] {
        resources.retain(|node| {
            let vpc_id = node
                .properties
                .get("vpc_id")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string);
            let why = unreadable_network
                .get(&(node.region.clone(), vpc_id))
                .or_else(|| unreadable_network.get(&(node.region.clone(), None)));
            match why {
                Some(why) => {
                    unreadable.insert(node.id.to_string(), why.clone());
                    false
                }
                None => true,
            }
        });
    }
    let mut entries: Vec<ExposureEntry> = instances
        .par_iter()
        .chain(loose_interfaces.par_iter())
        .filter_map(|node| {
            let endpoint = view.endpoint(node).ok()?;
            analyse_endpoint(&view, &node.id, node.node_type.as_str(), &endpoint)
        })
        .collect();
    // Managed endpoints (RDS, EKS, Lambda): judged by `managed.rs`; an RDS instance is only as
    // analysable as the network of its VPC, like an instance.
    let managed: Vec<&crate::model::Node> = super::managed::MANAGED_TYPES
        .iter()
        .flat_map(|node_type| graph.nodes_of_type(*node_type))
        .filter(|node| {
            if node.node_type != NodeType::RdsDbInstance {
                return true;
            }
            let vpc_id = node
                .properties
                .get("vpc_id")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string);
            let why = unreadable_network
                .get(&(node.region.clone(), vpc_id))
                .or_else(|| unreadable_network.get(&(node.region.clone(), None)));
            match why {
                Some(why) => {
                    unreadable.insert(node.id.to_string(), why.clone());
                    false
                }
                None => true,
            }
        })
        .collect();
    let managed_results: Vec<(String, Result<Option<ExposureEntry>, String>)> = managed
        .par_iter()
        .map(|node| {
            (
                node.id.to_string(),
                super::managed::exposure_entry(&view, node),
            )
        })
        .collect();
    for (node_id, result) in managed_results {
        match result {
            Ok(Some(entry)) => entries.push(entry),
            Ok(None) => {}
            Err(why) => {
                unreadable.insert(node_id, why);
            }
        }
    }
    add_load_balancer_exposure(
        graph,
        &index,
        &unreadable_network,
        &mut unreadable,
        &mut entries,
    );
    entries.sort_by(|left, right| left.node_id.cmp(&right.node_id));
    let index = entries
        .iter()
        .enumerate()
        .map(|(position, entry)| (entry.node_id.clone(), position))
        .collect();
    ExposureReport {
        entries,
        index,
        unreadable,
    }
}
