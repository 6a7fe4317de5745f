//! The forward trace: source security groups, source subnet NACL, route table, then the route's
//! target (local delivery, internet gateway, NAT gateway, VPC peering, transit gateway), and the
//! stateless return path through the NACLs.

use ipnetwork::IpNetwork;
use serde_json::json;

use super::network::{Endpoint, NetworkView, Peer};
use super::result::{Disposition, HopComponent, ReasonCode, Recorder, TraceResult, Verdict};
use super::{Destination, Protocol, TraceQuery};
use crate::graph::TenantGraph;
use crate::model::properties::{
    NatGatewayProperties, RouteTarget, SubnetProperties, TransitGatewayAttachmentProperties,
    TransitGatewayRouteTableProperties, VpcPeeringConnectionProperties, VpcProperties,
};
use crate::model::{Node, NodeId, NodeType};

fn id(region: &str, node_type: NodeType, raw: &str) -> String {
    NodeId::aws(region, node_type, raw).to_string()
}

/// One flow being walked; `load_balancer` walks its two legs with the same steps (and clones a
/// flow after its front leg to walk on to each target).
#[derive(Clone)]
pub(super) struct Flow<'a> {
    pub(super) view: NetworkView<'a>,
    pub(super) protocol: Protocol,
    pub(super) port: Option<u16>,
    pub(super) recorder: Recorder,
}

