//! Pure transforms from aws-sdk-ec2 types to Infracast nodes. No SDK calls here: every function is
//! unit-tested with values built by the SDK's builders. Edges are derived afterwards from the
//! typed properties (`edges.rs`), so each transform only has to describe its resource.

use std::collections::BTreeMap;

use aws_sdk_ec2::types as ec2;
use serde::Serialize;

use super::super::node_builder::regional_node;
use crate::model::properties::*;
use crate::model::{Node, NodeType};

pub use super::super::service::Origin;

fn tags_of(tags: &[ec2::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|tag| {
            Some((
                tag.key()?.to_string(),
                tag.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

fn node(
    origin: &Origin,
    node_type: NodeType,
    raw_id: &str,
    tags: &[ec2::Tag],
    properties: &impl Serialize,
) -> Node {
    regional_node(origin, node_type, raw_id, raw_id, tags_of(tags), properties)
}

fn owned(value: Option<&str>) -> Option<String> {
    value.map(str::to_string)
}

/// AWS reports protocols as names or numbers; we keep names for the common ones.
pub fn normalise_protocol(protocol: &str) -> String {
    match protocol {
        "6" | "tcp" => "tcp".to_string(),
        "17" | "udp" => "udp".to_string(),
        "1" | "icmp" => "icmp".to_string(),
        "58" | "icmpv6" => "icmpv6".to_string(),
        "-1" | "all" => "-1".to_string(),
        other => other.to_string(),
    }
}

pub fn transform_vpc(origin: &Origin, vpc: &ec2::Vpc) -> Option<Node> {
    let vpc_id = vpc.vpc_id()?;
    let mut cidr_blocks: Vec<String> = vpc
        .cidr_block_association_set()
        .iter()
        .filter_map(|association| association.cidr_block().map(str::to_string))
        .collect();
    if cidr_blocks.is_empty() {
        cidr_blocks.extend(owned(vpc.cidr_block()));
    }
    let properties = VpcProperties {
        vpc_id: vpc_id.to_string(),
        cidr_block: owned(vpc.cidr_block()),
        cidr_blocks,
        ipv6_cidr_blocks: vpc
            .ipv6_cidr_block_association_set()
            .iter()
            .filter_map(|association| association.ipv6_cidr_block().map(str::to_string))
            .collect(),
        is_default: vpc.is_default().unwrap_or(false),
        state: vpc.state().map(|state| state.as_str().to_string()),
        ..Default::default()
    };
    Some(node(origin, NodeType::Vpc, vpc_id, vpc.tags(), &properties))
}

pub fn transform_subnet(origin: &Origin, subnet: &ec2::Subnet) -> Option<Node> {
    let subnet_id = subnet.subnet_id()?;
    let properties = SubnetProperties {
        subnet_id: subnet_id.to_string(),
        vpc_id: owned(subnet.vpc_id()),
        cidr_block: owned(subnet.cidr_block()),
        ipv6_cidr_blocks: subnet
            .ipv6_cidr_block_association_set()
            .iter()
            .filter_map(|association| association.ipv6_cidr_block().map(str::to_string))
            .collect(),
        availability_zone: owned(subnet.availability_zone()),
        map_public_ip_on_launch: subnet.map_public_ip_on_launch().unwrap_or(false),
        assign_ipv6_address_on_creation: subnet.assign_ipv6_address_on_creation().unwrap_or(false),
        default_for_az: subnet.default_for_az().unwrap_or(false),
        ..Default::default()
    };
    Some(node(
        origin,
        NodeType::Subnet,
        subnet_id,
        subnet.tags(),
        &properties,
    ))
}

fn route_target(route: &ec2::Route) -> (RouteTarget, String) {
    let candidates: [(RouteTarget, Option<&str>); 8] = [
        (RouteTarget::NatGateway, route.nat_gateway_id()),
        (
            RouteTarget::VpcPeeringConnection,
            route.vpc_peering_connection_id(),
        ),
        (RouteTarget::TransitGateway, route.transit_gateway_id()),
        (
            RouteTarget::EgressOnlyInternetGateway,
            route.egress_only_internet_gateway_id(),
        ),
        (RouteTarget::NetworkInterface, route.network_interface_id()),
        (RouteTarget::Instance, route.instance_id()),
        (RouteTarget::Gateway, route.gateway_id()),
        (
            RouteTarget::Other,
            route.carrier_gateway_id().or(route.local_gateway_id()),
        ),
    ];
    for (kind, id) in candidates {
        let Some(id) = id else { continue };
        let kind = match (kind, id) {
            (RouteTarget::Gateway, "local") => RouteTarget::Local,
            (RouteTarget::Gateway, id) if id.starts_with("igw-") => RouteTarget::InternetGateway,
            (RouteTarget::Gateway, id) if id.starts_with("vpce-") => RouteTarget::VpcEndpoint,
            (kind, _) => kind,
        };
        return (kind, id.to_string());
    }
    (RouteTarget::Other, String::new())
}

pub fn transform_route_table(origin: &Origin, table: &ec2::RouteTable) -> Option<Node> {
    let route_table_id = table.route_table_id()?;
    let routes = table
        .routes()
        .iter()
        .map(|route| {
            let (target_type, target_id) = route_target(route);
            Route {
                destination_cidr: owned(route.destination_cidr_block()),
                destination_ipv6_cidr: owned(route.destination_ipv6_cidr_block()),
                destination_prefix_list_id: owned(route.destination_prefix_list_id()),
                target_type,
                target_id,
                state: route
                    .state()
                    .map_or("active".to_string(), |state| state.as_str().to_string()),
            }
        })
        .collect();
    let properties = RouteTableProperties {
        route_table_id: route_table_id.to_string(),
        vpc_id: owned(table.vpc_id()),
        is_main: table
            .associations()
            .iter()
            .any(|association| association.main().unwrap_or(false)),
        subnet_ids: table
            .associations()
            .iter()
            .filter_map(|association| association.subnet_id().map(str::to_string))
            .collect(),
        routes,
    };
    Some(node(
        origin,
        NodeType::RouteTable,
        route_table_id,
        table.tags(),
        &properties,
    ))
}

pub fn transform_internet_gateway(origin: &Origin, gateway: &ec2::InternetGateway) -> Option<Node> {
    let gateway_id = gateway.internet_gateway_id()?;
    let properties = InternetGatewayProperties {
        internet_gateway_id: gateway_id.to_string(),
        attachments: gateway
            .attachments()
            .iter()
            .filter_map(|attachment| {
                Some(GatewayAttachment {
                    vpc_id: attachment.vpc_id()?.to_string(),
                    state: attachment
                        .state()
                        .map_or(String::new(), |state| state.as_str().to_string()),
                })
            })
            .collect(),
    };
    Some(node(
        origin,
        NodeType::InternetGateway,
        gateway_id,
        gateway.tags(),
        &properties,
    ))
}

pub fn transform_egress_only_gateway(
    origin: &Origin,
    gateway: &ec2::EgressOnlyInternetGateway,
) -> Option<Node> {
    let gateway_id = gateway.egress_only_internet_gateway_id()?;
    let properties = InternetGatewayProperties {
        internet_gateway_id: gateway_id.to_string(),
        attachments: gateway
            .attachments()
            .iter()
            .filter_map(|attachment| {
                Some(GatewayAttachment {
                    vpc_id: attachment.vpc_id()?.to_string(),
                    state: attachment
                        .state()
                        .map_or(String::new(), |state| state.as_str().to_string()),
                })
            })
            .collect(),
    };
    Some(node(
        origin,
        NodeType::EgressOnlyInternetGateway,
        gateway_id,
        gateway.tags(),
        &properties,
    ))
}

pub fn transform_nat_gateway(origin: &Origin, gateway: &ec2::NatGateway) -> Option<Node> {
    let gateway_id = gateway.nat_gateway_id()?;
    let first_address = gateway.nat_gateway_addresses().first();
    let properties = NatGatewayProperties {
        nat_gateway_id: gateway_id.to_string(),
        subnet_id: owned(gateway.subnet_id()),
        vpc_id: owned(gateway.vpc_id()),
        state: gateway
            .state()
            .map_or(String::new(), |state| state.as_str().to_string()),
        connectivity_type: gateway
            .connectivity_type()
            .map_or("public".to_string(), |kind| kind.as_str().to_string()),
        public_ip: first_address.and_then(|address| owned(address.public_ip())),
        private_ip: first_address.and_then(|address| owned(address.private_ip())),
    };
    Some(node(
        origin,
        NodeType::NatGateway,
        gateway_id,
        gateway.tags(),
        &properties,
    ))
}

pub fn transform_peering(origin: &Origin, peering: &ec2::VpcPeeringConnection) -> Option<Node> {
    let peering_id = peering.vpc_peering_connection_id()?;
    let cidrs = |info: Option<&ec2::VpcPeeringConnectionVpcInfo>| -> Vec<String> {
        let Some(info) = info else { return Vec::new() };
        let mut cidrs: Vec<String> = info
            .cidr_block_set()
            .iter()
            .filter_map(|block| block.cidr_block().map(str::to_string))
            .collect();
        if cidrs.is_empty() {
            cidrs.extend(owned(info.cidr_block()));
        }
        cidrs
    };
    let requester = peering.requester_vpc_info();
    let accepter = peering.accepter_vpc_info();
    let properties = VpcPeeringConnectionProperties {
        peering_connection_id: peering_id.to_string(),
        status: peering
            .status()
            .and_then(|status| status.code())
            .map_or(String::new(), |code| code.as_str().to_string()),
        requester_vpc_id: requester.and_then(|info| owned(info.vpc_id())),
        requester_cidr_blocks: cidrs(requester),
        requester_account: requester.and_then(|info| owned(info.owner_id())),
        requester_region: requester.and_then(|info| owned(info.region())),
        accepter_vpc_id: accepter.and_then(|info| owned(info.vpc_id())),
        accepter_cidr_blocks: cidrs(accepter),
        accepter_account: accepter.and_then(|info| owned(info.owner_id())),
        accepter_region: accepter.and_then(|info| owned(info.region())),
    };
    Some(node(
        origin,
        NodeType::VpcPeeringConnection,
        peering_id,
        peering.tags(),
        &properties,
    ))
}

fn security_group_rule(permission: &ec2::IpPermission) -> SecurityGroupRule {
    let protocol = normalise_protocol(permission.ip_protocol().unwrap_or("-1"));
    let all_ports = protocol == "-1";
    SecurityGroupRule {
        from_port: if all_ports {
            None
        } else {
            permission.from_port()
        },
        to_port: if all_ports {
            None
        } else {
            permission.to_port()
        },
        protocol,
        ipv4_ranges: permission
            .ip_ranges()
            .iter()
            .filter_map(|range| range.cidr_ip().map(str::to_string))
            .collect(),
        ipv6_ranges: permission
            .ipv6_ranges()
            .iter()
            .filter_map(|range| range.cidr_ipv6().map(str::to_string))
            .collect(),
        prefix_list_ids: permission
            .prefix_list_ids()
            .iter()
            .filter_map(|list| list.prefix_list_id().map(str::to_string))
            .collect(),
        referenced_group_ids: permission
            .user_id_group_pairs()
            .iter()
            .filter_map(|pair| pair.group_id().map(str::to_string))
            .collect(),
        description: permission
            .ip_ranges()
            .iter()
            .find_map(|range| range.description().map(str::to_string)),
    }
}

pub fn transform_security_group(origin: &Origin, group: &ec2::SecurityGroup) -> Option<Node> {
    let group_id = group.group_id()?;
    let group_name = group.group_name().unwrap_or_default();
    let properties = SecurityGroupProperties {
        group_id: group_id.to_string(),
        group_name: group_name.to_string(),
        vpc_id: owned(group.vpc_id()),
        description: owned(group.description()),
        is_default: group_name == "default",
        ingress: group
            .ip_permissions()
            .iter()
            .map(security_group_rule)
            .collect(),
        egress: group
            .ip_permissions_egress()
            .iter()
            .map(security_group_rule)
            .collect(),
    };
    let mut node = node(
        origin,
        NodeType::SecurityGroup,
        group_id,
        group.tags(),
        &properties,
    );
    if node.name == group_id && !group_name.is_empty() {
        node.name = group_name.to_string();
    }
    Some(node)
}

pub fn transform_network_acl(origin: &Origin, acl: &ec2::NetworkAcl) -> Option<Node> {
    let acl_id = acl.network_acl_id()?;
    let entries = acl
        .entries()
        .iter()
        .map(|entry| NetworkAclEntry {
            rule_number: entry.rule_number().unwrap_or(32767),
            egress: entry.egress().unwrap_or(false),
            action: entry
                .rule_action()
                .map_or("deny".to_string(), |action| action.as_str().to_string()),
            protocol: normalise_protocol(entry.protocol().unwrap_or("-1")),
            cidr_block: owned(entry.cidr_block()),
            ipv6_cidr_block: owned(entry.ipv6_cidr_block()),
            port_from: entry.port_range().and_then(|range| range.from()),
            port_to: entry.port_range().and_then(|range| range.to()),
            icmp_type: entry.icmp_type_code().and_then(|code| code.r#type()),
            icmp_code: entry.icmp_type_code().and_then(|code| code.code()),
        })
        .collect();
    let properties = NetworkAclProperties {
        network_acl_id: acl_id.to_string(),
        vpc_id: owned(acl.vpc_id()),
        is_default: acl.is_default().unwrap_or(false),
        entries,
        subnet_ids: acl
            .associations()
            .iter()
            .filter_map(|association| association.subnet_id().map(str::to_string))
            .collect(),
    };
    Some(node(
        origin,
        NodeType::NetworkAcl,
        acl_id,
        acl.tags(),
        &properties,
    ))
}

pub fn transform_network_interface(
    origin: &Origin,
    interface: &ec2::NetworkInterface,
) -> Option<Node> {
    let interface_id = interface.network_interface_id()?;
    let properties = NetworkInterfaceProperties {
        network_interface_id: interface_id.to_string(),
        interface_type: interface
            .interface_type()
            .map(|kind| kind.as_str().to_string()),
        status: interface.status().map(|status| status.as_str().to_string()),
        private_ip: owned(interface.private_ip_address()),
        private_ips: interface
            .private_ip_addresses()
            .iter()
            .filter_map(|address| address.private_ip_address().map(str::to_string))
            .collect(),
        public_ip: interface
            .association()
            .and_then(|association| owned(association.public_ip())),
        ipv6_addresses: interface
            .ipv6_addresses()
            .iter()
            .filter_map(|address| address.ipv6_address().map(str::to_string))
            .collect(),
        subnet_id: owned(interface.subnet_id()),
        vpc_id: owned(interface.vpc_id()),
        security_group_ids: interface
            .groups()
            .iter()
            .filter_map(|group| group.group_id().map(str::to_string))
            .collect(),
        attached_instance_id: interface
            .attachment()
            .and_then(|attachment| owned(attachment.instance_id())),
        source_dest_check: interface.source_dest_check().unwrap_or(true),
    };
    Some(node(
        origin,
        NodeType::NetworkInterface,
        interface_id,
        interface.tag_set(),
        &properties,
    ))
}

/// Terminated instances are gone for every purpose: they yield no node.
pub fn transform_instance(origin: &Origin, instance: &ec2::Instance) -> Option<Node> {
    let instance_id = instance.instance_id()?;
    let state = instance
        .state()
        .and_then(|state| state.name())
        .map_or(String::new(), |name| name.as_str().to_string());
    if state == "terminated" {
        return None;
    }
    let mut interfaces: Vec<&ec2::InstanceNetworkInterface> =
        instance.network_interfaces().iter().collect();
    interfaces.sort_by_key(|interface| {
        interface
            .attachment()
            .and_then(|attachment| attachment.device_index())
            .unwrap_or(i32::MAX)
    });
    let properties = InstanceProperties {
        instance_id: instance_id.to_string(),
        state,
        instance_type: instance
            .instance_type()
            .map(|kind| kind.as_str().to_string()),
        image_id: owned(instance.image_id()),
        private_ip: owned(instance.private_ip_address()),
        public_ip: owned(instance.public_ip_address()),
        ipv6_addresses: interfaces
            .iter()
            .flat_map(|interface| {
                interface
                    .ipv6_addresses()
                    .iter()
                    .filter_map(|address| address.ipv6_address().map(str::to_string))
            })
            .collect(),
        subnet_id: owned(instance.subnet_id()),
        vpc_id: owned(instance.vpc_id()),
        security_group_ids: instance_group_ids(instance, &interfaces),
        network_interface_ids: interfaces
            .iter()
            .filter_map(|interface| interface.network_interface_id().map(str::to_string))
            .collect(),
        imds: instance.metadata_options().map(|options| ImdsOptions {
            http_tokens: options
                .http_tokens()
                .map_or("optional".to_string(), |tokens| tokens.as_str().to_string()),
            http_endpoint: options
                .http_endpoint()
                .map_or("enabled".to_string(), |endpoint| {
                    endpoint.as_str().to_string()
                }),
            http_put_response_hop_limit: options.http_put_response_hop_limit().map(i64::from),
        }),
        iam_instance_profile_arn: instance
            .iam_instance_profile()
            .and_then(|profile| owned(profile.arn())),
        key_name: owned(instance.key_name()),
        monitoring_enabled: instance
            .monitoring()
            .and_then(|monitoring| monitoring.state())
            .is_some_and(|state| state.as_str() == "enabled"),
        launch_time: instance.launch_time().map(|time| time.to_string()),
    };
    Some(node(
        origin,
        NodeType::Instance,
        instance_id,
        instance.tags(),
        &properties,
    ))
}

/// The instance's security groups; some endpoints report them only on its network interfaces,
/// so those of the primary interface fill in when the instance lists none.
fn instance_group_ids(
    instance: &ec2::Instance,
    interfaces: &[&ec2::InstanceNetworkInterface],
) -> Vec<String> {
    let mut groups: Vec<String> = instance
        .security_groups()
        .iter()
        .filter_map(|group| group.group_id().map(str::to_string))
        .collect();
    if groups.is_empty()
        && let Some(primary) = interfaces.first()
    {
        groups = primary
            .groups()
            .iter()
            .filter_map(|group| group.group_id().map(str::to_string))
            .collect();
    }
    groups
}

pub fn transform_volume(origin: &Origin, volume: &ec2::Volume) -> Option<Node> {
    let volume_id = volume.volume_id()?;
    let properties = VolumeProperties {
        volume_id: volume_id.to_string(),
        encrypted: volume.encrypted().unwrap_or(false),
        kms_key_id: owned(volume.kms_key_id()),
        size_gib: volume.size().map(i64::from),
        volume_type: volume.volume_type().map(|kind| kind.as_str().to_string()),
        state: volume
            .state()
            .map_or(String::new(), |state| state.as_str().to_string()),
        availability_zone: owned(volume.availability_zone()),
        attached_instance_ids: volume
            .attachments()
            .iter()
            .filter_map(|attachment| attachment.instance_id().map(str::to_string))
            .collect(),
    };
    Some(node(
        origin,
        NodeType::Volume,
        volume_id,
        volume.tags(),
        &properties,
    ))
}

pub fn transform_snapshot(origin: &Origin, snapshot: &ec2::Snapshot, public: bool) -> Option<Node> {
    let snapshot_id = snapshot.snapshot_id()?;
    let properties = SnapshotProperties {
        snapshot_id: snapshot_id.to_string(),
        volume_id: owned(snapshot.volume_id()),
        encrypted: snapshot.encrypted().unwrap_or(false),
        public,
        owner_id: owned(snapshot.owner_id()),
        state: snapshot.state().map(|state| state.as_str().to_string()),
        start_time: snapshot.start_time().map(|time| time.to_string()),
        volume_size_gib: snapshot.volume_size().map(i64::from),
    };
    Some(node(
        origin,
        NodeType::Snapshot,
        snapshot_id,
        snapshot.tags(),
        &properties,
    ))
}

pub fn transform_address(origin: &Origin, address: &ec2::Address) -> Option<Node> {
    let allocation_id = address.allocation_id().or(address.public_ip())?;
    let properties = ElasticIpProperties {
        allocation_id: allocation_id.to_string(),
        public_ip: owned(address.public_ip()),
        association_id: owned(address.association_id()),
        instance_id: owned(address.instance_id()),
        network_interface_id: owned(address.network_interface_id()),
        private_ip: owned(address.private_ip_address()),
        domain: address.domain().map(|domain| domain.as_str().to_string()),
    };
    Some(node(
        origin,
        NodeType::ElasticIp,
        allocation_id,
        address.tags(),
        &properties,
    ))
}

pub fn transform_transit_gateway(origin: &Origin, gateway: &ec2::TransitGateway) -> Option<Node> {
    let gateway_id = gateway.transit_gateway_id()?;
    let properties = TransitGatewayProperties {
        transit_gateway_id: gateway_id.to_string(),
        state: gateway
            .state()
            .map_or(String::new(), |state| state.as_str().to_string()),
        owner_id: owned(gateway.owner_id()),
    };
    Some(node(
        origin,
        NodeType::TransitGateway,
        gateway_id,
        gateway.tags(),
        &properties,
    ))
}

pub fn transform_transit_gateway_attachment(
    origin: &Origin,
    attachment: &ec2::TransitGatewayAttachment,
) -> Option<Node> {
    let attachment_id = attachment.transit_gateway_attachment_id()?;
    let properties = TransitGatewayAttachmentProperties {
        attachment_id: attachment_id.to_string(),
        transit_gateway_id: attachment
            .transit_gateway_id()
            .unwrap_or_default()
            .to_string(),
        resource_type: attachment
            .resource_type()
            .map_or(String::new(), |kind| kind.as_str().to_string()),
        resource_id: owned(attachment.resource_id()),
        state: attachment
            .state()
            .map_or(String::new(), |state| state.as_str().to_string()),
        association_route_table_id: attachment
            .association()
            .filter(|association| {
                association.state().map(|state| state.as_str()) == Some("associated")
            })
            .and_then(|association| association.transit_gateway_route_table_id())
            .map(str::to_string),
        ..Default::default()
    };
    Some(node(
        origin,
        NodeType::TransitGatewayAttachment,
        attachment_id,
        attachment.tags(),
        &properties,
    ))
}

/// A transit gateway route table with its routes (static and propagated, from
/// SearchTransitGatewayRoutes).
pub fn transform_transit_gateway_route_table(
    origin: &Origin,
    table: &ec2::TransitGatewayRouteTable,
    routes: &[ec2::TransitGatewayRoute],
) -> Option<Node> {
    let table_id = table.transit_gateway_route_table_id()?;
    let properties = TransitGatewayRouteTableProperties {
        route_table_id: table_id.to_string(),
        transit_gateway_id: table.transit_gateway_id().unwrap_or_default().to_string(),
        state: table.state().map(|state| state.as_str().to_string()),
        default_association_route_table: table.default_association_route_table().unwrap_or(false),
        routes: routes
            .iter()
            .map(|route| {
                let attachment = route.transit_gateway_attachments().first();
                TransitGatewayRouteEntry {
                    destination_cidr: owned(route.destination_cidr_block()),
                    attachment_id: owned(
                        attachment
                            .and_then(|attachment| attachment.transit_gateway_attachment_id()),
                    ),
                    resource_id: owned(attachment.and_then(|attachment| attachment.resource_id())),
                    resource_type: attachment
                        .and_then(|attachment| attachment.resource_type())
                        .map(|kind| kind.as_str().to_string()),
                    state: route
                        .state()
                        .map_or(String::new(), |state| state.as_str().to_string()),
                    route_type: route.r#type().map(|kind| kind.as_str().to_string()),
                }
            })
            .collect(),
    };
    Some(node(
        origin,
        NodeType::TransitGatewayRouteTable,
        table_id,
        table.tags(),
        &properties,
    ))
}

pub fn transform_vpc_endpoint(origin: &Origin, endpoint: &ec2::VpcEndpoint) -> Option<Node> {
    let endpoint_id = endpoint.vpc_endpoint_id()?;
    let properties = VpcEndpointProperties {
        vpc_endpoint_id: endpoint_id.to_string(),
        vpc_id: owned(endpoint.vpc_id()),
        service_name: endpoint.service_name().unwrap_or_default().to_string(),
        endpoint_type: endpoint
            .vpc_endpoint_type()
            .map_or(String::new(), |kind| kind.as_str().to_string()),
        state: endpoint
            .state()
            .map_or(String::new(), |state| state.as_str().to_string()),
        route_table_ids: endpoint.route_table_ids().to_vec(),
        subnet_ids: endpoint.subnet_ids().to_vec(),
        security_group_ids: endpoint
            .groups()
            .iter()
            .filter_map(|group| group.group_id().map(str::to_string))
            .collect(),
        policy_document: owned(endpoint.policy_document()),
    };
    Some(node(
        origin,
        NodeType::VpcEndpoint,
        endpoint_id,
        endpoint.tags(),
        &properties,
    ))
}

pub fn transform_prefix_list(
    origin: &Origin,
    list: &ec2::ManagedPrefixList,
    cidrs: Vec<String>,
) -> Option<Node> {
    let list_id = list.prefix_list_id()?;
    let properties = ManagedPrefixListProperties {
        prefix_list_id: list_id.to_string(),
        prefix_list_name: owned(list.prefix_list_name()),
        address_family: owned(list.address_family()),
        cidrs,
    };
    let mut node = node(
        origin,
        NodeType::ManagedPrefixList,
        list_id,
        list.tags(),
        &properties,
    );
    if let Some(name) = list.prefix_list_name() {
        node.name = name.to_string();
    }
    Some(node)
}

pub fn transform_flow_log(origin: &Origin, flow_log: &ec2::FlowLog) -> Option<Node> {
    let flow_log_id = flow_log.flow_log_id()?;
    let properties = FlowLogProperties {
        flow_log_id: flow_log_id.to_string(),
        resource_id: owned(flow_log.resource_id()),
        traffic_type: flow_log
            .traffic_type()
            .map(|kind| kind.as_str().to_string()),
        status: owned(flow_log.flow_log_status()),
        destination_type: flow_log
            .log_destination_type()
            .map(|kind| kind.as_str().to_string()),
    };
    Some(node(
        origin,
        NodeType::FlowLog,
        flow_log_id,
        flow_log.tags(),
        &properties,
    ))
}

pub fn transform_region_settings(
    origin: &Origin,
    ebs_encryption_by_default: Option<bool>,
    unsupported_calls: Vec<String>,
) -> Node {
    let properties = RegionSettingsProperties {
        ebs_encryption_by_default,
        snapshot_block_public_access: None,
        unsupported_calls,
    };
    node(
        origin,
        NodeType::RegionSettings,
        &origin.account,
        &[],
        &properties,
    )
}

#[cfg(test)]
mod tests {
    use aws_sdk_ec2::types as ec2;

    use super::*;

    fn origin() -> Origin {
        Origin {
            account: "111122223333".into(),
            region: "eu-west-1".into(),
        }
    }

    fn tag(key: &str, value: &str) -> ec2::Tag {
        ec2::Tag::builder().key(key).value(value).build()
    }

    #[test]
    fn security_group_rules_keep_sources_and_normalise_protocols() {
        let group = ec2::SecurityGroup::builder()
            .group_id("sg-1")
            .group_name("web")
            .vpc_id("vpc-1")
            .tags(tag("Name", "web-sg"))
            .ip_permissions(
                ec2::IpPermission::builder()
                    .ip_protocol("6")
                    .from_port(22)
                    .to_port(22)
                    .ip_ranges(ec2::IpRange::builder().cidr_ip("0.0.0.0/0").build())
                    .ipv6_ranges(ec2::Ipv6Range::builder().cidr_ipv6("::/0").build())
                    .build(),
            )
            .ip_permissions(
                ec2::IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(5432)
                    .to_port(5432)
                    .user_id_group_pairs(ec2::UserIdGroupPair::builder().group_id("sg-2").build())
                    .prefix_list_ids(ec2::PrefixListId::builder().prefix_list_id("pl-1").build())
                    .build(),
            )
            .ip_permissions_egress(
                ec2::IpPermission::builder()
                    .ip_protocol("-1")
                    .from_port(-1)
                    .to_port(-1)
                    .build(),
            )
            .build();
        let node = transform_security_group(&origin(), &group).unwrap();
        assert_eq!(
            node.id.as_str(),
            "aws:eu-west-1:aws.ec2.security_group:sg-1"
        );
        assert_eq!(node.name, "web-sg");
        assert_eq!(node.account, "111122223333");
        let properties: SecurityGroupProperties = node.properties_as().unwrap();
        assert!(!properties.is_default);
        assert_eq!(properties.ingress[0].protocol, "tcp");
        assert_eq!(
            (
                properties.ingress[0].from_port,
                properties.ingress[0].to_port
            ),
            (Some(22), Some(22))
        );
        assert_eq!(properties.ingress[0].ipv4_ranges, vec!["0.0.0.0/0"]);
        assert_eq!(properties.ingress[0].ipv6_ranges, vec!["::/0"]);
        assert_eq!(properties.ingress[1].referenced_group_ids, vec!["sg-2"]);
        assert_eq!(properties.ingress[1].prefix_list_ids, vec!["pl-1"]);
        // "All traffic" has no port range, whatever AWS put in the port fields.
        assert_eq!(properties.egress[0].protocol, "-1");
        assert_eq!(properties.egress[0].from_port, None);
        let default = ec2::SecurityGroup::builder()
            .group_id("sg-9")
            .group_name("default")
            .build();
        let default: SecurityGroupProperties = transform_security_group(&origin(), &default)
            .unwrap()
            .properties_as()
            .unwrap();
        assert!(default.is_default);
    }

    #[test]
    fn route_tables_name_their_targets_and_the_main_association() {
        let table = ec2::RouteTable::builder()
            .route_table_id("rtb-1")
            .vpc_id("vpc-1")
            .associations(ec2::RouteTableAssociation::builder().main(true).build())
            .associations(
                ec2::RouteTableAssociation::builder()
                    .subnet_id("subnet-1")
                    .main(false)
                    .build(),
            )
            .routes(
                ec2::Route::builder()
                    .destination_cidr_block("10.0.0.0/16")
                    .gateway_id("local")
                    .state(ec2::RouteState::Active)
                    .build(),
            )
            .routes(
                ec2::Route::builder()
                    .destination_cidr_block("0.0.0.0/0")
                    .gateway_id("igw-1")
                    .state(ec2::RouteState::Active)
                    .build(),
            )
            .routes(
                ec2::Route::builder()
                    .destination_cidr_block("10.1.0.0/16")
                    .vpc_peering_connection_id("pcx-1")
                    .state(ec2::RouteState::Blackhole)
                    .build(),
            )
            .routes(
                ec2::Route::builder()
                    .destination_ipv6_cidr_block("::/0")
                    .egress_only_internet_gateway_id("eigw-1")
                    .build(),
            )
            .routes(
                ec2::Route::builder()
                    .destination_cidr_block("10.9.0.0/16")
                    .nat_gateway_id("nat-1")
                    .build(),
            )
            .build();
        let properties: RouteTableProperties = transform_route_table(&origin(), &table)
            .unwrap()
            .properties_as()
            .unwrap();
        assert!(properties.is_main);
        assert_eq!(properties.subnet_ids, vec!["subnet-1"]);
        let targets: Vec<(&str, &str, &str)> = properties
            .routes
            .iter()
            .map(|route| {
                (
                    route.target_type.as_str(),
                    route.target_id.as_str(),
                    route.state.as_str(),
                )
            })
            .collect();
        assert_eq!(
            targets,
            vec![
                ("local", "local", "active"),
                ("internet_gateway", "igw-1", "active"),
                ("vpc_peering_connection", "pcx-1", "blackhole"),
                ("egress_only_internet_gateway", "eigw-1", "active"),
                ("nat_gateway", "nat-1", "active"),
            ]
        );
        assert_eq!(
            properties.routes[3].destination_ipv6_cidr.as_deref(),
            Some("::/0")
        );
    }

    #[test]
    fn instances_carry_imds_public_ip_and_groups_and_terminated_ones_vanish() {
        let instance = ec2::Instance::builder()
            .instance_id("i-1")
            .state(
                ec2::InstanceState::builder()
                    .name(ec2::InstanceStateName::Running)
                    .build(),
            )
            .public_ip_address("54.1.2.3")
            .private_ip_address("10.0.1.5")
            .subnet_id("subnet-1")
            .vpc_id("vpc-1")
            .metadata_options(
                ec2::InstanceMetadataOptionsResponse::builder()
                    .http_tokens(ec2::HttpTokensState::Optional)
                    .http_endpoint(ec2::InstanceMetadataEndpointState::Enabled)
                    .http_put_response_hop_limit(2)
                    .build(),
            )
            .iam_instance_profile(
                ec2::IamInstanceProfile::builder()
                    .arn("arn:aws:iam::1:instance-profile/web")
                    .build(),
            )
            .network_interfaces(
                ec2::InstanceNetworkInterface::builder()
                    .network_interface_id("eni-2")
                    .attachment(
                        ec2::InstanceNetworkInterfaceAttachment::builder()
                            .device_index(1)
                            .build(),
                    )
                    .build(),
            )
            .network_interfaces(
                ec2::InstanceNetworkInterface::builder()
                    .network_interface_id("eni-1")
                    .attachment(
                        ec2::InstanceNetworkInterfaceAttachment::builder()
                            .device_index(0)
                            .build(),
                    )
                    .groups(
                        ec2::GroupIdentifier::builder()
                            .group_id("sg-from-eni")
                            .build(),
                    )
                    .build(),
            )
            .build();
        let node = transform_instance(&origin(), &instance).unwrap();
        let properties: InstanceProperties = node.properties_as().unwrap();
        assert_eq!(properties.state, "running");
        assert_eq!(properties.public_ip.as_deref(), Some("54.1.2.3"));
        let imds = properties.imds.unwrap();
        assert_eq!(
            (imds.http_tokens.as_str(), imds.http_put_response_hop_limit),
            ("optional", Some(2))
        );
        assert_eq!(
            properties.network_interface_ids,
            vec!["eni-1", "eni-2"],
            "primary interface first"
        );
        assert_eq!(
            properties.security_group_ids,
            vec!["sg-from-eni"],
            "groups of the primary interface fill in"
        );
        assert_eq!(
            properties.iam_instance_profile_arn.as_deref(),
            Some("arn:aws:iam::1:instance-profile/web")
        );

        let terminated = ec2::Instance::builder()
            .instance_id("i-2")
            .state(
                ec2::InstanceState::builder()
                    .name(ec2::InstanceStateName::Terminated)
                    .build(),
            )
            .build();
        assert!(transform_instance(&origin(), &terminated).is_none());
    }

    #[test]
    fn network_acl_entries_volumes_snapshots_and_peerings() {
        let acl = ec2::NetworkAcl::builder()
            .network_acl_id("acl-1")
            .vpc_id("vpc-1")
            .is_default(false)
            .associations(
                ec2::NetworkAclAssociation::builder()
                    .subnet_id("subnet-1")
                    .build(),
            )
            .entries(
                ec2::NetworkAclEntry::builder()
                    .rule_number(100)
                    .egress(false)
                    .rule_action(ec2::RuleAction::Deny)
                    .protocol("6")
                    .cidr_block("0.0.0.0/0")
                    .port_range(ec2::PortRange::builder().from(22).to(22).build())
                    .build(),
            )
            .build();
        let acl: NetworkAclProperties = transform_network_acl(&origin(), &acl)
            .unwrap()
            .properties_as()
            .unwrap();
        assert_eq!(acl.subnet_ids, vec!["subnet-1"]);
        let entry = &acl.entries[0];
        assert_eq!(
            (
                entry.rule_number,
                entry.action.as_str(),
                entry.protocol.as_str(),
                entry.port_from,
                entry.egress
            ),
            (100, "deny", "tcp", Some(22), false)
        );

        let volume = ec2::Volume::builder()
            .volume_id("vol-1")
            .encrypted(false)
            .state(ec2::VolumeState::InUse)
            .attachments(ec2::VolumeAttachment::builder().instance_id("i-1").build())
            .build();
        let volume: VolumeProperties = transform_volume(&origin(), &volume)
            .unwrap()
            .properties_as()
            .unwrap();
        assert!(!volume.encrypted);
        assert_eq!(volume.attached_instance_ids, vec!["i-1"]);
        let snapshot = ec2::Snapshot::builder()
            .snapshot_id("snap-1")
            .volume_id("vol-1")
            .encrypted(false)
            .build();
        let snapshot: SnapshotProperties = transform_snapshot(&origin(), &snapshot, true)
            .unwrap()
            .properties_as()
            .unwrap();
        assert!(snapshot.public && !snapshot.encrypted);

        let peering = ec2::VpcPeeringConnection::builder()
            .vpc_peering_connection_id("pcx-1")
            .status(
                ec2::VpcPeeringConnectionStateReason::builder()
                    .code(ec2::VpcPeeringConnectionStateReasonCode::Active)
                    .build(),
            )
            .requester_vpc_info(
                ec2::VpcPeeringConnectionVpcInfo::builder()
                    .vpc_id("vpc-1")
                    .cidr_block("10.0.0.0/16")
                    .build(),
            )
            .accepter_vpc_info(
                ec2::VpcPeeringConnectionVpcInfo::builder()
                    .vpc_id("vpc-2")
                    .cidr_block_set(ec2::CidrBlock::builder().cidr_block("10.1.0.0/16").build())
                    .build(),
            )
            .build();
        let peering: VpcPeeringConnectionProperties = transform_peering(&origin(), &peering)
            .unwrap()
            .properties_as()
            .unwrap();
        assert_eq!(peering.status, "active");
        assert_eq!(peering.requester_cidr_blocks, vec!["10.0.0.0/16"]);
        assert_eq!(peering.accepter_cidr_blocks, vec!["10.1.0.0/16"]);
    }

    #[test]
    fn derived_edges_and_cross_resource_properties() {
        let origin = origin();
        let vpc = ec2::Vpc::builder()
            .vpc_id("vpc-1")
            .cidr_block("10.0.0.0/16")
            .build();
        let subnet = ec2::Subnet::builder()
            .subnet_id("subnet-1")
            .vpc_id("vpc-1")
            .cidr_block("10.0.1.0/24")
            .build();
        let table = ec2::RouteTable::builder()
            .route_table_id("rtb-1")
            .vpc_id("vpc-1")
            .associations(
                ec2::RouteTableAssociation::builder()
                    .subnet_id("subnet-1")
                    .build(),
            )
            .routes(
                ec2::Route::builder()
                    .destination_cidr_block("0.0.0.0/0")
                    .gateway_id("igw-1")
                    .build(),
            )
            .build();
        let gateway = ec2::InternetGateway::builder()
            .internet_gateway_id("igw-1")
            .attachments(
                ec2::InternetGatewayAttachment::builder()
                    .vpc_id("vpc-1")
                    .state(ec2::AttachmentStatus::Attached)
                    .build(),
            )
            .build();
        let flow_log = ec2::FlowLog::builder()
            .flow_log_id("fl-1")
            .resource_id("vpc-1")
            .build();
        let mut nodes = vec![
            transform_vpc(&origin, &vpc).unwrap(),
            transform_subnet(&origin, &subnet).unwrap(),
            transform_route_table(&origin, &table).unwrap(),
            transform_internet_gateway(&origin, &gateway).unwrap(),
            transform_flow_log(&origin, &flow_log).unwrap(),
        ];
        let edges = super::super::edges::link("eu-west-1", &mut nodes);
        let described: Vec<(String, String, String)> = edges
            .iter()
            .map(|edge| {
                (
                    edge.kind.as_str().to_string(),
                    edge.src.resource_id().to_string(),
                    edge.dst.resource_id().to_string(),
                )
            })
            .collect();
        for expected in [
            ("contains", "vpc-1", "subnet-1"),
            ("contains", "vpc-1", "rtb-1"),
            ("associated_with", "subnet-1", "rtb-1"),
            ("routes_to", "rtb-1", "igw-1"),
            ("attached_to", "igw-1", "vpc-1"),
            ("attached_to", "fl-1", "vpc-1"),
        ] {
            let expected = (
                expected.0.to_string(),
                expected.1.to_string(),
                expected.2.to_string(),
            );
            assert!(
                described.contains(&expected),
                "missing {expected:?} in {described:?}"
            );
        }
        assert_eq!(edges.len(), 6);
        let vpc: VpcProperties = nodes[0].properties_as().unwrap();
        assert!(vpc.flow_logs_enabled);
        let subnet: SubnetProperties = nodes[1].properties_as().unwrap();
        assert_eq!(subnet.route_table_id.as_deref(), Some("rtb-1"));
    }

    #[test]
    fn transit_gateway_route_tables_keep_routes_and_attachments_their_association() {
        let origin = Origin {
            account: "1".into(),
            region: "us-east-1".into(),
        };
        let table = ec2::TransitGatewayRouteTable::builder()
            .transit_gateway_route_table_id("tgw-rtb-1")
            .transit_gateway_id("tgw-1")
            .build();
        let routes = [
            ec2::TransitGatewayRoute::builder()
                .destination_cidr_block("10.1.0.0/16")
                .transit_gateway_attachments(
                    ec2::TransitGatewayRouteAttachment::builder()
                        .transit_gateway_attachment_id("att-2")
                        .resource_id("vpc-2")
                        .resource_type(ec2::TransitGatewayAttachmentResourceType::Vpc)
                        .build(),
                )
                .r#type(ec2::TransitGatewayRouteType::Propagated)
                .state(ec2::TransitGatewayRouteState::Active)
                .build(),
            ec2::TransitGatewayRoute::builder()
                .destination_cidr_block("10.9.0.0/16")
                .r#type(ec2::TransitGatewayRouteType::Static)
                .state(ec2::TransitGatewayRouteState::Blackhole)
                .build(),
        ];
        let node = transform_transit_gateway_route_table(&origin, &table, &routes).unwrap();
        let properties: TransitGatewayRouteTableProperties = node.properties_as().unwrap();
        assert_eq!(properties.transit_gateway_id, "tgw-1");
        assert_eq!(properties.routes[0].attachment_id.as_deref(), Some("att-2"));
        assert_eq!(properties.routes[0].resource_type.as_deref(), Some("vpc"));
        assert_eq!(
            properties.routes[0].route_type.as_deref(),
            Some("propagated")
        );
        assert_eq!(properties.routes[1].state, "blackhole");
        assert_eq!(properties.routes[1].attachment_id, None);

        let associated = ec2::TransitGatewayAttachment::builder()
            .transit_gateway_attachment_id("att-1")
            .transit_gateway_id("tgw-1")
            .association(
                ec2::TransitGatewayAttachmentAssociation::builder()
                    .transit_gateway_route_table_id("tgw-rtb-1")
                    .state(ec2::TransitGatewayAssociationState::Associated)
                    .build(),
            )
            .build();
        let disassociating = ec2::TransitGatewayAttachment::builder()
            .transit_gateway_attachment_id("att-1")
            .transit_gateway_id("tgw-1")
            .association(
                ec2::TransitGatewayAttachmentAssociation::builder()
                    .transit_gateway_route_table_id("tgw-rtb-1")
                    .state(ec2::TransitGatewayAssociationState::Disassociating)
                    .build(),
            )
            .build();
        let node = transform_transit_gateway_attachment(&origin, &associated).unwrap();
        let properties: TransitGatewayAttachmentProperties = node.properties_as().unwrap();
        assert_eq!(
            properties.association_route_table_id.as_deref(),
            Some("tgw-rtb-1")
        );
        let node = transform_transit_gateway_attachment(&origin, &disassociating).unwrap();
        let properties: TransitGatewayAttachmentProperties = node.properties_as().unwrap();
        assert_eq!(properties.association_route_table_id, None);
    }
}
