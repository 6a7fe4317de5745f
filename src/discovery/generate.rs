//! The synthetic estate generator: a deterministic, realistic AWS estate whose size scales with
//! the number of instances (about one VPC per 500 instances). Benchmarks and demos use it.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::build::EstateBuilder;
use crate::model::properties::*;
use crate::model::{EdgeKind, Inventory, NodeId, NodeType};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
const INSTANCES_PER_VPC: usize = 500;

/// Ids of one generated VPC's shared parts.
#[derive(Debug, Clone)]
pub struct VpcParts {
    pub vpc_id: String,
    pub cidr_prefix: String,
    pub public_subnets: Vec<String>,
    pub private_subnets: Vec<String>,
    pub web_group: String,
    pub app_group: String,
    pub db_group: String,
    pub admin_group: String,
    pub public_route_table: String,
    pub private_route_table: String,
}

fn rule(
    protocol: &str,
    port: Option<(i32, i32)>,
    cidrs: &[&str],
    groups: &[&str],
) -> SecurityGroupRule {
    SecurityGroupRule {
        protocol: protocol.to_string(),
        from_port: port.map(|(from, _)| from),
        to_port: port.map(|(_, to)| to),
        ipv4_ranges: cidrs
            .iter()
            .filter(|cidr| !cidr.contains(':'))
            .map(|cidr| cidr.to_string())
            .collect(),
        ipv6_ranges: cidrs
            .iter()
            .filter(|cidr| cidr.contains(':'))
            .map(|cidr| cidr.to_string())
            .collect(),
        prefix_list_ids: Vec::new(),
        referenced_group_ids: groups.iter().map(|group| group.to_string()).collect(),
        description: None,
    }
}

fn allow_all_egress() -> Vec<SecurityGroupRule> {
    vec![rule("-1", None, &["0.0.0.0/0"], &[])]
}

fn nacl_entry(
    rule_number: i32,
    egress: bool,
    action: &str,
    protocol: &str,
    cidr: &str,
    ports: Option<(i32, i32)>,
) -> NetworkAclEntry {
    NetworkAclEntry {
        rule_number,
        egress,
        action: action.to_string(),
        protocol: protocol.to_string(),
        cidr_block: (!cidr.contains(':')).then(|| cidr.to_string()),
        ipv6_cidr_block: cidr.contains(':').then(|| cidr.to_string()),
        port_from: ports.map(|(from, _)| from),
        port_to: ports.map(|(_, to)| to),
        icmp_type: None,
        icmp_code: None,
    }
}