impl Flow<'_> {
    pub(super) fn describe(&self) -> String {
        match self.port {
            Some(port) => format!("{} {port}", self.protocol.as_str().to_uppercase()),
            None => self.protocol.as_str().to_uppercase(),
        }
    }

    pub(super) fn missing(
        mut self,
        node_id: &str,
        component: HopComponent,
        what: String,
    ) -> TraceResult {
        self.recorder.assume(what.clone());
        self.recorder.hop(
            node_id,
            component,
            Verdict::Unknown,
            None,
            ReasonCode::MissingData,
            format!("cannot decide at {component}: {what}"),
        );
        self.recorder.finish(Disposition::InsufficientInfo)
    }

    pub(super) fn security_groups(
        &mut self,
        endpoint: &Endpoint,
        egress: bool,
        peer: &Peer<'_>,
    ) -> Result<(), (Disposition, bool)> {
        let component = if egress {
            HopComponent::SecurityGroupEgress
        } else {
            HopComponent::SecurityGroupIngress
        };
        let direction = if egress { "to" } else { "from" };
        match self.view.security_group_match(
            &endpoint.region,
            &endpoint.groups,
            egress,
            self.protocol,
            self.port,
            peer,
        ) {
            Ok(Some(matched)) => {
                let group = matched["security_group_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let through = matched[if egress { "destination" } else { "source" }]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                self.recorder.hop(
                    &id(&endpoint.region, NodeType::SecurityGroup, &group),
                    component,
                    Verdict::Allow,
                    Some(matched),
                    if egress {
                        ReasonCode::SgAllowsEgress
                    } else {
                        ReasonCode::SgAllowsIngress
                    },
                    format!(
                        "security group {group} allows {} {direction} {} (rule for {through})",
                        self.describe(),
                        peer.network
                    ),
                );
                Ok(())
            }
            Ok(None) => {
                self.recorder.hop(
                    endpoint.node_id.as_str(),
                    component,
                    Verdict::Deny,
                    Some(json!({"security_group_ids": endpoint.group_ids})),
                    if egress {
                        ReasonCode::SgNoMatchingEgressRule
                    } else {
                        ReasonCode::SgNoMatchingIngressRule
                    },
                    format!(
                        "no {} rule of security groups [{}] on {} allows {} {direction} {}",
                        if egress { "egress" } else { "ingress" },
                        endpoint.group_ids.join(", "),
                        endpoint.node_id.resource_id(),
                        self.describe(),
                        peer.network
                    ),
                );
                Err((
                    if egress {
                        Disposition::DeniedOut
                    } else {
                        Disposition::DeniedIn
                    },
                    false,
                ))
            }
            Err(unresolved) => {
                self.recorder.assume(unresolved.join("; "));
                self.recorder.hop(
                    endpoint.node_id.as_str(),
                    component,
                    Verdict::Unknown,
                    None,
                    ReasonCode::MissingData,
                    format!(
                        "prefix lists could not be resolved: {}",
                        unresolved.join("; ")
                    ),
                );
                Err((Disposition::InsufficientInfo, false))
            }
        }
    }

    /// NACL of `subnet` for the forward flow to/from `peer`.
    pub(super) fn nacl(
        &mut self,
        endpoint: &Endpoint,
        subnet: &SubnetProperties,
        vpc: &VpcProperties,
        egress: bool,
        peer: &IpNetwork,
    ) -> Result<(), (Disposition, bool)> {
        let component = if egress {
            HopComponent::NetworkAclOutbound
        } else {
            HopComponent::NetworkAclInbound
        };
        let (acl_id, acl) = match self.view.network_acl(&endpoint.region, subnet, vpc) {
            Ok(found) => found,
            Err(missing) => {
                self.recorder.assume(missing.clone());
                self.recorder.hop(
                    &id(&endpoint.region, NodeType::Subnet, &subnet.subnet_id),
                    component,
                    Verdict::Unknown,
                    None,
                    ReasonCode::MissingData,
                    missing,
                );
                return Err((Disposition::InsufficientInfo, false));
            }
        };
        let (allowed, matched) =
            NetworkView::nacl_decision(&acl, egress, self.protocol, self.port, peer);
        let rule = matched["rule_number"]
            .to_string()
            .trim_matches('"')
            .to_string();
        let node_id = id(&endpoint.region, NodeType::NetworkAcl, &acl_id);
        let direction = if egress {
            "outbound to"
        } else {
            "inbound from"
        };
        if allowed {
            self.recorder.hop(
                &node_id,
                component,
                Verdict::Allow,
                Some(matched),
                ReasonCode::NaclAllowRule,
                format!(
                    "network ACL {acl_id} rule {rule} allows {} {direction} {peer}",
                    self.describe()
                ),
            );
            return Ok(());
        }
        let (code, text) = if rule == "*" {
            (
                ReasonCode::NaclImplicitDeny,
                format!(
                    "no rule of network ACL {acl_id} allows {} {direction} {peer}: the implicit final rule denies it",
                    self.describe()
                ),
            )
        } else {
            (
                ReasonCode::NaclDenyRule,
                format!(
                    "network ACL {acl_id} rule {rule} denies {} {direction} {peer}",
                    self.describe()
                ),
            )
        };
        self.recorder.hop(
            &node_id,
            component,
            Verdict::Deny,
            Some(matched),
            code,
            text,
        );
        Err((
            if egress {
                Disposition::DeniedOut
            } else {
                Disposition::DeniedIn
            },
            false,
        ))
    }

    /// The stateless return path through one NACL (ephemeral ports 1024-65535).
    pub(super) fn return_nacl(
        &mut self,
        endpoint_region: &str,
        subnet: &SubnetProperties,
        vpc: &VpcProperties,
        egress: bool,
        peer: &IpNetwork,
    ) -> Result<(), (Disposition, bool)> {
        let component = if egress {
            HopComponent::NetworkAclOutboundReturn
        } else {
            HopComponent::NetworkAclInboundReturn
        };
        let (acl_id, acl) = match self.view.network_acl(endpoint_region, subnet, vpc) {
            Ok(found) => found,
            Err(missing) => {
                self.recorder.assume(missing.clone());
                self.recorder.return_hop(
                    &id(endpoint_region, NodeType::Subnet, &subnet.subnet_id),
                    component,
                    Verdict::Unknown,
                    None,
                    ReasonCode::MissingData,
                    missing,
                );
                return Err((Disposition::InsufficientInfo, true));
            }
        };
        let (allowed, matched) =
            NetworkView::nacl_allows_ephemeral(&acl, egress, self.protocol, peer);
        let node_id = id(endpoint_region, NodeType::NetworkAcl, &acl_id);
        let direction = if egress {
            "outbound to"
        } else {
            "inbound from"
        };
        if allowed {
            self.recorder.return_hop(&node_id, component, Verdict::Allow, Some(matched), ReasonCode::NaclAllowRule, format!("network ACL {acl_id} allows return traffic {direction} {peer} on the ephemeral ports 1024-65535"));
            return Ok(());
        }
        self.recorder.return_hop(
            &node_id,
            component,
            Verdict::Deny,
            Some(matched),
            ReasonCode::NaclReturnPathDenied,
            format!("network ACL {acl_id} does not allow return traffic {direction} {peer} on all ephemeral ports 1024-65535 (NACLs are stateless)"),
        );
        Err((
            if egress {
                Disposition::DeniedOut
            } else {
                Disposition::DeniedIn
            },
            true,
        ))
    }

    /// From the destination's subnet boundary to the destination, and the return path.
    fn deliver(
        &mut self,
        source: &Endpoint,
        source_address: &IpNetwork,
        destination: &Endpoint,
        destination_address: &IpNetwork,
    ) -> Result<(), (Disposition, bool)> {
        let same_subnet = source.subnet.subnet_id == destination.subnet.subnet_id;
        if !same_subnet {
            self.nacl(
                destination,
                &destination.subnet,
                &destination.vpc,
                false,
                source_address,
            )?;
        }
        let peer = Peer {
            network: *source_address,
            group_ids: &source.group_ids,
        };
        self.security_groups(destination, false, &peer)?;
        if !same_subnet {
            self.return_nacl(
                &destination.region,
                &destination.subnet,
                &destination.vpc,
                true,
                source_address,
            )?;
            self.return_nacl(
                &source.region,
                &source.subnet,
                &source.vpc,
                false,
                destination_address,
            )?;
        }
        Ok(())
    }
}

