//! The node-type registry and the typed property shape of each type: the contract between
//! discovery (which writes them into `Node::properties`) and the engines (which read them with
//! `Node::properties_as`). Field names are snake_case JSON. Plain data: no IO.
//!
//! One `node_types!` line per type names its dotted name and its struct; the struct, right below,
//! implements `NodeProperties` (its defaults and an example), so adding a type is one edit here.
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
//! engine that needs a missing field must say so (INSUFFICIENT_INFO), never guess. A field of the
//! wrong JSON type is an error (`PropertiesError::Malformed`), not a default.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::EdgeKind;
use super::node::node_types;

// rds, lambda, eks (managed endpoints)
mod managed;
pub use managed::*;
mod data_logging;
pub use data_logging::*;

node_types! {
    Instance => "aws.ec2.instance", InstanceProperties,
    NetworkInterface => "aws.ec2.network_interface", NetworkInterfaceProperties,
    SecurityGroup => "aws.ec2.security_group", SecurityGroupProperties,
    NetworkAcl => "aws.ec2.network_acl", NetworkAclProperties,
    Subnet => "aws.ec2.subnet", SubnetProperties,
    Vpc => "aws.ec2.vpc", VpcProperties,
    RouteTable => "aws.ec2.route_table", RouteTableProperties,
    InternetGateway => "aws.ec2.internet_gateway", InternetGatewayProperties,
    EgressOnlyInternetGateway => "aws.ec2.egress_only_internet_gateway", InternetGatewayProperties,
    NatGateway => "aws.ec2.nat_gateway", NatGatewayProperties,
    VpcPeeringConnection => "aws.ec2.vpc_peering_connection", VpcPeeringConnectionProperties,
    Volume => "aws.ec2.volume", VolumeProperties,
    Snapshot => "aws.ec2.snapshot", SnapshotProperties,
    ElasticIp => "aws.ec2.elastic_ip", ElasticIpProperties,
    TransitGateway => "aws.ec2.transit_gateway", TransitGatewayProperties,
    TransitGatewayAttachment => "aws.ec2.transit_gateway_attachment", TransitGatewayAttachmentProperties,
    VpcEndpoint => "aws.ec2.vpc_endpoint", VpcEndpointProperties,
    ManagedPrefixList => "aws.ec2.managed_prefix_list", ManagedPrefixListProperties,
    FlowLog => "aws.ec2.flow_log", FlowLogProperties,
    RegionSettings => "aws.ec2.region_settings", RegionSettingsProperties,
    Internet => "internet", InternetProperties,
    // logs, cloudwatch, sns, securityhub (model/properties/monitoring.rs)
    LogGroup => "aws.logs.log_group", LogGroupProperties,
    MetricFilter => "aws.logs.metric_filter", MetricFilterProperties,
    Alarm => "aws.cloudwatch.alarm", AlarmProperties,
    CisMonitoring => "aws.cloudwatch.cis_monitoring", CisMonitoringProperties,
    SnsTopic => "aws.sns.topic", SnsTopicProperties,
    SecurityHub => "aws.securityhub.hub", SecurityHubProperties,
    // rds, lambda, eks (managed endpoints)
    RdsDbInstance => "aws.rds.db_instance", RdsDbInstanceProperties,
    RdsDbCluster => "aws.rds.db_cluster", RdsDbClusterProperties,
    RdsDbSnapshot => "aws.rds.db_snapshot", RdsDbSnapshotProperties,
    LambdaFunction => "aws.lambda.function", LambdaFunctionProperties,
    EksCluster => "aws.eks.cluster", EksClusterProperties,
    // ec2 transit gateway route tables
    TransitGatewayRouteTable => "aws.ec2.transit_gateway_route_table", TransitGatewayRouteTableProperties,
    // s3, cloudtrail, config, accessanalyzer, kms, efs (properties in `properties/data_logging.rs`)
    S3Bucket => "aws.s3.bucket", S3BucketProperties,
    S3AccountSettings => "aws.s3.account_settings", S3AccountSettingsProperties,
    CloudTrailTrail => "aws.cloudtrail.trail", CloudTrailTrailProperties,
    CloudTrailRegionSettings => "aws.cloudtrail.region_settings", CloudTrailRegionSettingsProperties,
    ConfigRecorder => "aws.config.recorder", ConfigRecorderProperties,
    ConfigRegionSettings => "aws.config.region_settings", ConfigRegionSettingsProperties,
    AccessAnalyzer => "aws.accessanalyzer.analyzer", AccessAnalyzerProperties,
    AccessAnalyzerRegionSettings => "aws.accessanalyzer.region_settings", AccessAnalyzerRegionSettingsProperties,
    KmsKey => "aws.kms.key", KmsKeyProperties,
    EfsFileSystem => "aws.efs.file_system", EfsFileSystemProperties,
    // elbv2, elb
    LoadBalancerV2 => "aws.elbv2.load_balancer", LoadBalancerV2Properties,
    Listener => "aws.elbv2.listener", ListenerProperties,
    TargetGroup => "aws.elbv2.target_group", TargetGroupProperties,
    ClassicLoadBalancer => "aws.elb.load_balancer", ClassicLoadBalancerProperties,
    // iam
    IamAccount => "aws.iam.account", IamAccountProperties,
    IamUser => "aws.iam.user", IamUserProperties,
    IamGroup => "aws.iam.group", IamGroupProperties,
    IamRole => "aws.iam.role", IamRoleProperties,
    IamPolicy => "aws.iam.policy", IamPolicyProperties,
    IamInstanceProfile => "aws.iam.instance_profile", IamInstanceProfileProperties,
    IamServerCertificate => "aws.iam.server_certificate", IamServerCertificateProperties,
    IamPrincipal => "aws.iam.principal", IamPrincipalProperties,
}