/// Adds a VPC with two public and two private subnets, an IGW, a NAT gateway, route tables,
/// NACLs and four security groups. `open_ssh` makes the web group allow 22 from anywhere.
pub fn add_vpc(
    builder: &mut EstateBuilder,
    name: &str,
    raw_vpc: &str,
    second_octet: u32,
    third_base: u32,
    open_ssh: bool,
    flow_logs: bool,
) -> VpcParts {
    let prefix = format!("10.{second_octet}");
    let vpc_cidr = if third_base == 0 {
        format!("{prefix}.0.0/16")
    } else {
        format!("{prefix}.{third_base}.0/22")
    };
    let vpc_id = raw_vpc.to_string();
    let main_route_table = format!("rtb-{raw_vpc}-private");
    let public_route_table = format!("rtb-{raw_vpc}-public");
    let default_acl = format!("acl-{raw_vpc}-default");
    let vpc = builder.node(
        NodeType::Vpc,
        &vpc_id,
        name,
        &[("Name", name)],
        &VpcProperties {
            vpc_id: vpc_id.clone(),
            cidr_block: Some(vpc_cidr.clone()),
            cidr_blocks: vec![vpc_cidr.clone()],
            state: Some("available".into()),
            main_route_table_id: Some(main_route_table.clone()),
            default_network_acl_id: Some(default_acl.clone()),
            flow_logs_enabled: flow_logs,
            flow_log_ids: if flow_logs {
                vec![format!("fl-{raw_vpc}")]
            } else {
                Vec::new()
            },
            ..Default::default()
        },
    );
    let igw_raw = format!("igw-{raw_vpc}");
    let igw = builder.node(
        NodeType::InternetGateway,
        &igw_raw,
        &format!("{name}-igw"),
        &[],
        &InternetGatewayProperties {
            internet_gateway_id: igw_raw.clone(),
            attachments: vec![GatewayAttachment {
                vpc_id: vpc_id.clone(),
                state: "available".into(),
            }],
        },
    );
    builder.edge(EdgeKind::AttachedTo, &igw, &vpc);

    let subnet_cidr = |index: u32| {
        if third_base == 0 {
            format!("{prefix}.{}.0/20", index * 16)
        } else {
            format!("{prefix}.{}.0/24", third_base + index)
        }
    };
    let mut public_subnets = Vec::new();
    let mut private_subnets = Vec::new();
    for index in 0..4u32 {
        let public = index < 2;
        let raw = format!(
            "subnet-{raw_vpc}-{}{}",
            if public { "public" } else { "private" },
            index % 2
        );
        let subnet = builder.node(
            NodeType::Subnet,
            &raw,
            &format!(
                "{name}-{}-{}",
                if public { "public" } else { "private" },
                index % 2
            ),
            &[],
            &SubnetProperties {
                subnet_id: raw.clone(),
                vpc_id: Some(vpc_id.clone()),
                cidr_block: Some(subnet_cidr(index)),
                availability_zone: Some(format!(
                    "{REGION}{}",
                    if index % 2 == 0 { "a" } else { "b" }
                )),
                map_public_ip_on_launch: public,
                route_table_id: public.then(|| public_route_table.clone()),
                network_acl_id: Some(default_acl.clone()),
                ..Default::default()
            },
        );
        builder.edge(EdgeKind::Contains, &vpc, &subnet);
        if public {
            public_subnets.push(raw)
        } else {
            private_subnets.push(raw)
        }
    }
    let nat_raw = format!("nat-{raw_vpc}");
    let nat = builder.node(
        NodeType::NatGateway,
        &nat_raw,
        &format!("{name}-nat"),
        &[],
        &NatGatewayProperties {
            nat_gateway_id: nat_raw.clone(),
            subnet_id: Some(public_subnets[0].clone()),
            vpc_id: Some(vpc_id.clone()),
            state: "available".into(),
            connectivity_type: "public".into(),
            public_ip: Some(format!(
                "52.0.{}.{}",
                second_octet % 250,
                10 + third_base % 200
            )),
            private_ip: Some(format!(
                "{prefix}.{}.5",
                if third_base == 0 { 0 } else { third_base }
            )),
        },
    );
    let public_subnet_node = builder.id(NodeType::Subnet, &public_subnets[0]);
    builder.edge(EdgeKind::InSubnet, &nat, &public_subnet_node);

    let local_route = Route {
        destination_cidr: Some(vpc_cidr.clone()),
        target_type: RouteTarget::Local,
        target_id: "local".into(),
        state: "active".into(),
        ..Default::default()
    };
    let public_rt = builder.node(
        NodeType::RouteTable,
        &public_route_table,
        &format!("{name}-public-rt"),
        &[],
        &RouteTableProperties {
            route_table_id: public_route_table.clone(),
            vpc_id: Some(vpc_id.clone()),
            is_main: false,
            subnet_ids: public_subnets.clone(),
            routes: vec![
                local_route.clone(),
                Route {
                    destination_cidr: Some("0.0.0.0/0".into()),
                    target_type: RouteTarget::InternetGateway,
                    target_id: igw_raw.clone(),
                    state: "active".into(),
                    ..Default::default()
                },
            ],
        },
    );
    builder.edge_with(
        EdgeKind::RoutesTo,
        &public_rt,
        &igw,
        serde_json::json!({"destination": "0.0.0.0/0"}),
    );
    let private_rt = builder.node(
        NodeType::RouteTable,
        &main_route_table,
        &format!("{name}-private-rt"),
        &[],
        &RouteTableProperties {
            route_table_id: main_route_table.clone(),
            vpc_id: Some(vpc_id.clone()),
            is_main: true,
            subnet_ids: Vec::new(),
            routes: vec![
                local_route,
                Route {
                    destination_cidr: Some("0.0.0.0/0".into()),
                    target_type: RouteTarget::NatGateway,
                    target_id: nat_raw.clone(),
                    state: "active".into(),
                    ..Default::default()
                },
            ],
        },
    );
    builder.edge_with(
        EdgeKind::RoutesTo,
        &private_rt,
        &nat,
        serde_json::json!({"destination": "0.0.0.0/0"}),
    );
    for table in [&public_rt, &private_rt] {
        builder.edge(EdgeKind::Contains, &vpc, table);
    }

    let all_subnets: Vec<String> = public_subnets
        .iter()
        .chain(private_subnets.iter())
        .cloned()
        .collect();
    let acl = builder.node(
        NodeType::NetworkAcl,
        &default_acl,
        &format!("{name}-default-acl"),
        &[],
        &NetworkAclProperties {
            network_acl_id: default_acl.clone(),
            vpc_id: Some(vpc_id.clone()),
            is_default: true,
            entries: vec![
                nacl_entry(100, false, "allow", "-1", "0.0.0.0/0", None),
                nacl_entry(100, true, "allow", "-1", "0.0.0.0/0", None),
                nacl_entry(32767, false, "deny", "-1", "0.0.0.0/0", None),
                nacl_entry(32767, true, "deny", "-1", "0.0.0.0/0", None),
            ],
            subnet_ids: all_subnets.clone(),
        },
    );
    builder.edge(EdgeKind::Contains, &vpc, &acl);
    for subnet in &all_subnets {
        let subnet_node = builder.id(NodeType::Subnet, subnet);
        let table = if public_subnets.contains(subnet) {
            &public_rt
        } else {
            &private_rt
        };
        builder.edge(EdgeKind::AssociatedWith, &subnet_node, table);
        builder.edge(EdgeKind::AssociatedWith, &subnet_node, &acl);
    }

    let group = |suffix: &str| format!("sg-{raw_vpc}-{suffix}");
    let (web_group, app_group, db_group, admin_group, default_group) = (
        group("web"),
        group("app"),
        group("db"),
        group("admin"),
        group("default"),
    );
    let mut web_ingress = vec![
        rule("tcp", Some((443, 443)), &["0.0.0.0/0", "::/0"], &[]),
        rule("tcp", Some((80, 80)), &["0.0.0.0/0"], &[]),
    ];
    if open_ssh {
        web_ingress.push(rule("tcp", Some((22, 22)), &["0.0.0.0/0"], &[]));
    }
    let groups: Vec<(String, String, Vec<SecurityGroupRule>, bool)> = vec![
        (
            default_group.clone(),
            "default".into(),
            vec![rule("-1", None, &[], &[&default_group])],
            true,
        ),
        (web_group.clone(), format!("{name}-web"), web_ingress, false),
        (
            app_group.clone(),
            format!("{name}-app"),
            vec![rule("tcp", Some((8080, 8080)), &[], &[&web_group])],
            false,
        ),
        (
            db_group.clone(),
            format!("{name}-db"),
            vec![rule("tcp", Some((5432, 5432)), &[], &[&app_group])],
            false,
        ),
        (
            admin_group.clone(),
            format!("{name}-admin"),
            vec![rule("tcp", Some((22, 22)), &["10.0.0.0/8"], &[])],
            false,
        ),
    ];
    for (raw, group_name, ingress, is_default) in groups {
        let references: Vec<String> = ingress
            .iter()
            .flat_map(|rule| rule.referenced_group_ids.clone())
            .collect();
        let node = builder.node(
            NodeType::SecurityGroup,
            &raw,
            &group_name,
            &[],
            &SecurityGroupProperties {
                group_id: raw.clone(),
                group_name: group_name.clone(),
                vpc_id: Some(vpc_id.clone()),
                description: Some(format!("{group_name} security group")),
                is_default,
                ingress,
                egress: allow_all_egress(),
            },
        );
        builder.edge(EdgeKind::Contains, &vpc, &node);
        for referenced in references.iter().filter(|referenced| **referenced != raw) {
            let target = builder.id(NodeType::SecurityGroup, referenced);
            builder.edge(EdgeKind::References, &node, &target);
        }
    }
    VpcParts {
        vpc_id,
        cidr_prefix: prefix,
        public_subnets,
        private_subnets,
        web_group,
        app_group,
        db_group,
        admin_group,
        public_route_table,
        private_route_table: main_route_table,
    }
}