pub fn trace_flow(
    graph: &TenantGraph,
    index: Option<&super::network::PathIndex>,
    source_node: &Node,
    query: &TraceQuery,
) -> TraceResult {
    let mut flow = Flow {
        view: NetworkView::new(graph, index),
        protocol: query.protocol,
        port: query.port,
        recorder: Recorder::default(),
    };
    let source = match flow.view.endpoint(source_node) {
        Ok(endpoint) => endpoint,
        Err(missing) => {
            return flow.missing(source_node.id.as_str(), HopComponent::Source, missing);
        }
    };
    let (destination_network, destination_endpoint) = match &query.destination {
        Destination::Cidr(network) => (*network, None),
        Destination::Node(node_id) => {
            // Invariant: `trace` checked the destination node exists.
            let Some(node) = graph.node(node_id) else {
                return flow.missing(
                    node_id.as_str(),
                    HopComponent::Destination,
                    "destination not in the graph".into(),
                );
            };
            let endpoint = match flow.view.endpoint(node) {
                Ok(endpoint) => endpoint,
                Err(missing) => {
                    return flow.missing(node_id.as_str(), HopComponent::Destination, missing);
                }
            };
            // An RDS instance reports no private address: aim at its subnet, every address of
            // which the checks below must then admit.
            let address = endpoint.address(false).or_else(|| {
                (node.node_type == NodeType::RdsDbInstance)
                    .then_some(endpoint.subnet.cidr_block.as_deref())
                    .flatten()
                    .and_then(super::matching::parse_network)
            });
            let Some(address) = address else {
                return flow.missing(
                    node_id.as_str(),
                    HopComponent::Destination,
                    "the destination has no private IPv4 address".into(),
                );
            };
            (address, Some(endpoint))
        }
    };
    let ipv6 = destination_network.is_ipv6();
    let Some(source_address) = source.address(ipv6) else {
        let family = if ipv6 { "IPv6" } else { "IPv4" };
        return flow.missing(
            source.node_id.as_str(),
            HopComponent::Source,
            format!("the source has no {family} address"),
        );
    };
    match run(
        &mut flow,
        &source,
        source_address,
        destination_network,
        destination_endpoint,
    ) {
        Ok(disposition) => flow.recorder.finish(disposition),
        Err((disposition, _)) => flow.recorder.finish(disposition),
    }
}

