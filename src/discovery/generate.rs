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

/// A deterministic estate of `instances` instances for `seed`, with one load balancer per
/// `INSTANCES_PER_LOAD_BALANCER` instances.
pub fn generate_estate(instances: usize, seed: u64) -> Inventory {
    generate_estate_with_load_balancers(instances, instances / INSTANCES_PER_LOAD_BALANCER, seed)
}

/// A deterministic estate of `instances` instances and `load_balancers` load balancers (70%
/// internet-facing application load balancers, 20% internal ones, 10% internet-facing network
/// load balancers) for `seed`. The load balancers draw from their own random stream, so the rest
/// of the estate is the same whatever their count.
pub fn generate_estate_with_load_balancers(
    instances: usize,
    load_balancers: usize,
    seed: u64,
) -> Inventory {
    let mut random = StdRng::seed_from_u64(seed);
    let mut builder = EstateBuilder::new(ACCOUNT, REGION);
    add_region_settings(&mut builder, random.random_bool(0.5));
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
    let mut app_instances: Vec<Vec<String>> = vec![Vec::new(); vpcs.len()];
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
        if (3..=6).contains(&role) {
            app_instances[number / INSTANCES_PER_VPC].push(spec.raw_id.clone());
        }
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
    let mut random = StdRng::seed_from_u64(seed ^ 0x10ad_ba1a_0ce5);
    for number in 0..load_balancers {
        let vpc_index = number % vpcs.len();
        let candidates = &app_instances[vpc_index];
        if number % 10 == 9 {
            add_classic_load_balancer(
                &mut builder,
                &vpcs[vpc_index],
                &format!("classic-{number}"),
                &targets_of(&mut random, candidates),
                random.random_bool(0.5),
            );
            continue;
        }
        let kind = match random.random_range(0..10) {
            0..=6 => GeneratedLoadBalancer::PublicApplication,
            7..=8 => GeneratedLoadBalancer::InternalApplication,
            _ => GeneratedLoadBalancer::PublicNetwork,
        };
        let targets = targets_of(&mut random, candidates);
        add_load_balancer(
            &mut builder,
            &vpcs[vpc_index],
            &format!("lb-{number}"),
            kind,
            &targets,
            random.random_bool(0.6),
            random.random_bool(0.5),
        );
    }
    builder.finish()
}

/// Two to four of `candidates` (repeats allowed; callers deduplicate).
fn targets_of(random: &mut StdRng, candidates: &[String]) -> Vec<String> {
    if candidates.is_empty() {
        return Vec::new();
    }
    (0..random.random_range(2..=4))
        .map(|_| candidates[random.random_range(0..candidates.len())].clone())
        .collect()
}

/// Adds an internet-facing classic load balancer in the public subnets with the web group,
/// HTTP 80 → 8080 on `instances`.
pub fn add_classic_load_balancer(
    builder: &mut EstateBuilder,
    vpc: &VpcParts,
    name: &str,
    instances: &[String],
    cross_zone: bool,
) -> NodeId {
    let mut instance_ids = instances.to_vec();
    instance_ids.sort();
    instance_ids.dedup();
    let load_balancer = builder.node(
        NodeType::ClassicLoadBalancer,
        name,
        name,
        &[],
        &ClassicLoadBalancerProperties {
            name: name.to_string(),
            dns_name: Some(format!("{name}.{}.elb.amazonaws.com", builder.region)),
            scheme: INTERNET_FACING.into(),
            vpc_id: Some(vpc.vpc_id.clone()),
            subnet_ids: vpc.public_subnets.clone(),
            security_group_ids: vec![vpc.web_group.clone()],
            listeners: vec![ClassicListener {
                protocol: "HTTP".into(),
                load_balancer_port: 80,
                instance_protocol: Some("HTTP".into()),
                instance_port: Some(8080),
                ssl_certificate_id: None,
            }],
            instance_ids: instance_ids.clone(),
            cross_zone_load_balancing: cross_zone,
            access_logs_enabled: false,
            connection_draining: cross_zone,
        },
    );
    for instance in &instance_ids {
        let instance = builder.id(NodeType::Instance, instance);
        builder.edge(EdgeKind::RoutesTo, &load_balancer, &instance);
    }
    for subnet in &vpc.public_subnets {
        let subnet = builder.id(NodeType::Subnet, subnet);
        builder.edge(EdgeKind::InSubnet, &load_balancer, &subnet);
    }
    let group = builder.id(NodeType::SecurityGroup, &vpc.web_group);
    builder.edge(EdgeKind::MemberOf, &load_balancer, &group);
    load_balancer
}