/// What to make one instance like.
#[derive(Debug, Clone)]
pub struct InstanceSpec {
    pub raw_id: String,
    pub name: String,
    pub subnet: String,
    pub private_ip: String,
    pub public_ip: Option<String>,
    pub groups: Vec<String>,
    pub imds_v2: bool,
    pub volume_encrypted: bool,
    pub tags: Vec<(String, String)>,
}

/// Adds an instance with its primary ENI and root volume; returns (instance, eni, volume) ids.
pub fn add_instance(
    builder: &mut EstateBuilder,
    vpc: &VpcParts,
    spec: &InstanceSpec,
) -> (NodeId, NodeId, NodeId) {
    let eni_raw = format!("eni-{}", spec.raw_id.trim_start_matches("i-"));
    let volume_raw = format!("vol-{}", spec.raw_id.trim_start_matches("i-"));
    let tags: Vec<(&str, &str)> = spec
        .tags
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    let instance = builder.node(
        NodeType::Instance,
        &spec.raw_id,
        &spec.name,
        &tags,
        &InstanceProperties {
            instance_id: spec.raw_id.clone(),
            state: "running".into(),
            instance_type: Some("t3.medium".into()),
            image_id: Some("ami-0abcdef1234567890".into()),
            private_ip: Some(spec.private_ip.clone()),
            public_ip: spec.public_ip.clone(),
            subnet_id: Some(spec.subnet.clone()),
            vpc_id: Some(vpc.vpc_id.clone()),
            security_group_ids: spec.groups.clone(),
            network_interface_ids: vec![eni_raw.clone()],
            imds: Some(ImdsOptions {
                http_tokens: if spec.imds_v2 { "required" } else { "optional" }.into(),
                http_endpoint: "enabled".into(),
                http_put_response_hop_limit: Some(if spec.imds_v2 { 1 } else { 2 }),
            }),
            monitoring_enabled: false,
            ..Default::default()
        },
    );
    let eni = builder.node(
        NodeType::NetworkInterface,
        &eni_raw,
        "",
        &[],
        &NetworkInterfaceProperties {
            network_interface_id: eni_raw.clone(),
            interface_type: Some("interface".into()),
            status: Some("in-use".into()),
            private_ip: Some(spec.private_ip.clone()),
            private_ips: vec![spec.private_ip.clone()],
            public_ip: spec.public_ip.clone(),
            subnet_id: Some(spec.subnet.clone()),
            vpc_id: Some(vpc.vpc_id.clone()),
            security_group_ids: spec.groups.clone(),
            attached_instance_id: Some(spec.raw_id.clone()),
            source_dest_check: true,
            ..Default::default()
        },
    );
    let volume = builder.node(
        NodeType::Volume,
        &volume_raw,
        "",
        &[],
        &VolumeProperties {
            volume_id: volume_raw.clone(),
            encrypted: spec.volume_encrypted,
            kms_key_id: spec.volume_encrypted.then(|| "alias/aws/ebs".to_string()),
            size_gib: Some(20),
            volume_type: Some("gp3".into()),
            state: "in-use".into(),
            availability_zone: Some(format!("{REGION}a")),
            attached_instance_ids: vec![spec.raw_id.clone()],
        },
    );
    let subnet = builder.id(NodeType::Subnet, &spec.subnet);
    builder.edge(EdgeKind::InSubnet, &instance, &subnet);
    builder.edge(EdgeKind::InSubnet, &eni, &subnet);
    builder.edge(EdgeKind::AttachedTo, &eni, &instance);
    builder.edge(EdgeKind::AttachedTo, &volume, &instance);
    for group in &spec.groups {
        let group_node = builder.id(NodeType::SecurityGroup, group);
        builder.edge(EdgeKind::MemberOf, &eni, &group_node);
        builder.edge(EdgeKind::MemberOf, &instance, &group_node);
    }
    (instance, eni, volume)
}