fn run(
    flow: &mut Flow<'_>,
    source: &Endpoint,
    source_address: IpNetwork,
    destination: IpNetwork,
    destination_endpoint: Option<Endpoint>,
) -> Result<Disposition, (Disposition, bool)> {
    let empty: Vec<String> = Vec::new();
    let peer = Peer {
        network: destination,
        group_ids: destination_endpoint
            .as_ref()
            .map_or(&empty, |endpoint| &endpoint.group_ids),
    };
    flow.security_groups(source, true, &peer)?;

    if let Some(target) = &destination_endpoint
        && target.subnet.subnet_id == source.subnet.subnet_id
    {
        let subnet_node = id(&source.region, NodeType::Subnet, &source.subnet.subnet_id);
        flow.recorder.hop(
            &subnet_node,
            HopComponent::NetworkAcl,
            Verdict::Skip,
            None,
            ReasonCode::NaclSkippedSameSubnet,
            format!(
                "both ends are in subnet {}: network ACLs do not apply",
                source.subnet.subnet_id
            ),
        );
        flow.deliver(source, &source_address, target, &destination)?;
        return Ok(Disposition::Accepted);
    }

    flow.nacl(source, &source.subnet, &source.vpc, true, &destination)?;
    let region = source.region.clone();
    let table = match flow.view.route_table(&region, &source.subnet, &source.vpc) {
        Ok(table) => table,
        Err(missing) => {
            flow.recorder.assume(missing.clone());
            flow.recorder.hop(
                &id(&region, NodeType::Subnet, &source.subnet.subnet_id),
                HopComponent::RouteTable,
                Verdict::Unknown,
                None,
                ReasonCode::MissingData,
                missing,
            );
            return Err((Disposition::InsufficientInfo, false));
        }
    };
    let table_node = id(&region, NodeType::RouteTable, &table.route_table_id);
    let association = if source.subnet.route_table_id.as_deref()
        == Some(table.route_table_id.as_str())
        || table.subnet_ids.contains(&source.subnet.subnet_id)
    {
        "explicitly associated"
    } else {
        "main"
    };
    let Some((route, matched_network)) =
        flow.view
            .longest_prefix_route(&region, &table, &destination)
    else {
        flow.recorder.hop(
            &table_node,
            HopComponent::RouteTable,
            Verdict::Deny,
            Some(json!({"route_table_id": table.route_table_id})),
            ReasonCode::NoRouteToDestination,
            format!(
                "route table {} ({association}) has no route to {destination}",
                table.route_table_id
            ),
        );
        return Err((Disposition::NoRoute, false));
    };
    let matched = json!({"route_table_id": table.route_table_id, "association": association, "destination": matched_network.to_string(), "prefix_length": matched_network.prefix(), "target_type": route.target_type, "target_id": route.target_id, "state": route.state});
    if route.state == "blackhole" {
        flow.recorder.hop(&table_node, HopComponent::RouteTable, Verdict::Deny, Some(matched), ReasonCode::RouteBlackhole, format!("route {matched_network} in route table {} points at {} {}, which no longer exists (blackhole)", table.route_table_id, route.target_type, route.target_id));
        return Err((Disposition::Blackhole, false));
    }
    flow.recorder.hop(&table_node, HopComponent::RouteTable, Verdict::Forward, Some(matched), ReasonCode::RouteMatched, format!("route table {} ({association}) sends {destination} via route {matched_network} to {} {}", table.route_table_id, route.target_type, route.target_id));

    match route.target_type {
        RouteTarget::Local => {
            let Some(target) = destination_endpoint.or_else(|| {
                flow.view
                    .endpoint_at(&region, &source.vpc.vpc_id, &destination)
            }) else {
                flow.recorder.assume(format!(
                    "no discovered resource holds an address in {destination} inside {}",
                    source.vpc.vpc_id
                ));
                flow.recorder.hop(&id(&region, NodeType::Vpc, &source.vpc.vpc_id), HopComponent::Destination, Verdict::Unknown, None, ReasonCode::MissingData, format!("the route reaches VPC {}, but no resource at {destination} is known, so its network ACL and security groups cannot be checked", source.vpc.vpc_id));
                return Err((Disposition::InsufficientInfo, false));
            };
            let target_address = target.address(destination.is_ipv6()).unwrap_or(destination);
            flow.deliver(source, &source_address, &target, &target_address)?;
            Ok(Disposition::Accepted)
        }
        target @ (RouteTarget::InternetGateway | RouteTarget::EgressOnlyInternetGateway) => {
            let gateway_type = if target == RouteTarget::InternetGateway {
                NodeType::InternetGateway
            } else {
                NodeType::EgressOnlyInternetGateway
            };
            let gateway_node = id(&region, gateway_type, &route.target_id);
            match flow
                .view
                .attached_internet_gateway(&region, &route.target_id, &source.vpc.vpc_id)
            {
                Err(missing) => {
                    flow.recorder.assume(missing.clone());
                    flow.recorder.hop(
                        &gateway_node,
                        HopComponent::InternetGateway,
                        Verdict::Unknown,
                        None,
                        ReasonCode::MissingData,
                        missing,
                    );
                    return Err((Disposition::InsufficientInfo, false));
                }
                Ok(false) => {
                    flow.recorder.hop(
                        &gateway_node,
                        HopComponent::InternetGateway,
                        Verdict::Deny,
                        Some(json!({"internet_gateway_id": route.target_id})),
                        ReasonCode::IgwNotAttached,
                        format!(
                            "internet gateway {} is not attached to VPC {}",
                            route.target_id, source.vpc.vpc_id
                        ),
                    );
                    return Err((Disposition::NoRoute, false));
                }
                Ok(true) => {}
            }
            if !destination.is_ipv6() && source.public_ip.is_none() {
                flow.recorder.hop(&gateway_node, HopComponent::InternetGateway, Verdict::Deny, Some(json!({"internet_gateway_id": route.target_id})), ReasonCode::NoPublicIp, format!("{} has no public IP or elastic IP, so internet gateway {} cannot translate its traffic", source.node_id.resource_id(), route.target_id));
                return Err((Disposition::DeniedOut, false));
            }
            let public = source
                .public_ip
                .clone()
                .unwrap_or_else(|| source_address.ip().to_string());
            flow.recorder.hop(
                &gateway_node,
                HopComponent::InternetGateway,
                Verdict::Forward,
                Some(json!({"internet_gateway_id": route.target_id, "public_ip": public})),
                ReasonCode::IgwForwards,
                format!(
                    "internet gateway {} forwards the traffic to {destination} from {public}",
                    route.target_id
                ),
            );
            flow.return_nacl(&region, &source.subnet, &source.vpc, false, &destination)?;
            Ok(Disposition::ExitsNetwork)
        }
        RouteTarget::NatGateway => via_nat(
            flow,
            source,
            &source_address,
            &destination,
            &route.target_id,
        ),
        RouteTarget::VpcPeeringConnection => via_peering(
            flow,
            source,
            &source_address,
            &destination,
            destination_endpoint,
            &route.target_id,
        ),
        RouteTarget::TransitGateway => via_transit_gateway(
            flow,
            source,
            &source_address,
            &destination,
            destination_endpoint,
            &route.target_id,
        ),
        other_target => {
            let other = other_target;
            flow.recorder
                .assume(format!("routing through a {other} is not modelled"));
            flow.recorder.hop(
                &table_node,
                HopComponent::RouteTarget,
                Verdict::Unknown,
                None,
                ReasonCode::MissingData,
                format!(
                    "the route goes to {other} {}, which the tracer does not model",
                    route.target_id
                ),
            );
            Err((Disposition::InsufficientInfo, false))
        }
    }
}

