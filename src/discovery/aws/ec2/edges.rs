//! Derives the graph's edges (and a few cross-resource properties) from the typed properties of
//! one region's nodes. Pure: no SDK types, no IO. An edge is emitted only when both ends exist.

use std::collections::{HashMap, HashSet};

use serde_json::json;

use crate::model::properties::*;
use crate::model::{Edge, EdgeKind, Node, NodeId, NodeType};

/// Fills properties that come from other resources (a subnet's route table and NACL, a VPC's flow
/// logs), then returns every edge among `nodes`.
pub fn link(region: &str, nodes: &mut [Node]) -> Vec<Edge> {
    complete_cross_resource_properties(nodes);
    let ids: HashSet<NodeId> = nodes.iter().map(|node| node.id.clone()).collect();
    let mut edges = Vec::new();
    let mut add = |kind: EdgeKind,
                   src: &NodeId,
                   dst_type: NodeType,
                   dst_raw: &str,
                   properties: Option<serde_json::Value>| {
        push_edge(
            &mut edges,
            &ids,
            kind,
            src.clone(),
            NodeId::aws(region, dst_type, dst_raw),
            dst_raw,
            properties,
        );
    };
    for node in nodes.iter() {
        let id = &node.id;
        match node.node_type {
            NodeType::Subnet => {
                if let Ok(subnet) = node.properties_as::<SubnetProperties>() {
                    if let Some(vpc) = &subnet.vpc_id {
                        add_from_vpc(&mut add, region, vpc, id);
                    }
                    if let Some(table) = &subnet.route_table_id {
                        add(
                            EdgeKind::AssociatedWith,
                            id,
                            NodeType::RouteTable,
                            table,
                            None,
                        );
                    }
                    if let Some(acl) = &subnet.network_acl_id {
                        add(
                            EdgeKind::AssociatedWith,
                            id,
                            NodeType::NetworkAcl,
                            acl,
                            None,
                        );
                    }
                }
            }
            NodeType::SecurityGroup | NodeType::NetworkAcl | NodeType::RouteTable => {
                let vpc = node
                    .properties
                    .get("vpc_id")
                    .and_then(|value| value.as_str())
                    .unwrap_or_default();
                add_from_vpc(&mut add, region, vpc, id);
                if let Ok(group) = node.properties_as::<SecurityGroupProperties>() {
                    let referenced: HashSet<&String> = group
                        .ingress
                        .iter()
                        .chain(group.egress.iter())
                        .flat_map(|rule| rule.referenced_group_ids.iter())
                        .collect();
                    for other in referenced {
                        add(
                            EdgeKind::References,
                            id,
                            NodeType::SecurityGroup,
                            other,
                            None,
                        );
                    }
                }
                if let Ok(table) = node.properties_as::<RouteTableProperties>() {
                    for route in &table.routes {
                        let destination = route
                            .destination_cidr
                            .clone()
                            .or(route.destination_ipv6_cidr.clone())
                            .or(route.destination_prefix_list_id.clone())
                            .unwrap_or_default();
                        let target_type = match route.target_type.as_str() {
                            "internet_gateway" => NodeType::InternetGateway,
                            "egress_only_internet_gateway" => NodeType::EgressOnlyInternetGateway,
                            "nat_gateway" => NodeType::NatGateway,
                            "vpc_peering_connection" => NodeType::VpcPeeringConnection,
                            "transit_gateway" => NodeType::TransitGateway,
                            "network_interface" => NodeType::NetworkInterface,
                            "instance" => NodeType::Instance,
                            "vpc_endpoint" => NodeType::VpcEndpoint,
                            _ => continue,
                        };
                        add(
                            EdgeKind::RoutesTo,
                            id,
                            target_type,
                            &route.target_id,
                            Some(json!({"destination": destination, "state": route.state})),
                        );
                    }
                }
            }
            NodeType::InternetGateway | NodeType::EgressOnlyInternetGateway => {
                if let Ok(gateway) = node.properties_as::<InternetGatewayProperties>() {
                    for attachment in &gateway.attachments {
                        add(
                            EdgeKind::AttachedTo,
                            id,
                            NodeType::Vpc,
                            &attachment.vpc_id,
                            None,
                        );
                    }
                }
            }
            NodeType::NatGateway => {
                if let Ok(gateway) = node.properties_as::<NatGatewayProperties>() {
                    add(
                        EdgeKind::InSubnet,
                        id,
                        NodeType::Subnet,
                        gateway.subnet_id.as_deref().unwrap_or_default(),
                        None,
                    );
                }
            }
            NodeType::VpcPeeringConnection => {
                if let Ok(peering) = node.properties_as::<VpcPeeringConnectionProperties>() {
                    for vpc in [&peering.requester_vpc_id, &peering.accepter_vpc_id]
                        .into_iter()
                        .flatten()
                    {
                        add(EdgeKind::PeersWith, id, NodeType::Vpc, vpc, None);
                    }
                }
            }
            NodeType::Instance => {
                if let Ok(instance) = node.properties_as::<InstanceProperties>() {
                    add(
                        EdgeKind::InSubnet,
                        id,
                        NodeType::Subnet,
                        instance.subnet_id.as_deref().unwrap_or_default(),
                        None,
                    );
                    for group in &instance.security_group_ids {
                        add(EdgeKind::MemberOf, id, NodeType::SecurityGroup, group, None);
                    }
                }
            }
            NodeType::NetworkInterface => {
                if let Ok(interface) = node.properties_as::<NetworkInterfaceProperties>() {
                    add(
                        EdgeKind::InSubnet,
                        id,
                        NodeType::Subnet,
                        interface.subnet_id.as_deref().unwrap_or_default(),
                        None,
                    );
                    add(
                        EdgeKind::AttachedTo,
                        id,
                        NodeType::Instance,
                        interface
                            .attached_instance_id
                            .as_deref()
                            .unwrap_or_default(),
                        None,
                    );
                    for group in &interface.security_group_ids {
                        add(EdgeKind::MemberOf, id, NodeType::SecurityGroup, group, None);
                    }
                }
            }
            NodeType::Volume => {
                if let Ok(volume) = node.properties_as::<VolumeProperties>() {
                    for instance in &volume.attached_instance_ids {
                        add(EdgeKind::AttachedTo, id, NodeType::Instance, instance, None);
                    }
                }
            }
            NodeType::Snapshot => {
                if let Ok(snapshot) = node.properties_as::<SnapshotProperties>() {
                    add(
                        EdgeKind::SnapshotOf,
                        id,
                        NodeType::Volume,
                        snapshot.volume_id.as_deref().unwrap_or_default(),
                        None,
                    );
                }
            }
            NodeType::ElasticIp => {
                if let Ok(address) = node.properties_as::<ElasticIpProperties>() {
                    match (&address.network_interface_id, &address.instance_id) {
                        (Some(interface), _) => add(
                            EdgeKind::AttachedTo,
                            id,
                            NodeType::NetworkInterface,
                            interface,
                            None,
                        ),
                        (None, Some(instance)) => {
                            add(EdgeKind::AttachedTo, id, NodeType::Instance, instance, None)
                        }
                        (None, None) => {}
                    }
                }
            }
            NodeType::TransitGatewayAttachment => {
                if let Ok(attachment) = node.properties_as::<TransitGatewayAttachmentProperties>() {
                    add(
                        EdgeKind::AttachedTo,
                        id,
                        NodeType::TransitGateway,
                        &attachment.transit_gateway_id,
                        None,
                    );
                    if attachment.resource_type == "vpc" {
                        add(
                            EdgeKind::AttachedTo,
                            id,
                            NodeType::Vpc,
                            attachment.resource_id.as_deref().unwrap_or_default(),
                            None,
                        );
                    }
                }
            }
            NodeType::VpcEndpoint => {
                if let Ok(endpoint) = node.properties_as::<VpcEndpointProperties>() {
                    add(
                        EdgeKind::AttachedTo,
                        id,
                        NodeType::Vpc,
                        endpoint.vpc_id.as_deref().unwrap_or_default(),
                        None,
                    );
                }
            }
            NodeType::FlowLog => {
                if let Ok(flow_log) = node.properties_as::<FlowLogProperties>() {
                    let resource = flow_log.resource_id.unwrap_or_default();
                    let target = if resource.starts_with("vpc-") {
                        NodeType::Vpc
                    } else if resource.starts_with("subnet-") {
                        NodeType::Subnet
                    } else {
                        NodeType::NetworkInterface
                    };
                    add(EdgeKind::AttachedTo, id, target, &resource, None);
                }
            }
            _ => {}
        }
    }
    edges.sort_by(|left, right| left.id.cmp(&right.id));
    edges.dedup_by(|later, earlier| later.id == earlier.id);
    edges
}