/// The property shape of one or more node types (registered in `node_types!` above).
///
/// `defaults` and `example` have no default implementation on purpose: a new type states both, so
/// rule examples and tests never fall back to an empty object for it.
pub trait NodeProperties: Serialize + DeserializeOwned + 'static {
    /// What discovery writes for an unremarkable resource of this type: the base that a rule
    /// example's `properties` are laid over (`rules/**/*.toml`).
    fn defaults() -> Self;

    /// A realistic, filled-in value (documentation and tests).
    fn example() -> Self;

    /// The defaults of one item of the list field `field` (`ingress` → a `SecurityGroupRule`), so
    /// a rule example lists only what matters in each item too. `None` for fields without items
    /// of their own shape.
    fn list_item_defaults(_field: &str) -> Option<serde_json::Value> {
        None
    }
}

/// A property struct as JSON. The structs are plain data with string keys, so serialising cannot
/// fail; the `expect` documents that rather than hiding a case.
pub(crate) fn to_json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("property structs serialise to JSON")
}

/// The node type a rule example's neighbour has when the example names none (`related = {
/// in_subnet = [{ properties = … }] }`). Exhaustive, so a new edge kind must choose one.
pub fn example_neighbour_type(kind: EdgeKind) -> NodeType {
    match kind {
        EdgeKind::InSubnet => NodeType::Subnet,
        EdgeKind::MemberOf | EdgeKind::References => NodeType::SecurityGroup,
        EdgeKind::AttachedTo => NodeType::Volume,
        EdgeKind::LogsTo => NodeType::S3Bucket,
        EdgeKind::EncryptedWith => NodeType::KmsKey,
        EdgeKind::Contains
        | EdgeKind::AssociatedWith
        | EdgeKind::RoutesTo
        | EdgeKind::PeersWith
        | EdgeKind::SnapshotOf => NodeType::Vpc,
        EdgeKind::FiltersLogGroup => NodeType::LogGroup,
        EdgeKind::AlarmsOn => NodeType::MetricFilter,
        EdgeKind::Notifies => NodeType::SnsTopic,
        // iam
        EdgeKind::HasPolicy => NodeType::IamPolicy,
        EdgeKind::Trusts => NodeType::IamPrincipal,
    }
}

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

