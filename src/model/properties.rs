//! Typed property shapes per node type: the contract between discovery (which writes them into
//! `Node::properties`) and the engines (which read them). Field names are snake_case JSON.
//!
//! Conventions, so every producer agrees:
//! - Ids inside properties are the provider's raw ids (`sg-…`, `subnet-…`), not node ids; build a
//!   node id with `NodeId::aws(region, type, raw_id)`.
//! - Protocols are normalised to `tcp`, `udp`, `icmp`, `icmpv6` or `-1` (all); other IP protocol
//!   numbers stay as their decimal string.
//! - Port ranges are inclusive; `None` means all ports. For ICMP, `from_port` is the ICMP type and
//!   `to_port` the code (`-1` = any), as AWS reports them.
//!
//! Every struct tolerates missing fields (`#[serde(default)]`) so hand-made nodes still load; an
//! engine that needs a missing field must say so (INSUFFICIENT_INFO), never guess.

use serde::{Deserialize, Serialize};

/// `aws.ec2.instance`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceProperties {
    pub instance_id: String,
    /// `pending`, `running`, `stopping`, `stopped`, `shutting-down`, `terminated`.
    pub state: String,
    pub instance_type: Option<String>,
    pub image_id: Option<String>,
    pub private_ip: Option<String>,
    pub public_ip: Option<String>,
    pub ipv6_addresses: Vec<String>,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    pub security_group_ids: Vec<String>,
    pub network_interface_ids: Vec<String>,
    pub imds: Option<ImdsOptions>,
    pub iam_instance_profile_arn: Option<String>,
    pub key_name: Option<String>,
    pub monitoring_enabled: bool,
    pub launch_time: Option<String>,
}

/// Instance metadata service options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImdsOptions {
    /// `required` (IMDSv2 only) or `optional` (IMDSv1 allowed).
    pub http_tokens: String,
    /// `enabled` or `disabled`.
    pub http_endpoint: String,
    pub http_put_response_hop_limit: Option<i64>,
}

/// `aws.ec2.network_interface`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkInterfaceProperties {
    pub network_interface_id: String,
    pub interface_type: Option<String>,
    pub status: Option<String>,
    pub private_ip: Option<String>,
    pub private_ips: Vec<String>,
    pub public_ip: Option<String>,
    pub ipv6_addresses: Vec<String>,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    pub security_group_ids: Vec<String>,
    pub attached_instance_id: Option<String>,
    pub source_dest_check: bool,
}

/// One permission of a security group, in AWS's shape (several sources per permission).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecurityGroupRule {
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub ipv4_ranges: Vec<String>,
    pub ipv6_ranges: Vec<String>,
    pub prefix_list_ids: Vec<String>,
    pub referenced_group_ids: Vec<String>,
    pub description: Option<String>,
}

/// `aws.ec2.security_group`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecurityGroupProperties {
    pub group_id: String,
    pub group_name: String,
    pub vpc_id: Option<String>,
    pub description: Option<String>,
    /// True for the VPC's `default` group.
    pub is_default: bool,
    pub ingress: Vec<SecurityGroupRule>,
    pub egress: Vec<SecurityGroupRule>,
}

/// One entry of a network ACL.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkAclEntry {
    pub rule_number: i32,
    /// True for outbound entries.
    pub egress: bool,
    /// `allow` or `deny`.
    pub action: String,
    pub protocol: String,
    pub cidr_block: Option<String>,
    pub ipv6_cidr_block: Option<String>,
    pub port_from: Option<i32>,
    pub port_to: Option<i32>,
    pub icmp_type: Option<i32>,
    pub icmp_code: Option<i32>,
}

/// `aws.ec2.network_acl`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkAclProperties {
    pub network_acl_id: String,
    pub vpc_id: Option<String>,
    pub is_default: bool,
    pub entries: Vec<NetworkAclEntry>,
    pub subnet_ids: Vec<String>,
}

/// `aws.ec2.subnet`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubnetProperties {
    pub subnet_id: String,
    pub vpc_id: Option<String>,
    pub cidr_block: Option<String>,
    pub ipv6_cidr_blocks: Vec<String>,
    pub availability_zone: Option<String>,
    pub map_public_ip_on_launch: bool,
    pub assign_ipv6_address_on_creation: bool,
    pub default_for_az: bool,
    /// The explicitly associated route table, if any (else the VPC's main table applies).
    pub route_table_id: Option<String>,
    pub network_acl_id: Option<String>,
}

/// `aws.ec2.vpc`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VpcProperties {
    pub vpc_id: String,
    pub cidr_block: Option<String>,
    pub cidr_blocks: Vec<String>,
    pub ipv6_cidr_blocks: Vec<String>,
    pub is_default: bool,
    pub state: Option<String>,
    pub main_route_table_id: Option<String>,
    pub default_network_acl_id: Option<String>,
    pub flow_logs_enabled: bool,
    pub flow_log_ids: Vec<String>,
}