/// Pushes an edge when both ends exist and differ. A `contains` edge from a VPC is requested
/// through `add_from_vpc`, which swaps the ends.
fn push_edge(
    edges: &mut Vec<Edge>,
    ids: &HashSet<NodeId>,
    kind: EdgeKind,
    src: NodeId,
    dst: NodeId,
    dst_raw: &str,
    properties: Option<serde_json::Value>,
) {
    if dst_raw.is_empty() || !ids.contains(&dst) || !ids.contains(&src) || dst == src {
        return;
    }
    let (src, dst) = if kind == EdgeKind::Contains && dst.node_type() == NodeType::Vpc {
        (dst, src)
    } else {
        (src, dst)
    };
    let edge = Edge::new(kind, src, dst);
    edges.push(match properties {
        Some(properties) => edge.with_properties(properties),
        None => edge,
    });
}

/// `vpc -contains-> child`.
fn add_from_vpc(
    add: &mut impl FnMut(EdgeKind, &NodeId, NodeType, &str, Option<serde_json::Value>),
    _region: &str,
    vpc: &str,
    child: &NodeId,
) {
    add(EdgeKind::Contains, child, NodeType::Vpc, vpc, None);
}

fn complete_cross_resource_properties(nodes: &mut [Node]) {
    let mut table_of_subnet: HashMap<String, String> = HashMap::new();
    let mut main_table_of_vpc: HashMap<String, String> = HashMap::new();
    let mut acl_of_subnet: HashMap<String, String> = HashMap::new();
    let mut default_acl_of_vpc: HashMap<String, String> = HashMap::new();
    let mut flow_logs_of_vpc: HashMap<String, Vec<String>> = HashMap::new();
    for node in nodes.iter() {
        match node.node_type {
            NodeType::RouteTable => {
                if let Ok(table) = node.properties_as::<RouteTableProperties>() {
                    for subnet in &table.subnet_ids {
                        table_of_subnet.insert(subnet.clone(), table.route_table_id.clone());
                    }
                    if let (true, Some(vpc)) = (table.is_main, &table.vpc_id) {
                        main_table_of_vpc.insert(vpc.clone(), table.route_table_id.clone());
                    }
                }
            }
            NodeType::NetworkAcl => {
                if let Ok(acl) = node.properties_as::<NetworkAclProperties>() {
                    for subnet in &acl.subnet_ids {
                        acl_of_subnet.insert(subnet.clone(), acl.network_acl_id.clone());
                    }
                    if let (true, Some(vpc)) = (acl.is_default, &acl.vpc_id) {
                        default_acl_of_vpc.insert(vpc.clone(), acl.network_acl_id.clone());
                    }
                }
            }
            NodeType::FlowLog => {
                if let Ok(flow_log) = node.properties_as::<FlowLogProperties>()
                    && let Some(resource) = flow_log
                        .resource_id
                        .filter(|resource| resource.starts_with("vpc-"))
                {
                    flow_logs_of_vpc
                        .entry(resource)
                        .or_default()
                        .push(flow_log.flow_log_id);
                }
            }
            _ => {}
        }
    }
    for node in nodes.iter_mut() {
        match node.node_type {
            NodeType::Subnet => {
                let subnet_id = node.id.resource_id().to_string();
                node.properties["route_table_id"] = json!(table_of_subnet.get(&subnet_id));
                node.properties["network_acl_id"] = json!(acl_of_subnet.get(&subnet_id));
            }
            NodeType::Vpc => {
                let vpc_id = node.id.resource_id().to_string();
                let flow_logs = flow_logs_of_vpc.get(&vpc_id).cloned().unwrap_or_default();
                node.properties["flow_logs_enabled"] = json!(!flow_logs.is_empty());
                node.properties["flow_log_ids"] = json!(flow_logs);
                node.properties["main_route_table_id"] = json!(main_table_of_vpc.get(&vpc_id));
                node.properties["default_network_acl_id"] = json!(default_acl_of_vpc.get(&vpc_id));
            }
            _ => {}
        }
    }
}