impl NodeProperties for InstanceProperties {
    fn defaults() -> Self {
        InstanceProperties {
            state: "running".into(),
            ..Default::default()
        }
    }

    fn example() -> Self {
        InstanceProperties {
            instance_id: "i-0abc1234def567890".into(),
            state: "running".into(),
            instance_type: Some("t3.micro".into()),
            image_id: Some("ami-0123456789abcdef0".into()),
            private_ip: Some("10.0.1.10".into()),
            public_ip: Some("203.0.113.10".into()),
            subnet_id: Some("subnet-0a1".into()),
            vpc_id: Some("vpc-0a1".into()),
            security_group_ids: vec!["sg-0a1".into()],
            network_interface_ids: vec!["eni-0a1".into()],
            imds: Some(ImdsOptions {
                http_tokens: "required".into(),
                http_endpoint: "enabled".into(),
                http_put_response_hop_limit: Some(1),
            }),
            key_name: Some("deploy".into()),
            launch_time: Some("2026-01-05T09:30:00Z".into()),
            ..Self::defaults()
        }
    }
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

impl NodeProperties for NetworkInterfaceProperties {
    fn defaults() -> Self {
        NetworkInterfaceProperties::default()
    }

    fn example() -> Self {
        NetworkInterfaceProperties {
            network_interface_id: "eni-0a1".into(),
            interface_type: Some("interface".into()),
            status: Some("in-use".into()),
            private_ip: Some("10.0.1.10".into()),
            private_ips: vec!["10.0.1.10".into()],
            public_ip: Some("203.0.113.10".into()),
            subnet_id: Some("subnet-0a1".into()),
            vpc_id: Some("vpc-0a1".into()),
            security_group_ids: vec!["sg-0a1".into()],
            attached_instance_id: Some("i-0abc1234def567890".into()),
            source_dest_check: true,
            ..Self::defaults()
        }
    }
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

impl NodeProperties for SecurityGroupProperties {
    fn defaults() -> Self {
        SecurityGroupProperties::default()
    }

    fn example() -> Self {
        SecurityGroupProperties {
            group_id: "sg-0a1".into(),
            group_name: "web".into(),
            vpc_id: Some("vpc-0a1".into()),
            description: Some("web servers".into()),
            ingress: vec![SecurityGroupRule {
                protocol: "tcp".into(),
                from_port: Some(443),
                to_port: Some(443),
                ipv4_ranges: vec!["0.0.0.0/0".into()],
                ..Default::default()
            }],
            egress: vec![SecurityGroupRule {
                protocol: "-1".into(),
                ipv4_ranges: vec!["0.0.0.0/0".into()],
                ..Default::default()
            }],
            ..Self::defaults()
        }
    }

    fn list_item_defaults(field: &str) -> Option<serde_json::Value> {
        matches!(field, "ingress" | "egress").then(|| to_json(&SecurityGroupRule::default()))
    }
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

impl NodeProperties for NetworkAclProperties {
    fn defaults() -> Self {
        NetworkAclProperties::default()
    }

    fn example() -> Self {
        NetworkAclProperties {
            network_acl_id: "acl-0a1".into(),
            vpc_id: Some("vpc-0a1".into()),
            is_default: true,
            entries: vec![NetworkAclEntry {
                rule_number: 100,
                action: "allow".into(),
                protocol: "-1".into(),
                cidr_block: Some("0.0.0.0/0".into()),
                ..Default::default()
            }],
            subnet_ids: vec!["subnet-0a1".into()],
        }
    }

    fn list_item_defaults(field: &str) -> Option<serde_json::Value> {
        (field == "entries").then(|| to_json(&NetworkAclEntry::default()))
    }
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

impl NodeProperties for SubnetProperties {
    fn defaults() -> Self {
        SubnetProperties::default()
    }