/// One route of a route table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Route {
    pub destination_cidr: Option<String>,
    pub destination_ipv6_cidr: Option<String>,
    pub destination_prefix_list_id: Option<String>,
    /// `local`, `internet_gateway`, `egress_only_internet_gateway`, `nat_gateway`,
    /// `vpc_peering_connection`, `transit_gateway`, `network_interface`, `instance`,
    /// `vpc_endpoint`, `gateway` (unknown gateway kind) or `other`.
    pub target_type: String,
    pub target_id: String,
    /// `active` or `blackhole`.
    pub state: String,
}

/// `aws.ec2.route_table`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RouteTableProperties {
    pub route_table_id: String,
    pub vpc_id: Option<String>,
    pub is_main: bool,
    /// Subnets explicitly associated with this table.
    pub subnet_ids: Vec<String>,
    pub routes: Vec<Route>,
}

/// The attachment of a gateway to a VPC.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GatewayAttachment {
    pub vpc_id: String,
    /// `attached`/`available` when usable; `attaching`, `detaching`, `detached` otherwise.
    pub state: String,
}

/// `aws.ec2.internet_gateway` and `aws.ec2.egress_only_internet_gateway`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InternetGatewayProperties {
    pub internet_gateway_id: String,
    pub attachments: Vec<GatewayAttachment>,
}

/// `aws.ec2.nat_gateway`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NatGatewayProperties {
    pub nat_gateway_id: String,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    /// `available` when usable.
    pub state: String,
    /// `public` or `private`.
    pub connectivity_type: String,
    pub public_ip: Option<String>,
    pub private_ip: Option<String>,
}

/// `aws.ec2.vpc_peering_connection`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VpcPeeringConnectionProperties {
    pub peering_connection_id: String,
    /// `active`, `pending-acceptance`, `rejected`, `deleted`, …
    pub status: String,
    pub requester_vpc_id: Option<String>,
    pub requester_cidr_blocks: Vec<String>,
    pub requester_account: Option<String>,
    pub requester_region: Option<String>,
    pub accepter_vpc_id: Option<String>,
    pub accepter_cidr_blocks: Vec<String>,
    pub accepter_account: Option<String>,
    pub accepter_region: Option<String>,
}

/// `aws.ec2.volume`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeProperties {
    pub volume_id: String,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    pub size_gib: Option<i64>,
    pub volume_type: Option<String>,
    /// `in-use`, `available`, …
    pub state: String,
    pub availability_zone: Option<String>,
    pub attached_instance_ids: Vec<String>,
}

/// `aws.ec2.snapshot`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SnapshotProperties {
    pub snapshot_id: String,
    pub volume_id: Option<String>,
    pub encrypted: bool,
    /// True when the create-volume permission includes the group `all`.
    pub public: bool,
    pub owner_id: Option<String>,
    pub state: Option<String>,
    pub start_time: Option<String>,
    pub volume_size_gib: Option<i64>,
}

/// `aws.ec2.elastic_ip`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ElasticIpProperties {
    pub allocation_id: String,
    pub public_ip: Option<String>,
    pub association_id: Option<String>,
    pub instance_id: Option<String>,
    pub network_interface_id: Option<String>,
    pub private_ip: Option<String>,
    pub domain: Option<String>,
}

/// `aws.ec2.transit_gateway`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransitGatewayProperties {
    pub transit_gateway_id: String,
    pub state: String,
    pub owner_id: Option<String>,
}

/// `aws.ec2.transit_gateway_attachment`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransitGatewayAttachmentProperties {
    pub attachment_id: String,
    pub transit_gateway_id: String,
    /// `vpc`, `peering`, `vpn`, …
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub state: String,
    pub subnet_ids: Vec<String>,
    /// CIDRs of the attached VPC, when known, so the tracer can route through the gateway.
    pub cidr_blocks: Vec<String>,
}

/// `aws.ec2.vpc_endpoint`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VpcEndpointProperties {
    pub vpc_endpoint_id: String,
    pub vpc_id: Option<String>,
    pub service_name: String,
    pub endpoint_type: String,
    pub state: String,
    pub route_table_ids: Vec<String>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub policy_document: Option<String>,
}

/// `aws.ec2.managed_prefix_list`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ManagedPrefixListProperties {
    pub prefix_list_id: String,
    pub prefix_list_name: Option<String>,
    pub address_family: Option<String>,
    pub cidrs: Vec<String>,
}

/// `aws.ec2.flow_log`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FlowLogProperties {
    pub flow_log_id: String,
    pub resource_id: Option<String>,
    pub traffic_type: Option<String>,
    pub status: Option<String>,
    pub destination_type: Option<String>,
}

/// `aws.ec2.region_settings`: one per account and region (EBS defaults and the like).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegionSettingsProperties {
    pub ebs_encryption_by_default: Option<bool>,
    pub snapshot_block_public_access: Option<String>,
    /// Calls the endpoint did not support (recorded gaps, not failures).
    pub unsupported_calls: Vec<String>,
}