fn via_nat(
    flow: &mut Flow<'_>,
    source: &Endpoint,
    source_address: &IpNetwork,
    destination: &IpNetwork,
    nat_id: &str,
) -> Result<Disposition, (Disposition, bool)> {
    let region = source.region.clone();
    let nat_node = id(&region, NodeType::NatGateway, nat_id);
    let Some(nat) = flow
        .view
        .node(&region, NodeType::NatGateway, nat_id)
        .and_then(|node| node.properties_as::<NatGatewayProperties>().ok())
    else {
        flow.recorder
            .assume(format!("NAT gateway {nat_id} is not in the graph"));
        flow.recorder.hop(
            &nat_node,
            HopComponent::NatGateway,
            Verdict::Unknown,
            None,
            ReasonCode::MissingData,
            format!("NAT gateway {nat_id} is not known"),
        );
        return Err((Disposition::InsufficientInfo, false));
    };
    if nat.state != "available" || nat.connectivity_type == "private" {
        let why = if nat.state != "available" {
            format!("is {}", nat.state)
        } else {
            "is private and cannot reach the internet".to_string()
        };
        flow.recorder.hop(
            &nat_node,
            HopComponent::NatGateway,
            Verdict::Deny,
            Some(json!({"nat_gateway_id": nat_id, "state": nat.state})),
            ReasonCode::NatNotAvailable,
            format!("NAT gateway {nat_id} {why}"),
        );
        return Err((Disposition::Blackhole, false));
    }
    flow.recorder.hop(
        &nat_node,
        HopComponent::NatGateway,
        Verdict::Forward,
        Some(json!({"nat_gateway_id": nat_id, "public_ip": nat.public_ip})),
        ReasonCode::NatTranslates,
        format!(
            "NAT gateway {nat_id} translates the traffic to its address {}",
            nat.public_ip.clone().unwrap_or_default()
        ),
    );
    let Some(subnet_id) = nat.subnet_id.clone() else {
        flow.recorder
            .assume(format!("NAT gateway {nat_id} has no subnet"));
        return Err((Disposition::InsufficientInfo, false));
    };
    let Some(subnet) = flow
        .view
        .node(&region, NodeType::Subnet, &subnet_id)
        .and_then(|node| node.properties_as::<SubnetProperties>().ok())
    else {
        flow.recorder.assume(format!(
            "subnet {subnet_id} of NAT gateway {nat_id} is not in the graph"
        ));
        return Err((Disposition::InsufficientInfo, false));
    };
    let nat_endpoint = Endpoint {
        node_id: NodeId::aws(&region, NodeType::NatGateway, nat_id),
        region: region.clone(),
        subnet: subnet.clone(),
        vpc: source.vpc.clone(),
        group_ids: Vec::new(),
        groups: Vec::new(),
        private_ips: nat.private_ip.clone().into_iter().collect(),
        public_ip: nat.public_ip.clone(),
        ipv6_addresses: Vec::new(),
    };
    flow.nacl(&nat_endpoint, &subnet, &source.vpc, true, destination)?;
    let table = match flow.view.route_table(&region, &subnet, &source.vpc) {
        Ok(table) => table,
        Err(missing) => {
            flow.recorder.assume(missing);
            return Err((Disposition::InsufficientInfo, false));
        }
    };
    let table_node = id(&region, NodeType::RouteTable, &table.route_table_id);
    let route = flow.view.longest_prefix_route(&region, &table, destination);
    let Some((route, matched_network)) = route.filter(|(route, _)| {
        route.target_type == RouteTarget::InternetGateway && route.state != "blackhole"
    }) else {
        flow.recorder.hop(&table_node, HopComponent::RouteTable, Verdict::Deny, Some(json!({"route_table_id": table.route_table_id})), ReasonCode::NoRouteToDestination, format!("route table {} of the NAT's subnet {subnet_id} has no usable route to {destination} through an internet gateway", table.route_table_id));
        return Err((Disposition::NoRoute, false));
    };
    flow.recorder.hop(&table_node, HopComponent::RouteTable, Verdict::Forward, Some(json!({"route_table_id": table.route_table_id, "destination": matched_network.to_string(), "prefix_length": matched_network.prefix(), "target_type": route.target_type, "target_id": route.target_id})), ReasonCode::RouteMatched, format!("the NAT's route table {} sends {destination} to internet gateway {}", table.route_table_id, route.target_id));
    match flow
        .view
        .attached_internet_gateway(&region, &route.target_id, &source.vpc.vpc_id)
    {
        Ok(true) => {}
        Ok(false) => {
            flow.recorder.hop(
                &id(&region, NodeType::InternetGateway, &route.target_id),
                HopComponent::InternetGateway,
                Verdict::Deny,
                None,
                ReasonCode::IgwNotAttached,
                format!(
                    "internet gateway {} is not attached to VPC {}",
                    route.target_id, source.vpc.vpc_id
                ),
            );
            return Err((Disposition::NoRoute, false));
        }
        Err(missing) => {
            flow.recorder.assume(missing);
            return Err((Disposition::InsufficientInfo, false));
        }
    }
    flow.recorder.hop(
        &id(&region, NodeType::InternetGateway, &route.target_id),
        HopComponent::InternetGateway,
        Verdict::Forward,
        None,
        ReasonCode::IgwForwards,
        format!(
            "internet gateway {} forwards the NAT's traffic to {destination}",
            route.target_id
        ),
    );
    flow.return_nacl(&region, &subnet, &source.vpc, false, destination)?;
    let nat_address = nat_endpoint.address(false).unwrap_or(*destination);
    flow.return_nacl(&region, &source.subnet, &source.vpc, false, &nat_address)?;
    let _ = source_address;
    Ok(Disposition::ExitsNetwork)
}