    fn example() -> Self {
        SubnetProperties {
            subnet_id: "subnet-0a1".into(),
            vpc_id: Some("vpc-0a1".into()),
            cidr_block: Some("10.0.1.0/24".into()),
            availability_zone: Some("us-east-1a".into()),
            map_public_ip_on_launch: true,
            route_table_id: Some("rtb-0a1".into()),
            network_acl_id: Some("acl-0a1".into()),
            ..Self::defaults()
        }
    }
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

impl NodeProperties for VpcProperties {
    fn defaults() -> Self {
        VpcProperties::default()
    }

    fn example() -> Self {
        VpcProperties {
            vpc_id: "vpc-0a1".into(),
            cidr_block: Some("10.0.0.0/16".into()),
            cidr_blocks: vec!["10.0.0.0/16".into()],
            state: Some("available".into()),
            main_route_table_id: Some("rtb-0a1".into()),
            default_network_acl_id: Some("acl-0a1".into()),
            flow_logs_enabled: true,
            flow_log_ids: vec!["fl-0a1".into()],
            ..Self::defaults()
        }
    }
}

/// What a route sends traffic to (a route's `target_type`). A name this build does not know
/// reads as `Other`, as discovery records targets it does not model (carrier, local gateways).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteTarget {
    Local,
    InternetGateway,
    EgressOnlyInternetGateway,
    NatGateway,
    VpcPeeringConnection,
    TransitGateway,
    NetworkInterface,
    Instance,
    VpcEndpoint,
    /// A gateway id of a kind discovery could not tell.
    Gateway,
    #[default]
    #[serde(other)]
    Other,
}

impl RouteTarget {
    pub const ALL: [RouteTarget; 11] = [
        RouteTarget::Local,
        RouteTarget::InternetGateway,
        RouteTarget::EgressOnlyInternetGateway,
        RouteTarget::NatGateway,
        RouteTarget::VpcPeeringConnection,
        RouteTarget::TransitGateway,
        RouteTarget::NetworkInterface,
        RouteTarget::Instance,
        RouteTarget::VpcEndpoint,
        RouteTarget::Gateway,
        RouteTarget::Other,
    ];

    /// The name recorded in a route's `target_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteTarget::Local => "local",
            RouteTarget::InternetGateway => "internet_gateway",
            RouteTarget::EgressOnlyInternetGateway => "egress_only_internet_gateway",
            RouteTarget::NatGateway => "nat_gateway",
            RouteTarget::VpcPeeringConnection => "vpc_peering_connection",
            RouteTarget::TransitGateway => "transit_gateway",
            RouteTarget::NetworkInterface => "network_interface",
            RouteTarget::Instance => "instance",
            RouteTarget::VpcEndpoint => "vpc_endpoint",
            RouteTarget::Gateway => "gateway",
            RouteTarget::Other => "other",
        }
    }
}

impl std::fmt::Display for RouteTarget {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One route of a route table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Route {
    pub destination_cidr: Option<String>,
    pub destination_ipv6_cidr: Option<String>,
    pub destination_prefix_list_id: Option<String>,
    pub target_type: RouteTarget,
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

impl NodeProperties for RouteTableProperties {
    fn defaults() -> Self {
        RouteTableProperties::default()
    }

    fn example() -> Self {
        RouteTableProperties {
            route_table_id: "rtb-0a1".into(),
            vpc_id: Some("vpc-0a1".into()),
            is_main: true,
            subnet_ids: vec!["subnet-0a1".into()],
            routes: vec![
                Route {
                    destination_cidr: Some("10.0.0.0/16".into()),
                    target_type: RouteTarget::Local,
                    target_id: "local".into(),
                    state: "active".into(),
                    ..Default::default()
                },
                Route {
                    destination_cidr: Some("0.0.0.0/0".into()),
                    target_type: RouteTarget::InternetGateway,
                    target_id: "igw-0a1".into(),
                    state: "active".into(),
                    ..Default::default()
                },
            ],
        }
    }

    fn list_item_defaults(field: &str) -> Option<serde_json::Value> {
        (field == "routes").then(|| to_json(&Route::default()))
    }
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

impl NodeProperties for InternetGatewayProperties {
    fn defaults() -> Self {
        InternetGatewayProperties::default()
    }