/// Adds the per-region settings node (EBS encryption by default).
pub fn add_region_settings(builder: &mut EstateBuilder, ebs_encryption_by_default: bool) {
    let account = builder.account.clone();
    builder.node(
        NodeType::RegionSettings,
        &account,
        &format!("{} settings", builder.region),
        &[],
        &RegionSettingsProperties {
            ebs_encryption_by_default: Some(ebs_encryption_by_default),
            ..Default::default()
        },
    );
}

/// A deterministic estate of `instances` instances for `seed`.
pub fn generate_estate(instances: usize, seed: u64) -> Inventory {
    let mut random = StdRng::seed_from_u64(seed);
    let mut builder = EstateBuilder::new(ACCOUNT, REGION);
    add_region_settings(&mut builder, random.random_bool(0.5));
    // iam first (its own scope), about one user per 10 instances, as mid-sized accounts have.
    add_iam(&mut builder, instances.div_ceil(10).max(4), &mut random);
    let vpc_count = instances.div_ceil(INSTANCES_PER_VPC).max(1);
    let mut vpcs = Vec::with_capacity(vpc_count);
    for index in 0..vpc_count {
        // Up to 250 /16 VPCs; beyond that, /22 VPCs carved from 10.250-255.
        let (second_octet, third_base) = if index < 250 {
            (index as u32, 0)
        } else {
            (
                250 + (index as u32 - 250) / 60,
                ((index as u32 - 250) % 60) * 4,
            )
        };
        let raw = format!("vpc-{index:05x}");
        let open_ssh = random.random_bool(0.2);
        let flow_logs = random.random_bool(0.6);
        vpcs.push(add_vpc(
            &mut builder,
            &format!("vpc-{index}"),
            &raw,
            second_octet,
            third_base,
            open_ssh,
            flow_logs,
        ));
    }
    for number in 0..instances {
        let vpc = &vpcs[number / INSTANCES_PER_VPC];
        let role = random.random_range(0..10);
        let (subnet, groups, public) = match role {
            0..=2 => (
                vpc.public_subnets[number % 2].clone(),
                vec![vpc.web_group.clone()],
                random.random_bool(0.8),
            ),
            3..=6 => (
                vpc.private_subnets[number % 2].clone(),
                vec![vpc.app_group.clone()],
                false,
            ),
            7..=8 => (
                vpc.private_subnets[number % 2].clone(),
                vec![vpc.db_group.clone()],
                false,
            ),
            _ => (
                vpc.public_subnets[number % 2].clone(),
                vec![vpc.admin_group.clone(), vpc.web_group.clone()],
                random.random_bool(0.5),
            ),
        };
        let host = number % INSTANCES_PER_VPC;
        let subnet_index = if subnet.ends_with('0') { 0 } else { 1 }
            + if subnet.contains("private") { 2 } else { 0 };
        let private_ip = format!(
            "{}.{}.{}",
            vpc.cidr_prefix,
            subnet_index * 16 + (host / 250) as u32,
            4 + host % 250
        );
        let raw_id = format!("i-{number:017x}");
        let spec = InstanceSpec {
            name: format!(
                "{}-{number}",
                [
                    "web", "web", "web", "app", "app", "app", "app", "db", "db", "bastion"
                ][role]
            ),
            raw_id,
            subnet,
            private_ip,
            public_ip: public.then(|| {
                format!(
                    "3.{}.{}.{}",
                    (number >> 16) & 0xff,
                    (number >> 8) & 0xff,
                    number & 0xff
                )
            }),
            groups,
            imds_v2: random.random_bool(0.7),
            volume_encrypted: random.random_bool(0.85),
            tags: vec![(
                "env".into(),
                if random.random_bool(0.7) {
                    "prod"
                } else {
                    "dev"
                }
                .into(),
            )],
        };
        let (_, eni, volume) = add_instance(&mut builder, vpc, &spec);
        if random.random_bool(0.05) {
            let snapshot_raw = format!("snap-{number:017x}");
            let snapshot = builder.node(
                NodeType::Snapshot,
                &snapshot_raw,
                "",
                &[],
                &SnapshotProperties {
                    snapshot_id: snapshot_raw.clone(),
                    volume_id: Some(volume.resource_id().to_string()),
                    encrypted: random.random_bool(0.8),
                    public: random.random_bool(0.05),
                    owner_id: Some(ACCOUNT.into()),
                    state: Some("completed".into()),
                    volume_size_gib: Some(20),
                    ..Default::default()
                },
            );
            builder.edge(EdgeKind::SnapshotOf, &snapshot, &volume);
        }
        if public && random.random_bool(0.05) {
            let allocation = format!("eipalloc-{number:017x}");
            let eip = builder.node(
                NodeType::ElasticIp,
                &allocation,
                "",
                &[],
                &ElasticIpProperties {
                    allocation_id: allocation.clone(),
                    public_ip: spec.public_ip.clone(),
                    association_id: Some(format!("eipassoc-{number:x}")),
                    instance_id: Some(spec.raw_id.clone()),
                    network_interface_id: Some(eni.resource_id().to_string()),
                    private_ip: Some(spec.private_ip.clone()),
                    domain: Some("vpc".into()),
                },
            );
            builder.edge(EdgeKind::AttachedTo, &eip, &eni);
        }
    }
    builder.finish()
}