fn via_peering(
    flow: &mut Flow<'_>,
    source: &Endpoint,
    source_address: &IpNetwork,
    destination: &IpNetwork,
    destination_endpoint: Option<Endpoint>,
    peering_id: &str,
) -> Result<Disposition, (Disposition, bool)> {
    let region = source.region.clone();
    let peering_node = id(&region, NodeType::VpcPeeringConnection, peering_id);
    let Some(peering) = flow
        .view
        .node(&region, NodeType::VpcPeeringConnection, peering_id)
        .and_then(|node| node.properties_as::<VpcPeeringConnectionProperties>().ok())
    else {
        flow.recorder.assume(format!(
            "peering connection {peering_id} is not in the graph"
        ));
        flow.recorder.hop(
            &peering_node,
            HopComponent::VpcPeeringConnection,
            Verdict::Unknown,
            None,
            ReasonCode::MissingData,
            format!("peering connection {peering_id} is not known"),
        );
        return Err((Disposition::InsufficientInfo, false));
    };
    if peering.status != "active" {
        flow.recorder.hop(
            &peering_node,
            HopComponent::VpcPeeringConnection,
            Verdict::Deny,
            Some(json!({"peering_connection_id": peering_id, "status": peering.status})),
            ReasonCode::PeeringNotActive,
            format!(
                "peering connection {peering_id} is {}, not active",
                peering.status
            ),
        );
        return Err((Disposition::Blackhole, false));
    }
    let peer_vpc_id = if peering.requester_vpc_id.as_deref() == Some(source.vpc.vpc_id.as_str()) {
        peering.accepter_vpc_id.clone()
    } else {
        peering.requester_vpc_id.clone()
    };
    let peer_region = if peering.requester_vpc_id.as_deref() == Some(source.vpc.vpc_id.as_str()) {
        peering.accepter_region.clone()
    } else {
        peering.requester_region.clone()
    }
    .unwrap_or_else(|| region.clone());
    let Some(peer_vpc) = peer_vpc_id
        .as_deref()
        .and_then(|vpc_id| flow.view.node(&peer_region, NodeType::Vpc, vpc_id))
        .and_then(|node| node.properties_as::<VpcProperties>().ok())
    else {
        flow.recorder
            .assume(format!("the peer VPC of {peering_id} is not in the graph"));
        flow.recorder.hop(
            &peering_node,
            HopComponent::VpcPeeringConnection,
            Verdict::Unknown,
            None,
            ReasonCode::MissingData,
            format!("the peer VPC of {peering_id} is not known"),
        );
        return Err((Disposition::InsufficientInfo, false));
    };
    if !NetworkView::vpc_networks(&peer_vpc, destination.is_ipv6())
        .iter()
        .any(|network| super::matching::contains(network, destination))
    {
        flow.recorder.hop(
            &peering_node,
            HopComponent::VpcPeeringConnection,
            Verdict::Deny,
            None,
            ReasonCode::NoRouteToDestination,
            format!(
                "{destination} is not inside peer VPC {}; peering is not transitive",
                peer_vpc.vpc_id
            ),
        );
        return Err((Disposition::NoRoute, false));
    }
    flow.recorder.hop(
        &peering_node,
        HopComponent::VpcPeeringConnection,
        Verdict::Forward,
        Some(json!({"peering_connection_id": peering_id, "peer_vpc_id": peer_vpc.vpc_id})),
        ReasonCode::PeeringForwards,
        format!(
            "active peering connection {peering_id} carries the traffic to VPC {}",
            peer_vpc.vpc_id
        ),
    );
    let Some(target) = destination_endpoint.or_else(|| {
        flow.view
            .endpoint_at(&peer_region, &peer_vpc.vpc_id, destination)
    }) else {
        flow.recorder.assume(format!(
            "no discovered resource holds an address in {destination} inside {}",
            peer_vpc.vpc_id
        ));
        return Err((Disposition::InsufficientInfo, false));
    };
    // The peer must route the source's address back over the same peering.
    let back = flow
        .view
        .route_table(&target.region, &target.subnet, &target.vpc)
        .ok()
        .and_then(|table| {
            flow.view
                .longest_prefix_route(&target.region, &table, source_address)
                .map(|found| (table, found))
        });
    match back {
        Some((table, (route, network)))
            if route.target_type == RouteTarget::VpcPeeringConnection
                && route.target_id == peering_id
                && route.state != "blackhole" =>
        {
            flow.recorder.return_hop(&id(&target.region, NodeType::RouteTable, &table.route_table_id), HopComponent::RouteTableReturn, Verdict::Allow, Some(json!({"route_table_id": table.route_table_id, "destination": network.to_string(), "prefix_length": network.prefix(), "target_id": peering_id})), ReasonCode::RouteMatched, format!("route table {} of the peer routes {source_address} back over {peering_id}", table.route_table_id));
        }
        other => {
            let table_id = other
                .map(|(table, _)| table.route_table_id)
                .unwrap_or_else(|| "(unknown)".into());
            flow.recorder.return_hop(&id(&target.region, NodeType::RouteTable, &table_id), HopComponent::RouteTableReturn, Verdict::Deny, None, ReasonCode::PeeringNoRouteBack, format!("route table {table_id} of subnet {} in the peer VPC has no route back to {source_address} over {peering_id}", target.subnet.subnet_id));
            return Err((Disposition::NoRoute, true));
        }
    }
    let target_address = target
        .address(destination.is_ipv6())
        .unwrap_or(*destination);
    flow.deliver(source, source_address, &target, &target_address)?;
    Ok(Disposition::Accepted)
}