    fn example() -> Self {
        InternetGatewayProperties {
            internet_gateway_id: "igw-0a1".into(),
            attachments: vec![GatewayAttachment {
                vpc_id: "vpc-0a1".into(),
                state: "available".into(),
            }],
        }
    }

    fn list_item_defaults(field: &str) -> Option<serde_json::Value> {
        (field == "attachments").then(|| to_json(&GatewayAttachment::default()))
    }
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

impl NodeProperties for NatGatewayProperties {
    fn defaults() -> Self {
        NatGatewayProperties::default()
    }

    fn example() -> Self {
        NatGatewayProperties {
            nat_gateway_id: "nat-0a1".into(),
            subnet_id: Some("subnet-0a1".into()),
            vpc_id: Some("vpc-0a1".into()),
            state: "available".into(),
            connectivity_type: "public".into(),
            public_ip: Some("203.0.113.20".into()),
            private_ip: Some("10.0.1.20".into()),
        }
    }
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

impl NodeProperties for VpcPeeringConnectionProperties {
    fn defaults() -> Self {
        VpcPeeringConnectionProperties::default()
    }

    fn example() -> Self {
        VpcPeeringConnectionProperties {
            peering_connection_id: "pcx-0a1".into(),
            status: "active".into(),
            requester_vpc_id: Some("vpc-0a1".into()),
            requester_cidr_blocks: vec!["10.0.0.0/16".into()],
            requester_account: Some("111111111111".into()),
            requester_region: Some("us-east-1".into()),
            accepter_vpc_id: Some("vpc-0b2".into()),
            accepter_cidr_blocks: vec!["10.1.0.0/16".into()],
            accepter_account: Some("111111111111".into()),
            accepter_region: Some("us-east-1".into()),
        }
    }
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

impl NodeProperties for VolumeProperties {
    fn defaults() -> Self {
        VolumeProperties::default()
    }

    fn example() -> Self {
        VolumeProperties {
            volume_id: "vol-0a1".into(),
            encrypted: true,
            kms_key_id: Some("alias/aws/ebs".into()),
            size_gib: Some(8),
            volume_type: Some("gp3".into()),
            state: "in-use".into(),
            availability_zone: Some("us-east-1a".into()),
            attached_instance_ids: vec!["i-0abc1234def567890".into()],
        }
    }
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

impl NodeProperties for SnapshotProperties {
    fn defaults() -> Self {
        SnapshotProperties::default()
    }

    fn example() -> Self {
        SnapshotProperties {
            snapshot_id: "snap-0a1".into(),
            volume_id: Some("vol-0a1".into()),
            encrypted: true,
            owner_id: Some("111111111111".into()),
            state: Some("completed".into()),
            start_time: Some("2026-01-05T10:00:00Z".into()),
            volume_size_gib: Some(8),
            ..Self::defaults()
        }
    }
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

impl NodeProperties for ElasticIpProperties {
    fn defaults() -> Self {
        ElasticIpProperties::default()
    }

    fn example() -> Self {
        ElasticIpProperties {
            allocation_id: "eipalloc-0a1".into(),
            public_ip: Some("203.0.113.30".into()),
            association_id: Some("eipassoc-0a1".into()),
            instance_id: Some("i-0abc1234def567890".into()),
            network_interface_id: Some("eni-0a1".into()),
            private_ip: Some("10.0.1.10".into()),
            domain: Some("vpc".into()),
        }
    }
}

/// `aws.ec2.transit_gateway`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransitGatewayProperties {
    pub transit_gateway_id: String,
    pub state: String,
    pub owner_id: Option<String>,
}

impl NodeProperties for TransitGatewayProperties {
    fn defaults() -> Self {
        TransitGatewayProperties::default()
    }

    fn example() -> Self {
        TransitGatewayProperties {
            transit_gateway_id: "tgw-0a1".into(),
            state: "available".into(),
            owner_id: Some("111111111111".into()),
        }
    }
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
    /// The transit gateway route table the attachment is associated with (its traffic is routed
    /// by that table), when known.
    pub association_route_table_id: Option<String>,
}

impl NodeProperties for TransitGatewayAttachmentProperties {
    fn defaults() -> Self {
        TransitGatewayAttachmentProperties::default()
    }