/// IAM in the account's `global` scope: the account node, `users` users (a share without MFA, with
/// old or unused keys, with policies attached directly), an admin group and its full-admin policy,
/// a support role, a role trusted by EC2 in an instance profile and an expired server certificate.
pub fn add_iam(builder: &mut EstateBuilder, users: usize, random: &mut StdRng) {
    let regional = std::mem::replace(&mut builder.region, "global".to_string());
    builder.inventory.scopes.push(crate::model::Scope {
        provider: "aws".to_string(),
        account: builder.account.clone(),
        region: "global".to_string(),
    });
    let account = builder.account.clone();
    let arn = |kind: &str, name: &str| format!("arn:aws:iam::{account}:{kind}/{name}");
    let admin_policy_arn = arn("policy", "full-admin");
    let support_arn = "arn:aws:iam::aws:policy/AWSSupportAccess";
    builder.node(
        NodeType::IamAccount,
        &account,
        &account,
        &[],
        &IamAccountProperties {
            account_id: account.clone(),
            root_mfa_enabled: true,
            root_hardware_mfa_enabled: random.random_bool(0.5),
            root_last_used_days: Some(random.random_range(0..200)),
            credential_report_available: true,
            password_policy_present: true,
            password_policy: PasswordPolicy {
                minimum_password_length: 8,
                ..PasswordPolicy::example()
            },
            support_access_principals: vec![arn("role", "support")],
            ..Default::default()
        },
    );
    let admin_policy = builder.node(
        NodeType::IamPolicy,
        &admin_policy_arn,
        "full-admin",
        &[],
        &IamPolicyProperties {
            policy_name: "full-admin".into(),
            arn: admin_policy_arn.clone(),
            attachment_count: 1,
            grants_full_admin: true,
            allowed_actions: vec!["*".into()],
            default_version_id: Some("v1".into()),
            ..Default::default()
        },
    );
    let cloudshell_arn = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess";
    let support_policy = builder.node(
        NodeType::IamPolicy,
        support_arn,
        "AWSSupportAccess",
        &[],
        &IamPolicyProperties {
            policy_name: "AWSSupportAccess".into(),
            arn: support_arn.into(),
            aws_managed: true,
            attachment_count: 1,
            ..Default::default()
        },
    );
    let cloudshell = builder.node(
        NodeType::IamPolicy,
        cloudshell_arn,
        "AWSCloudShellFullAccess",
        &[],
        &IamPolicyProperties {
            policy_name: "AWSCloudShellFullAccess".into(),
            arn: cloudshell_arn.into(),
            aws_managed: true,
            attachment_count: 1,
            ..Default::default()
        },
    );
    let admins = builder.node(
        NodeType::IamGroup,
        "admins",
        "admins",
        &[],
        &IamGroupProperties {
            group_name: "admins".into(),
            arn: arn("group", "admins"),
            path: "/".into(),
            attached_policy_arns: vec![admin_policy_arn.clone()],
            ..Default::default()
        },
    );
    builder.edge(EdgeKind::HasPolicy, &admins, &admin_policy);
    let service = builder.node(
        NodeType::IamPrincipal,
        "service:ec2.amazonaws.com",
        "ec2.amazonaws.com",
        &[],
        &IamPrincipalProperties::example(),
    );
    for (name, trusted, policy) in [
        (
            "support",
            vec![format!("aws:arn:aws:iam::{account}:root")],
            &support_policy,
        ),
        (
            "web",
            vec!["service:ec2.amazonaws.com".to_string()],
            &cloudshell,
        ),
    ] {
        let role = builder.node(
            NodeType::IamRole,
            name,
            name,
            &[],
            &IamRoleProperties {
                role_name: name.into(),
                arn: arn("role", name),
                path: "/".into(),
                trusted_principals: trusted,
                last_used_days: Some(random.random_range(0..200)),
                ..Default::default()
            },
        );
        builder.edge(EdgeKind::HasPolicy, &role, policy);
        if name == "web" {
            builder.edge(EdgeKind::Trusts, &role, &service);
            let profile = builder.node(
                NodeType::IamInstanceProfile,
                "web",
                "web",
                &[],
                &IamInstanceProfileProperties {
                    instance_profile_name: "web".into(),
                    arn: arn("instance-profile", "web"),
                    role_names: vec!["web".into()],
                },
            );
            builder.edge(EdgeKind::Contains, &profile, &role);
        }
    }
    builder.node(
        NodeType::IamServerCertificate,
        "legacy-www",
        "legacy-www",
        &[],
        &IamServerCertificateProperties {
            server_certificate_name: "legacy-www".into(),
            arn: arn("server-certificate", "legacy-www"),
            expiration: Some("2025-01-01T00:00:00+00:00".into()),
            days_until_expiry: Some(-334),
        },
    );
    for number in 0..users {
        let name = format!("user-{number:05}");
        let key_age = random.random_range(1..400);
        let last_used = random.random_range(0..120);
        let keys = random.random_range(0..3);
        let access_keys: Vec<AccessKey> = (1..=keys)
            .map(|number| AccessKey {
                number,
                active: true,
                age_days: Some(key_age),
                last_used_days: (number == 1).then_some(last_used),
            })
            .collect();
        let direct = random.random_bool(0.2);
        let properties = IamUserProperties {
            user_name: name.clone(),
            arn: arn("user", &name),
            path: "/".into(),
            age_days: Some(key_age + 10),
            password_enabled: random.random_bool(0.6),
            password_last_used_days: Some(random.random_range(0..90)),
            mfa_active: random.random_bool(0.7),
            active_access_key_count: keys,
            oldest_active_key_age_days: (keys > 0).then_some(key_age),
            longest_unused_credential_days: Some(if keys > 1 { key_age } else { last_used }),
            access_keys,
            groups: vec!["admins".into()],
            attached_policy_arns: if direct {
                vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()]
            } else {
                Vec::new()
            },
            inline_policy_names: if random.random_bool(0.1) {
                vec!["inline".into()]
            } else {
                Vec::new()
            },
            ..Default::default()
        };
        let user = builder.node(NodeType::IamUser, &name, &name, &[], &properties);
        builder.edge(EdgeKind::MemberOf, &user, &admins);
    }
    builder.region = regional;
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn is_deterministic_for_a_seed_and_varies_with_it() {
        assert_eq!(generate_estate(300, 7), generate_estate(300, 7));
        assert_ne!(generate_estate(300, 7), generate_estate(300, 8));
    }

    #[test]
    fn scales_with_instances_and_keeps_edges_consistent() {
        let small = generate_estate(100, 1);
        let large = generate_estate(1200, 1);
        let count = |inventory: &Inventory, node_type: NodeType| {
            inventory
                .nodes
                .iter()
                .filter(|node| node.node_type == node_type)
                .count()
        };
        assert_eq!(count(&small, NodeType::Instance), 100);
        assert_eq!(count(&large, NodeType::Instance), 1200);
        assert_eq!(count(&large, NodeType::NetworkInterface), 1200);
        assert_eq!(count(&small, NodeType::Vpc), 1);
        assert_eq!(count(&large, NodeType::Vpc), 3);
        let ids: HashSet<_> = large.nodes.iter().map(|node| node.id.clone()).collect();
        assert_eq!(ids.len(), large.nodes.len(), "node ids must be unique");
        assert!(
            large
                .edges
                .iter()
                .all(|edge| ids.contains(&edge.src) && ids.contains(&edge.dst)),
            "every edge end must exist"
        );
        let edge_ids: HashSet<_> = large.edges.iter().map(|edge| edge.id.clone()).collect();
        assert_eq!(edge_ids.len(), large.edges.len(), "edge ids must be unique");
    }
}