fn via_transit_gateway(
    flow: &mut Flow<'_>,
    source: &Endpoint,
    source_address: &IpNetwork,
    destination: &IpNetwork,
    destination_endpoint: Option<Endpoint>,
    gateway_id: &str,
) -> Result<Disposition, (Disposition, bool)> {
    let region = source.region.clone();
    let gateway_node = id(&region, NodeType::TransitGateway, gateway_id);
    let attachments: Vec<TransitGatewayAttachmentProperties> = flow
        .view
        .graph
        .nodes_of_type(NodeType::TransitGatewayAttachment)
        .filter(|node| node.region == region)
        .filter_map(|node| {
            node.properties_as::<TransitGatewayAttachmentProperties>()
                .ok()
        })
        .filter(|attachment| {
            attachment.transit_gateway_id == gateway_id
                && attachment.resource_type == "vpc"
                && attachment.state == "available"
        })
        .collect();
    // The gateway's route tables, when discovered: then the source attachment's associated table
    // decides (longest prefix, blackholes), as AWS routes. Without them (an older inventory),
    // any attachment whose VPC holds the destination is taken, and the answer says so.
    let tables: Vec<TransitGatewayRouteTableProperties> = flow
        .view
        .graph
        .nodes_of_type(NodeType::TransitGatewayRouteTable)
        .filter(|node| node.region == region)
        .filter_map(|node| {
            node.properties_as::<TransitGatewayRouteTableProperties>()
                .ok()
        })
        .filter(|table| table.transit_gateway_id == gateway_id)
        .collect();
    let vpc_of = |vpc_id: &str| {
        flow.view
            .node(&region, NodeType::Vpc, vpc_id)?
            .properties_as::<VpcProperties>()
            .ok()
    };
    let mut return_table: Option<(TransitGatewayRouteTableProperties, String)> = None;
    let (destination_vpc, matched) = if tables.is_empty() {
        flow.recorder.assume(format!(
            "no route table of transit gateway {gateway_id} is known: any attachment whose VPC holds the destination is assumed to be routed"
        ));
        let found = attachments
            .iter()
            .filter_map(|attachment| attachment.resource_id.as_deref())
            .find_map(|vpc_id| {
                let vpc = vpc_of(vpc_id)?;
                NetworkView::vpc_networks(&vpc, destination.is_ipv6())
                    .iter()
                    .any(|network| super::matching::contains(network, destination))
                    .then_some(vpc)
            });
        let Some(vpc) = found else {
            flow.recorder.hop(&gateway_node, HopComponent::TransitGateway, Verdict::Deny, None, ReasonCode::NoRouteToDestination, format!("no available attachment of transit gateway {gateway_id} leads to a VPC containing {destination}"));
            return Err((Disposition::NoRoute, false));
        };
        let matched = json!({"transit_gateway_id": gateway_id, "vpc_id": vpc.vpc_id});
        (vpc, matched)
    } else {
        let Some(source_attachment) = attachments.iter().find(|attachment| {
            attachment.resource_id.as_deref() == Some(source.vpc.vpc_id.as_str())
        }) else {
            flow.recorder.hop(
                &gateway_node,
                HopComponent::TransitGateway,
                Verdict::Deny,
                None,
                ReasonCode::NoRouteToDestination,
                format!(
                    "VPC {} has no available attachment to transit gateway {gateway_id}",
                    source.vpc.vpc_id
                ),
            );
            return Err((Disposition::NoRoute, false));
        };
        let Some(table_id) = source_attachment.association_route_table_id.clone() else {
            flow.recorder.hop(&gateway_node, HopComponent::TransitGateway, Verdict::Deny, Some(json!({"attachment_id": source_attachment.attachment_id})), ReasonCode::NoRouteToDestination, format!("attachment {} of VPC {} is associated with no route table of transit gateway {gateway_id}, so the gateway routes none of its traffic", source_attachment.attachment_id, source.vpc.vpc_id));
            return Err((Disposition::NoRoute, false));
        };
        let Some(table) = tables.iter().find(|table| table.route_table_id == table_id) else {
            flow.recorder.assume(format!(
                "transit gateway route table {table_id} is not in the graph"
            ));
            flow.recorder.hop(
                &gateway_node,
                HopComponent::TransitGateway,
                Verdict::Unknown,
                None,
                ReasonCode::MissingData,
                format!(
                    "transit gateway route table {table_id} of attachment {} is not known",
                    source_attachment.attachment_id
                ),
            );
            return Err((Disposition::InsufficientInfo, false));
        };
        let best = table
            .routes
            .iter()
            .filter_map(|route| {
                let network = super::matching::parse_network(route.destination_cidr.as_deref()?)?;
                super::matching::contains(&network, destination).then_some((route, network))
            })
            .max_by_key(|(_, network)| network.prefix());
        let Some((route, network)) = best else {
            flow.recorder.hop(&gateway_node, HopComponent::TransitGateway, Verdict::Deny, Some(json!({"transit_gateway_route_table_id": table_id})), ReasonCode::NoRouteToDestination, format!("transit gateway route table {table_id} (associated with {}) has no route to {destination}", source_attachment.attachment_id));
            return Err((Disposition::NoRoute, false));
        };
        let matched = json!({"transit_gateway_id": gateway_id, "transit_gateway_route_table_id": table_id, "destination": network.to_string(), "prefix_length": network.prefix(), "attachment_id": route.attachment_id, "state": route.state});
        if route.state == "blackhole" {
            flow.recorder.hop(&gateway_node, HopComponent::TransitGateway, Verdict::Deny, Some(matched), ReasonCode::RouteBlackhole, format!("route {network} of transit gateway route table {table_id} is a blackhole: the gateway drops the traffic"));
            return Err((Disposition::Blackhole, false));
        }
        let target = route.attachment_id.as_deref().and_then(|attachment_id| {
            attachments
                .iter()
                .find(|attachment| attachment.attachment_id == attachment_id)
        });
        let Some(vpc) = target
            .and_then(|attachment| attachment.resource_id.as_deref())
            .and_then(vpc_of)
        else {
            flow.recorder.assume(format!(
                "the VPC behind route {network} of {table_id} is not known"
            ));
            flow.recorder.hop(&gateway_node, HopComponent::TransitGateway, Verdict::Unknown, Some(matched), ReasonCode::MissingData, format!("route {network} of transit gateway route table {table_id} leads to an attachment whose VPC is not known"));
            return Err((Disposition::InsufficientInfo, false));
        };
        if let Some(target) = target {
            return_table = target
                .association_route_table_id
                .as_ref()
                .and_then(|id| tables.iter().find(|table| &table.route_table_id == id))
                .map(|table| (table.clone(), source_attachment.attachment_id.clone()));
            if return_table.is_none() {
                flow.recorder.hop(&gateway_node, HopComponent::TransitGateway, Verdict::Deny, Some(matched), ReasonCode::NoRouteToDestination, format!("attachment {} of VPC {} is associated with no known route table of {gateway_id}, so replies cannot come back", target.attachment_id, vpc.vpc_id));
                return Err((Disposition::NoRoute, false));
            }
        }
        (vpc, matched)
    };
    flow.recorder.hop(
        &gateway_node,
        HopComponent::TransitGateway,
        Verdict::Forward,
        Some(matched),
        ReasonCode::TgwForwards,
        format!(
            "transit gateway {gateway_id} carries the traffic to VPC {}",
            destination_vpc.vpc_id
        ),
    );
    // Replies: the destination attachment's table must route the source back to its attachment.
    if let Some((table, source_attachment_id)) = &return_table {
        let back = table
            .routes
            .iter()
            .filter_map(|route| {
                let network = super::matching::parse_network(route.destination_cidr.as_deref()?)?;
                super::matching::contains(&network, source_address).then_some((route, network))
            })
            .max_by_key(|(_, network)| network.prefix());
        let routed_back = back.is_some_and(|(route, _)| {
            route.state != "blackhole"
                && route.attachment_id.as_deref() == Some(source_attachment_id)
        });
        if !routed_back {
            flow.recorder.return_hop(&gateway_node, HopComponent::RouteTableReturn, Verdict::Deny, Some(json!({"transit_gateway_route_table_id": table.route_table_id})), ReasonCode::NoRouteToDestination, format!("transit gateway route table {} has no route back to {source_address} through attachment {source_attachment_id}", table.route_table_id));
            return Err((Disposition::NoRoute, true));
        }
    }
    let Some(target) = destination_endpoint.or_else(|| {
        flow.view
            .endpoint_at(&region, &destination_vpc.vpc_id, destination)
    }) else {
        flow.recorder.assume(format!(
            "no discovered resource holds an address in {destination} inside {}",
            destination_vpc.vpc_id
        ));
        return Err((Disposition::InsufficientInfo, false));
    };
    let routes_back = flow
        .view
        .route_table(&target.region, &target.subnet, &target.vpc)
        .ok()
        .and_then(|table| {
            flow.view
                .longest_prefix_route(&target.region, &table, source_address)
        })
        .is_some_and(|(route, _)| {
            route.target_type == RouteTarget::TransitGateway && route.target_id == gateway_id
        });
    if !routes_back {
        flow.recorder.return_hop(
            &gateway_node,
            HopComponent::RouteTableReturn,
            Verdict::Deny,
            None,
            ReasonCode::NoRouteToDestination,
            format!(
                "subnet {} has no route back to {source_address} through {gateway_id}",
                target.subnet.subnet_id
            ),
        );
        return Err((Disposition::NoRoute, true));
    }
    let target_address = target
        .address(destination.is_ipv6())
        .unwrap_or(*destination);
    flow.deliver(source, source_address, &target, &target_address)?;
    Ok(Disposition::Accepted)
}