/// One load balancer per this many instances by default (5,000 in a 100k-instance estate).
pub const INSTANCES_PER_LOAD_BALANCER: usize = 20;

/// The shapes of generated load balancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratedLoadBalancer {
    /// In the public subnets with the web group; HTTPS 443 and HTTP 80 (redirecting or not) to
    /// 8080 on app instances, whose group admits the web group: the targets are exposed.
    PublicApplication,
    /// The same shape, internal: nothing reaches it from the internet.
    InternalApplication,
    /// In the public subnets without groups, TCP 443 to 8080 with client IP preservation: the
    /// app group admits only the web group, so the targets are not exposed.
    PublicNetwork,
}

/// Adds a load balancer in `vpc` with one listener (two for application load balancers), a
/// target group on 8080 holding `targets` (instance ids), and their edges.
pub fn add_load_balancer(
    builder: &mut EstateBuilder,
    vpc: &VpcParts,
    name: &str,
    kind: GeneratedLoadBalancer,
    targets: &[String],
    redirects_http: bool,
    access_logs: bool,
) -> NodeId {
    let arn_prefix = format!(
        "arn:aws:elasticloadbalancing:{}:{}",
        builder.region, builder.account
    );
    let (type_path, load_balancer_type) = match kind {
        GeneratedLoadBalancer::PublicNetwork => ("net", "network"),
        _ => ("app", "application"),
    };
    let load_balancer_arn = format!(
        "{arn_prefix}:loadbalancer/{type_path}/{name}/{}",
        vpc.vpc_id
    );
    let group_arn = format!("{arn_prefix}:targetgroup/{name}/{}", vpc.vpc_id);
    let internet_facing = kind != GeneratedLoadBalancer::InternalApplication;
    let subnets = if internet_facing {
        vpc.public_subnets.clone()
    } else {
        vpc.private_subnets.clone()
    };
    let groups = if kind == GeneratedLoadBalancer::PublicNetwork {
        Vec::new()
    } else {
        vec![vpc.web_group.clone()]
    };
    let mut listeners = vec![ListenerProperties {
        listener_arn: format!(
            "{arn_prefix}:listener/{type_path}/{name}/{}/443",
            vpc.vpc_id
        ),
        load_balancer_arn: load_balancer_arn.clone(),
        port: Some(443),
        protocol: if kind == GeneratedLoadBalancer::PublicNetwork {
            "TLS"
        } else {
            "HTTPS"
        }
        .into(),
        ssl_policy: Some("ELBSecurityPolicy-TLS13-1-2-2021-06".into()),
        certificate_arns: vec![format!(
            "arn:aws:acm:{}:{}:certificate/{name}",
            builder.region, builder.account
        )],
        default_actions: vec![ListenerAction {
            action_type: "forward".into(),
            target_group_arns: vec![group_arn.clone()],
            ..Default::default()
        }],
    }];
    if kind != GeneratedLoadBalancer::PublicNetwork {
        listeners.push(ListenerProperties {
            listener_arn: format!("{arn_prefix}:listener/{type_path}/{name}/{}/80", vpc.vpc_id),
            load_balancer_arn: load_balancer_arn.clone(),
            port: Some(80),
            protocol: "HTTP".into(),
            default_actions: vec![if redirects_http {
                ListenerAction {
                    action_type: "redirect".into(),
                    redirect_protocol: Some("HTTPS".into()),
                    redirect_port: Some("443".into()),
                    ..Default::default()
                }
            } else {
                ListenerAction {
                    action_type: "forward".into(),
                    target_group_arns: vec![group_arn.clone()],
                    ..Default::default()
                }
            }],
            ..Default::default()
        });
    }
    let load_balancer = builder.node(
        NodeType::LoadBalancerV2,
        &load_balancer_arn,
        name,
        &[],
        &LoadBalancerV2Properties {
            load_balancer_arn: load_balancer_arn.clone(),
            name: name.to_string(),
            dns_name: Some(format!("{name}.{}.elb.amazonaws.com", builder.region)),
            scheme: if internet_facing {
                INTERNET_FACING
            } else {
                "internal"
            }
            .into(),
            load_balancer_type: load_balancer_type.into(),
            state: Some("active".into()),
            vpc_id: Some(vpc.vpc_id.clone()),
            subnet_ids: subnets.clone(),
            security_group_ids: groups.clone(),
            ip_address_type: Some("ipv4".into()),
            access_logs_enabled: access_logs,
            deletion_protection_enabled: access_logs,
            drop_invalid_header_fields: kind != GeneratedLoadBalancer::PublicNetwork,
            listeners: listeners.iter().map(ListenerProperties::summary).collect(),
        },
    );
    let mut unique_targets: Vec<&String> = targets.iter().collect();
    unique_targets.sort();
    unique_targets.dedup();
    let target_group = builder.node(
        NodeType::TargetGroup,
        &group_arn,
        name,
        &[],
        &TargetGroupProperties {
            target_group_arn: group_arn.clone(),
            name: name.to_string(),
            protocol: Some(
                if kind == GeneratedLoadBalancer::PublicNetwork {
                    "TCP"
                } else {
                    "HTTP"
                }
                .into(),
            ),
            port: Some(8080),
            target_type: "instance".into(),
            vpc_id: Some(vpc.vpc_id.clone()),
            load_balancer_arns: vec![load_balancer_arn.clone()],
            preserve_client_ip: None,
            targets: unique_targets
                .iter()
                .map(|target| RegisteredTarget {
                    id: target.to_string(),
                    port: Some(8080),
                    availability_zone: None,
                    health_state: Some("healthy".into()),
                })
                .collect(),
        },
    );
    for listener in &listeners {
        let listener_node = builder.node(
            NodeType::Listener,
            &listener.listener_arn,
            &format!(
                "{} {}",
                listener.protocol,
                listener.port.unwrap_or_default()
            ),
            &[],
            listener,
        );
        builder.edge(EdgeKind::Contains, &load_balancer, &listener_node);
        if listener.forwarded_target_groups().next().is_some() {
            builder.edge(EdgeKind::RoutesTo, &listener_node, &target_group);
        }
    }
    for target in unique_targets {
        let instance = builder.id(NodeType::Instance, target);
        builder.edge(EdgeKind::RoutesTo, &target_group, &instance);
    }
    for subnet in &subnets {
        let subnet = builder.id(NodeType::Subnet, subnet);
        builder.edge(EdgeKind::InSubnet, &load_balancer, &subnet);
    }
    for group in &groups {
        let group = builder.id(NodeType::SecurityGroup, group);
        builder.edge(EdgeKind::MemberOf, &load_balancer, &group);
    }
    load_balancer
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

    #[test]
    fn load_balancers_are_a_parameter_and_point_at_generated_instances() {
        let count = |inventory: &Inventory, node_type: NodeType| {
            inventory
                .nodes
                .iter()
                .filter(|node| node.node_type == node_type)
                .count()
        };
        let without = generate_estate_with_load_balancers(1000, 0, 3);
        let with = generate_estate_with_load_balancers(1000, 40, 3);
        assert_eq!(count(&without, NodeType::LoadBalancerV2), 0);
        // Every tenth is a classic load balancer.
        assert_eq!(count(&with, NodeType::LoadBalancerV2), 36);
        assert_eq!(count(&with, NodeType::ClassicLoadBalancer), 4);
        assert_eq!(count(&with, NodeType::TargetGroup), 36);
        assert_eq!(count(&with, NodeType::Instance), 1000);
        // The rest of the estate does not depend on the load balancers.
        let others = |inventory: &Inventory| {
            inventory
                .nodes
                .iter()
                .filter(|node| {
                    !matches!(
                        node.node_type,
                        NodeType::LoadBalancerV2
                            | NodeType::Listener
                            | NodeType::TargetGroup
                            | NodeType::ClassicLoadBalancer
                    )
                })
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(others(&without), others(&with));
        assert_eq!(
            count(&generate_estate(2000, 3), NodeType::LoadBalancerV2),
            90
        );
        let ids: HashSet<_> = with.nodes.iter().map(|node| node.id.clone()).collect();
        let routed: Vec<_> = with
            .edges
            .iter()
            .filter(|edge| {
                edge.kind == EdgeKind::RoutesTo && edge.dst.node_type() == NodeType::Instance
            })
            .collect();
        assert!(routed.len() >= 36);
        assert!(routed.iter().all(|edge| ids.contains(&edge.dst)));
    }
}