    fn example() -> Self {
        TransitGatewayAttachmentProperties {
            attachment_id: "tgw-attach-0a1".into(),
            transit_gateway_id: "tgw-0a1".into(),
            resource_type: "vpc".into(),
            resource_id: Some("vpc-0a1".into()),
            state: "available".into(),
            subnet_ids: vec!["subnet-0a1".into()],
            cidr_blocks: vec!["10.0.0.0/16".into()],
            association_route_table_id: Some("tgw-rtb-0a1".into()),
        }
    }
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

impl NodeProperties for VpcEndpointProperties {
    fn defaults() -> Self {
        VpcEndpointProperties::default()
    }

    fn example() -> Self {
        VpcEndpointProperties {
            vpc_endpoint_id: "vpce-0a1".into(),
            vpc_id: Some("vpc-0a1".into()),
            service_name: "com.amazonaws.us-east-1.s3".into(),
            endpoint_type: "Gateway".into(),
            state: "available".into(),
            route_table_ids: vec!["rtb-0a1".into()],
            ..Self::defaults()
        }
    }
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

impl NodeProperties for ManagedPrefixListProperties {
    fn defaults() -> Self {
        ManagedPrefixListProperties::default()
    }

    fn example() -> Self {
        ManagedPrefixListProperties {
            prefix_list_id: "pl-0a1".into(),
            prefix_list_name: Some("office".into()),
            address_family: Some("IPv4".into()),
            cidrs: vec!["198.51.100.0/24".into()],
        }
    }
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

impl NodeProperties for FlowLogProperties {
    fn defaults() -> Self {
        FlowLogProperties::default()
    }

    fn example() -> Self {
        FlowLogProperties {
            flow_log_id: "fl-0a1".into(),
            resource_id: Some("vpc-0a1".into()),
            traffic_type: Some("ALL".into()),
            status: Some("ACTIVE".into()),
            destination_type: Some("cloud-watch-logs".into()),
        }
    }
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

impl NodeProperties for RegionSettingsProperties {
    fn defaults() -> Self {
        RegionSettingsProperties::default()
    }

    fn example() -> Self {
        RegionSettingsProperties {
            ebs_encryption_by_default: Some(true),
            snapshot_block_public_access: Some("block-all-sharing".into()),
            unsupported_calls: vec!["GetInstanceMetadataDefaults".into()],
        }
    }
}

/// `internet`: the pseudo-node that stands for every address outside the estate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InternetProperties {
    pub cidrs: Vec<String>,
}

impl NodeProperties for InternetProperties {
    fn defaults() -> Self {
        InternetProperties {
            cidrs: vec!["0.0.0.0/0".into(), "::/0".into()],
        }
    }

    fn example() -> Self {
        Self::defaults()
    }
}

// elbv2, elb: load balancers, listeners and target groups.
mod load_balancer;
pub use load_balancer::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_targets_read_the_names_discovery_records_and_unknown_ones_as_other() {
        for target in RouteTarget::ALL {
            let name = serde_json::Value::String(target.as_str().to_string());
            assert_eq!(serde_json::to_value(target).unwrap(), name);
            assert_eq!(serde_json::from_value::<RouteTarget>(name).unwrap(), target);
            assert_eq!(target.to_string(), target.as_str());
        }
        let route: Route = serde_json::from_value(serde_json::json!({
            "destination_cidr": "0.0.0.0/0",
            "target_type": "egress_only_internet_gateway",
            "target_id": "eigw-1",
        }))
        .unwrap();
        assert_eq!(route.target_type, RouteTarget::EgressOnlyInternetGateway);
        let carrier: Route =
            serde_json::from_value(serde_json::json!({"target_type": "carrier_gateway"})).unwrap();
        assert_eq!(carrier.target_type, RouteTarget::Other);
    }
}

// logs, cloudwatch, sns, securityhub
mod monitoring;
pub use monitoring::*;
// iam
mod iam;
pub use iam::*;
