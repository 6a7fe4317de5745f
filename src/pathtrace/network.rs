//! A read-only view of one tenant's network, answering the questions the tracer asks: what an
//! endpoint is (subnet, VPC, groups, addresses), which NACL and route table a subnet uses, what a
//! security group, NACL or route table decides for a flow. Everything reads typed properties;
//! missing data comes back as `Err(what is missing)`, never as a guess.

use ipnetwork::IpNetwork;
use serde_json::{Value, json};

use super::Protocol;
use super::matching::{self, PortSet};
use crate::graph::TenantGraph;
use crate::model::properties::*;
use crate::model::{Node, NodeId, NodeProperties, NodeType};

/// Where traffic starts or ends: an ENI (or an instance without ENI data) and its context.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub node_id: NodeId,
    pub region: String,
    pub subnet: SubnetProperties,
    pub vpc: VpcProperties,
    pub group_ids: Vec<String>,
    pub groups: Vec<SecurityGroupProperties>,
    pub private_ips: Vec<String>,
    pub public_ip: Option<String>,
    pub ipv6_addresses: Vec<String>,
}

impl Endpoint {
    /// The endpoint's own address for a family, as a host network.
    pub fn address(&self, ipv6: bool) -> Option<IpNetwork> {
        let text = if ipv6 {
            self.ipv6_addresses.first()
        } else {
            self.private_ips.first()
        };
        text.and_then(|address| address.parse::<std::net::IpAddr>().ok())
            .map(IpNetwork::from)
    }

    pub fn has_address_in(&self, network: &IpNetwork) -> bool {
        self.private_ips
            .iter()
            .chain(self.ipv6_addresses.iter())
            .filter_map(|address| address.parse::<std::net::IpAddr>().ok())
            .any(|address| matching::contains(network, &IpNetwork::from(address)))
    }
}

/// Who is on the other side of a rule check: an address and, when known, its security groups.
#[derive(Debug, Clone)]
pub struct Peer<'a> {
    pub network: IpNetwork,
    pub group_ids: &'a [String],
}

#[derive(Clone, Copy)]
pub struct NetworkView<'g> {
    pub graph: &'g TenantGraph,
    /// Per-snapshot lookups, when the caller has them.
    pub index: Option<&'g PathIndex>,
}

/// Lookups worth building once per graph snapshot: elastic IPs by the ENI or instance holding
/// them (otherwise every endpoint lookup scans all elastic IPs).
#[derive(Debug, Clone, Default)]
pub struct PathIndex {
    elastic_ips: std::collections::HashMap<(String, String), String>,
    /// Per region, why one of its elastic IPs could not be read (it might be any endpoint's).
    unreadable_elastic_ips: std::collections::HashMap<String, String>,
}

impl PathIndex {
    pub fn build(graph: &TenantGraph) -> PathIndex {
        let mut elastic_ips = std::collections::HashMap::new();
        let mut unreadable_elastic_ips = std::collections::HashMap::new();
        for node in graph.nodes_of_type(NodeType::ElasticIp) {
            let address = match node.properties_as::<ElasticIpProperties>() {
                Ok(address) => address,
                Err(error) => {
                    unreadable_elastic_ips
                        .entry(node.region.clone())
                        .or_insert_with(|| error.to_string());
                    continue;
                }
            };
            let Some(public_ip) = address.public_ip else {
                continue;
            };
            for holder in [address.network_interface_id, address.instance_id]
                .into_iter()
                .flatten()
            {
                elastic_ips.insert((node.region.clone(), holder), public_ip.clone());
            }
        }
        PathIndex {
            elastic_ips,
            unreadable_elastic_ips,
        }
    }
}

/// A top-level string property, read without deserializing the whole node.
fn raw_field<'n>(node: &'n Node, field: &str) -> Option<&'n str> {
    node.properties.get(field).and_then(Value::as_str)
}

type Lookup<T> = Result<T, String>;

impl<'g> NetworkView<'g> {
    pub fn new(graph: &'g TenantGraph, index: Option<&'g PathIndex>) -> Self {
        NetworkView { graph, index }
    }

    pub fn node(&self, region: &str, node_type: NodeType, raw_id: &str) -> Option<&'g Node> {
        self.graph.aws_node(region, node_type, raw_id)
    }

    pub(super) fn typed<T: NodeProperties>(
        &self,
        region: &str,
        node_type: NodeType,
        raw_id: &str,
    ) -> Lookup<T> {
        let node = self
            .node(region, node_type, raw_id)
            .ok_or_else(|| format!("{node_type} {raw_id} is not in the graph"))?;
        node.properties_as::<T>().map_err(|error| error.to_string())
    }

    /// The endpoint for an instance (its primary ENI when discovered) or an ENI.
    pub fn endpoint(&self, node: &Node) -> Lookup<Endpoint> {
        let region = node.region.as_str();
        let (subnet_id, vpc_id, group_ids, private_ips, mut public_ip, ipv6, endpoint_id) =
            match node.node_type {
                NodeType::Instance => {
                    let instance: InstanceProperties =
                        node.properties_as().map_err(|error| error.to_string())?;
                    if let Some(eni_id) = instance.network_interface_ids.first()
                        && let Some(eni_node) =
                            self.node(region, NodeType::NetworkInterface, eni_id)
                    {
                        let mut endpoint = self.endpoint(eni_node)?;
                        if endpoint.public_ip.is_none() {
                            endpoint.public_ip = instance.public_ip.clone();
                        }
                        return Ok(endpoint);
                    }
                    let private_ips: Vec<String> =
                        instance.private_ip.clone().into_iter().collect();
                    (
                        instance.subnet_id,
                        instance.vpc_id,
                        instance.security_group_ids,
                        private_ips,
                        instance.public_ip,
                        instance.ipv6_addresses,
                        node.id.clone(),
                    )
                }
                NodeType::NetworkInterface => {
                    let interface: NetworkInterfaceProperties =
                        node.properties_as().map_err(|error| error.to_string())?;
                    let mut private_ips = interface.private_ips.clone();
                    if let Some(primary) = &interface.private_ip
                        && !private_ips.contains(primary)
                    {
                        private_ips.insert(0, primary.clone());
                    }
                    (
                        interface.subnet_id,
                        interface.vpc_id,
                        interface.security_group_ids,
                        private_ips,
                        interface.public_ip,
                        interface.ipv6_addresses,
                        node.id.clone(),
                    )
                }
                NodeType::RdsDbInstance => return super::managed::rds_endpoint(self, node),
                other => return Err(format!("{other} is not an instance or network interface")),
            };
        if public_ip.is_none() {
            public_ip = self.elastic_ip_of(region, endpoint_id.resource_id())?;
        }
        let subnet_id = subnet_id.ok_or("the endpoint has no subnet")?;
        let subnet: SubnetProperties = self.typed(region, NodeType::Subnet, &subnet_id)?;
        let vpc_id = vpc_id
            .or(subnet.vpc_id.clone())
            .ok_or("the endpoint has no VPC")?;
        let vpc: VpcProperties = self.typed(region, NodeType::Vpc, &vpc_id)?;
        let mut groups = Vec::new();
        for group_id in &group_ids {
            groups.push(self.typed::<SecurityGroupProperties>(
                region,
                NodeType::SecurityGroup,
                group_id,
            )?);
        }
        Ok(Endpoint {
            node_id: endpoint_id,
            region: region.to_string(),
            subnet,
            vpc,
            group_ids,
            groups,
            private_ips,
            public_ip,
            ipv6_addresses: ipv6,
        })
    }

    /// The public address of the elastic IP held by an ENI or instance. `Err` when an elastic IP
    /// of the region cannot be read: it might be this one's, so "none" would be a guess.
    fn elastic_ip_of(&self, region: &str, eni_or_instance: &str) -> Lookup<Option<String>> {
        if let Some(index) = self.index {
            if let Some(why) = index.unreadable_elastic_ips.get(region) {
                return Err(why.clone());
            }
            return Ok(index
                .elastic_ips
                .get(&(region.to_string(), eni_or_instance.to_string()))
                .cloned());
        }
        let mut held_by_it: Option<Option<String>> = None;
        for node in self
            .graph
            .nodes_of_type(NodeType::ElasticIp)
            .filter(|node| node.region == region)
        {
            let address = node
                .properties_as::<ElasticIpProperties>()
                .map_err(|error| error.to_string())?;
            let held = [&address.network_interface_id, &address.instance_id]
                .into_iter()
                .any(|holder| holder.as_deref() == Some(eni_or_instance));
            if held && held_by_it.is_none() {
                held_by_it = Some(address.public_ip);
            }
        }
        Ok(held_by_it.flatten())
    }

    /// The endpoint (ENI, else instance) that holds an address inside `network`, in `vpc_id`.
    pub fn endpoint_at(&self, region: &str, vpc_id: &str, network: &IpNetwork) -> Option<Endpoint> {
        let candidates = self
            .graph
            .nodes_of_type(NodeType::NetworkInterface)
            .chain(self.graph.nodes_of_type(NodeType::Instance));
        for node in candidates.filter(|node| node.region == region) {
            let Ok(endpoint) = self.endpoint(node) else {
                continue;
            };
            if endpoint.vpc.vpc_id == vpc_id && endpoint.has_address_in(network) {
                return Some(endpoint);
            }
        }
        None
    }

    pub fn vpc_networks(vpc: &VpcProperties, ipv6: bool) -> Vec<IpNetwork> {
        let texts: Vec<&String> = if ipv6 {
            vpc.ipv6_cidr_blocks.iter().collect()
        } else if vpc.cidr_blocks.is_empty() {
            vpc.cidr_block.iter().collect()
        } else {
            vpc.cidr_blocks.iter().collect()
        };
        texts
            .into_iter()
            .filter_map(|text| matching::parse_network(text))
            .collect()
    }

    /// CIDRs of a managed prefix list, or why they are unknown.
    pub fn prefix_list(&self, region: &str, prefix_list_id: &str) -> Lookup<Vec<IpNetwork>> {
        let list: ManagedPrefixListProperties =
            self.typed(region, NodeType::ManagedPrefixList, prefix_list_id)?;
        Ok(list
            .cidrs
            .iter()
            .filter_map(|cidr| matching::parse_network(cidr))
            .collect())
    }

    /// What in `rule` covers `peer` (a CIDR range, a referenced security group of the peer, or a
    /// prefix list holding a covering CIDR), said as the evidence names it. Prefix lists that
    /// cannot be resolved are added to `unresolved`. The one matcher of a rule's peers: the
    /// tracer and the exposure analysis both ask it, so they cannot disagree.
    pub fn rule_peer_source(
        &self,
        region: &str,
        rule: &crate::model::properties::SecurityGroupRule,
        peer: &Peer<'_>,
        unresolved: &mut Vec<String>,
    ) -> Option<String> {
        let ranges = if peer.network.is_ipv6() {
            &rule.ipv6_ranges
        } else {
            &rule.ipv4_ranges
        };
        if let Some(range) = ranges.iter().find(|range| {
            matching::parse_network(range)
                .is_some_and(|network| matching::contains(&network, &peer.network))
        }) {
            return Some(range.clone());
        }
        if let Some(group_id) = rule
            .referenced_group_ids
            .iter()
            .find(|group_id| peer.group_ids.contains(group_id))
        {
            return Some(format!("security group {group_id}"));
        }
        for list_id in &rule.prefix_list_ids {
            match self.prefix_list(region, list_id) {
                Ok(networks)
                    if networks
                        .iter()
                        .any(|network| matching::contains(network, &peer.network)) =>
                {
                    return Some(format!("prefix list {list_id}"));
                }
                Ok(_) => {}
                Err(missing) => unresolved.push(missing),
            }
        }
        None
    }

    /// The first rule of `groups` (ingress or egress) that admits the flow to/from `peer`.
    /// `Err` lists prefix lists that could not be resolved when nothing matched.
    pub fn security_group_match(
        &self,
        region: &str,
        groups: &[SecurityGroupProperties],
        egress: bool,
        protocol: Protocol,
        port: Option<u16>,
        peer: &Peer<'_>,
    ) -> Result<Option<Value>, Vec<String>> {
        let ipv6 = peer.network.is_ipv6();
        let mut unresolved = Vec::new();
        for group in groups {
            let rules = if egress {
                &group.egress
            } else {
                &group.ingress
            };
            for (index, rule) in rules.iter().enumerate() {
                if !matching::protocol_matches(&rule.protocol, protocol, ipv6)
                    || !matching::port_matches(rule.from_port, rule.to_port, protocol, port)
                {
                    continue;
                }
                if let Some(source) = self.rule_peer_source(region, rule, peer, &mut unresolved) {
                    return Ok(Some(json!({
                        "security_group_id": group.group_id,
                        "direction": if egress { "egress" } else { "ingress" },
                        "rule_index": index,
                        "protocol": rule.protocol,
                        "from_port": rule.from_port,
                        "to_port": rule.to_port,
                        if egress { "destination" } else { "source" }: source,
                    })));
                }
            }
        }
        if unresolved.is_empty() {
            Ok(None)
        } else {
            Err(unresolved)
        }
    }

    /// The NACL a subnet uses: its explicit association, else the VPC's default NACL.
    pub fn network_acl(
        &self,
        region: &str,
        subnet: &SubnetProperties,
        vpc: &VpcProperties,
    ) -> Lookup<(String, NetworkAclProperties)> {
        if let Some(acl_id) = &subnet.network_acl_id {
            return Ok((
                acl_id.clone(),
                self.typed(region, NodeType::NetworkAcl, acl_id)?,
            ));
        }
        let associated = self
            .graph
            .nodes_of_type(NodeType::NetworkAcl)
            .filter(|node| {
                node.region == region && raw_field(node, "vpc_id") == Some(vpc.vpc_id.as_str())
            })
            // A malformed ACL of this VPC might be the associated one: say so rather than
            // fall through to the default ACL, which would be a guess.
            .map(|node| node.properties_as::<NetworkAclProperties>())
            .find(|acl| {
                acl.as_ref()
                    .map_or(true, |acl| acl.subnet_ids.contains(&subnet.subnet_id))
            })
            .transpose()
            .map_err(|error| error.to_string())?;
        if let Some(acl) = associated {
            return Ok((acl.network_acl_id.clone(), acl));
        }
        let default_id = vpc.default_network_acl_id.clone().or_else(|| {
            self.graph
                .nodes_of_type(NodeType::NetworkAcl)
                .filter(|node| {
                    node.region == region && raw_field(node, "vpc_id") == Some(vpc.vpc_id.as_str())
                })
                .find_map(|node| {
                    let acl: NetworkAclProperties = node.properties_as().ok()?;
                    (acl.is_default && acl.vpc_id.as_deref() == Some(vpc.vpc_id.as_str()))
                        .then_some(acl.network_acl_id)
                })
        });
        let acl_id = default_id
            .ok_or_else(|| format!("no network ACL is known for subnet {}", subnet.subnet_id))?;
        Ok((
            acl_id.clone(),
            self.typed(region, NodeType::NetworkAcl, &acl_id)?,
        ))
    }

    /// The route table a subnet uses: its explicit association, else the VPC's main table.
    pub fn route_table(
        &self,
        region: &str,
        subnet: &SubnetProperties,
        vpc: &VpcProperties,
    ) -> Lookup<RouteTableProperties> {
        if let Some(table_id) = &subnet.route_table_id {
            return self.typed(region, NodeType::RouteTable, table_id);
        }
        let tables: Vec<RouteTableProperties> = self
            .graph
            .nodes_of_type(NodeType::RouteTable)
            .filter(|node| {
                node.region == region && raw_field(node, "vpc_id") == Some(vpc.vpc_id.as_str())
            })
            // A malformed table of this VPC might be the subnet's: an error, not a skipped table.
            .map(|node| node.properties_as::<RouteTableProperties>())
            .collect::<Result<_, _>>()
            .map_err(|error| error.to_string())?;
        if let Some(table) = tables
            .iter()
            .find(|table| table.subnet_ids.contains(&subnet.subnet_id))
        {
            return Ok(table.clone());
        }
        if let Some(main_id) = &vpc.main_route_table_id {
            return self.typed(region, NodeType::RouteTable, main_id);
        }
        tables
            .into_iter()
            .find(|table| table.is_main)
            .ok_or_else(|| format!("no route table is known for subnet {}", subnet.subnet_id))
    }

    /// Longest-prefix match of `destination` in `table` (routes whose destination contains it).
    pub fn longest_prefix_route(
        &self,
        region: &str,
        table: &RouteTableProperties,
        destination: &IpNetwork,
    ) -> Option<(Route, IpNetwork)> {
        let mut best: Option<(Route, IpNetwork)> = None;
        for route in &table.routes {
            let mut candidates: Vec<IpNetwork> = Vec::new();
            for text in [&route.destination_cidr, &route.destination_ipv6_cidr]
                .into_iter()
                .flatten()
            {
                candidates.extend(matching::parse_network(text));
            }
            if let Some(list_id) = &route.destination_prefix_list_id
                && let Ok(networks) = self.prefix_list(region, list_id)
            {
                candidates.extend(networks);
            }
            for candidate in candidates {
                if matching::contains(&candidate, destination)
                    && best
                        .as_ref()
                        .is_none_or(|(_, current)| candidate.prefix() > current.prefix())
                {
                    best = Some((route.clone(), candidate));
                }
            }
        }
        best
    }

    /// The NACL's decision for one flow: first matching entry by rule number, else implicit deny.
    pub fn nacl_decision(
        acl: &NetworkAclProperties,
        egress: bool,
        protocol: Protocol,
        port: Option<u16>,
        peer: &IpNetwork,
    ) -> (bool, Value) {
        let ipv6 = peer.is_ipv6();
        let mut entries: Vec<&NetworkAclEntry> = acl
            .entries
            .iter()
            .filter(|entry| entry.egress == egress)
            .collect();
        entries.sort_by_key(|entry| entry.rule_number);
        for entry in entries {
            let Some(network) = matching::nacl_entry_network(entry, ipv6) else {
                continue;
            };
            if matching::protocol_matches(&entry.protocol, protocol, ipv6)
                && matching::port_matches(entry.port_from, entry.port_to, protocol, port)
                && matching::contains(&network, peer)
            {
                let allowed = entry.action == "allow";
                return (
                    allowed,
                    json!({"network_acl_id": acl.network_acl_id, "rule_number": entry.rule_number, "action": entry.action, "cidr": network.to_string(), "egress": egress}),
                );
            }
        }
        (
            false,
            json!({"network_acl_id": acl.network_acl_id, "rule_number": "*", "action": "deny", "egress": egress}),
        )
    }

    /// Whether the NACL lets return traffic for `protocol` use every ephemeral port (1024-65535)
    /// to/from `peer`. Evaluated in rule order over the port range, so an earlier deny of part of
    /// the range blocks the return path.
    pub fn nacl_allows_ephemeral(
        acl: &NetworkAclProperties,
        egress: bool,
        protocol: Protocol,
        peer: &IpNetwork,
    ) -> (bool, Value) {
        let ipv6 = peer.is_ipv6();
        if !matches!(protocol, Protocol::Tcp | Protocol::Udp) {
            let (allowed, matched) = Self::nacl_decision(acl, egress, protocol, None, peer);
            return (allowed, matched);
        }
        let mut entries: Vec<&NetworkAclEntry> = acl
            .entries
            .iter()
            .filter(|entry| entry.egress == egress)
            .collect();
        entries.sort_by_key(|entry| entry.rule_number);
        let mut undecided = PortSet(vec![(1024, 65535)]);
        let mut allowed = PortSet::default();
        let mut deciding = Vec::new();
        for entry in entries {
            let Some(network) = matching::nacl_entry_network(entry, ipv6) else {
                continue;
            };
            if !matching::protocol_matches(&entry.protocol, protocol, ipv6)
                || !matching::contains(&network, peer)
            {
                continue;
            }
            let (from, to) = matching::nacl_entry_ports(entry);
            let affected = undecided.intersect(&PortSet(vec![(from, to)]));
            if affected.is_empty() {
                continue;
            }
            deciding.push(json!({"rule_number": entry.rule_number, "action": entry.action, "ports": [from, to]}));
            if entry.action == "allow" {
                for &(a, b) in &affected.0 {
                    allowed.add(a, b);
                }
            } else {
                return (
                    false,
                    json!({"network_acl_id": acl.network_acl_id, "egress": egress, "ephemeral_ports": [1024, 65535], "decided_by": deciding}),
                );
            }
            undecided.remove(from, to);
            if undecided.is_empty() {
                break;
            }
        }
        let ok = allowed.covers(1024, 65535);
        if !ok && deciding.is_empty() {
            deciding.push(json!({"rule_number": "*", "action": "deny"}));
        }
        (
            ok,
            json!({"network_acl_id": acl.network_acl_id, "egress": egress, "ephemeral_ports": [1024, 65535], "decided_by": deciding}),
        )
    }

    /// Ports of `protocol` a NACL admits from `peer` (inbound) in rule order.
    pub fn nacl_open_ports(
        acl: &NetworkAclProperties,
        egress: bool,
        protocol: Protocol,
        peer: &IpNetwork,
    ) -> PortSet {
        let ipv6 = peer.is_ipv6();
        let mut entries: Vec<&NetworkAclEntry> = acl
            .entries
            .iter()
            .filter(|entry| entry.egress == egress)
            .collect();
        entries.sort_by_key(|entry| entry.rule_number);
        let mut undecided = PortSet::all();
        let mut allowed = PortSet::default();
        for entry in entries {
            let Some(network) = matching::nacl_entry_network(entry, ipv6) else {
                continue;
            };
            if !matching::protocol_matches(&entry.protocol, protocol, ipv6)
                || !matching::contains(&network, peer)
            {
                continue;
            }
            let (from, to) = matching::nacl_entry_ports(entry);
            if entry.action == "allow" {
                for &(a, b) in &undecided.intersect(&PortSet(vec![(from, to)])).0 {
                    allowed.add(a, b);
                }
            }
            undecided.remove(from, to);
        }
        allowed
    }

    /// An internet gateway attached to `vpc_id` with id `gateway_id`, or why not.
    pub fn attached_internet_gateway(
        &self,
        region: &str,
        gateway_id: &str,
        vpc_id: &str,
    ) -> Lookup<bool> {
        let node_type = if gateway_id.starts_with("eigw-") {
            NodeType::EgressOnlyInternetGateway
        } else {
            NodeType::InternetGateway
        };
        let gateway: InternetGatewayProperties = self.typed(region, node_type, gateway_id)?;
        Ok(gateway.attachments.iter().any(|attachment| {
            attachment.vpc_id == vpc_id
                && matches!(attachment.state.as_str(), "attached" | "available")
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(node_type: NodeType, raw: &str, properties: Value) -> Node {
        Node::aws("us-east-1", node_type, raw, properties)
    }

    /// A VPC whose subnet has no explicit route table or NACL, a main table and a default ACL,
    /// plus `other` route table and ACL in the same VPC whose properties are given.
    fn vpc_with(other_table: Value, other_acl: Value) -> TenantGraph {
        TenantGraph::build(
            vec![
                node(
                    NodeType::RouteTable,
                    "rtb-main",
                    json!({"route_table_id": "rtb-main", "vpc_id": "vpc-1", "is_main": true}),
                ),
                node(NodeType::RouteTable, "rtb-other", other_table),
                node(
                    NodeType::NetworkAcl,
                    "acl-default",
                    json!({"network_acl_id": "acl-default", "vpc_id": "vpc-1", "is_default": true}),
                ),
                node(NodeType::NetworkAcl, "acl-other", other_acl),
            ],
            Vec::new(),
        )
    }

    #[test]
    fn an_unreadable_elastic_ip_of_the_region_makes_public_addresses_unknown() {
        let held = node(
            NodeType::ElasticIp,
            "eipalloc-1",
            json!({"allocation_id": "eipalloc-1", "public_ip": "54.0.0.1", "network_interface_id": "eni-1"}),
        );
        let mut unreadable = node(
            NodeType::ElasticIp,
            "eipalloc-2",
            json!({"allocation_id": "eipalloc-2", "public_ip": 54, "network_interface_id": "eni-2"}),
        );
        unreadable.region = "eu-west-1".into();
        unreadable.id = NodeId::parse("aws:eu-west-1:aws.ec2.elastic_ip:eipalloc-2").unwrap();
        let other_region = TenantGraph::build(vec![held.clone(), unreadable.clone()], Vec::new());
        let index = PathIndex::build(&other_region);
        for view in [
            NetworkView::new(&other_region, None),
            NetworkView::new(&other_region, Some(&index)),
        ] {
            assert_eq!(
                view.elastic_ip_of("us-east-1", "eni-1"),
                Ok(Some("54.0.0.1".to_string()))
            );
        }
        unreadable.region = "us-east-1".into();
        unreadable.id = NodeId::aws("us-east-1", NodeType::ElasticIp, "eipalloc-2");
        let same_region = TenantGraph::build(vec![held, unreadable], Vec::new());
        let index = PathIndex::build(&same_region);
        for view in [
            NetworkView::new(&same_region, None),
            NetworkView::new(&same_region, Some(&index)),
        ] {
            let why = view.elastic_ip_of("us-east-1", "eni-1").unwrap_err();
            assert!(
                why.contains("eipalloc-2") && why.contains("malformed"),
                "{why}"
            );
        }
    }

    #[test]
    fn a_malformed_table_or_acl_of_the_vpc_is_an_error_not_skipped() {
        let subnet = SubnetProperties {
            subnet_id: "subnet-1".into(),
            vpc_id: Some("vpc-1".into()),
            ..Default::default()
        };
        let vpc = VpcProperties {
            vpc_id: "vpc-1".into(),
            ..Default::default()
        };
        let well_formed = vpc_with(
            json!({"route_table_id": "rtb-other", "vpc_id": "vpc-1", "subnet_ids": ["subnet-9"]}),
            json!({"network_acl_id": "acl-other", "vpc_id": "vpc-1", "subnet_ids": ["subnet-9"]}),
        );
        let view = NetworkView::new(&well_formed, None);
        let table = view.route_table("us-east-1", &subnet, &vpc).unwrap();
        assert_eq!(table.route_table_id, "rtb-main");
        let (acl_id, _) = view.network_acl("us-east-1", &subnet, &vpc).unwrap();
        assert_eq!(acl_id, "acl-default");

        // The same tables with `subnet_ids` unreadable: either might be the subnet's, so the
        // main table and the default ACL would be guesses.
        let malformed = vpc_with(
            json!({"route_table_id": "rtb-other", "vpc_id": "vpc-1", "subnet_ids": "subnet-1"}),
            json!({"network_acl_id": "acl-other", "vpc_id": "vpc-1", "subnet_ids": "subnet-1"}),
        );
        let view = NetworkView::new(&malformed, None);
        let table_error = view.route_table("us-east-1", &subnet, &vpc).unwrap_err();
        assert!(
            table_error.contains("rtb-other") && table_error.contains("malformed"),
            "{table_error}"
        );
        let acl_error = view.network_acl("us-east-1", &subnet, &vpc).unwrap_err();
        assert!(
            acl_error.contains("acl-other") && acl_error.contains("malformed"),
            "{acl_error}"
        );
    }
}
