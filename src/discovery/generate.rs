//! The synthetic estate generator: a deterministic, realistic AWS estate whose size scales with
//! the number of instances (about one VPC per 500 instances). Benchmarks and demos use it.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::build::EstateBuilder;

// rds, lambda, eks (managed endpoints)
pub mod managed;
use crate::model::properties::*;
use crate::model::{EdgeKind, Inventory, NodeId, NodeType};
pub use managed::ManagedCounts;

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

/// A deterministic estate of `instances` instances for `seed`, with the default mix of managed
/// endpoints (`ManagedCounts::for_instances`) and one load balancer per
/// `INSTANCES_PER_LOAD_BALANCER` instances.
pub fn generate_estate(instances: usize, seed: u64) -> Inventory {
    generate_estate_with(instances, seed, &ManagedCounts::for_instances(instances))
}

/// `generate_estate` with `load_balancers` load balancers (70% internet-facing application load
/// balancers, 20% internal ones, 10% internet-facing network load balancers). The load balancers
/// draw from their own random stream, so the rest of the estate is the same whatever their count.
pub fn generate_estate_with_load_balancers(
    instances: usize,
    load_balancers: usize,
    seed: u64,
) -> Inventory {
    let managed = ManagedCounts::for_instances(instances);
    generate_full_estate(instances, seed, &managed, load_balancers)
}

/// `generate_estate` with the managed endpoints' counts given (databases, functions, clusters).
pub fn generate_estate_with(instances: usize, seed: u64, managed: &ManagedCounts) -> Inventory {
    generate_full_estate(
        instances,
        seed,
        managed,
        instances / INSTANCES_PER_LOAD_BALANCER,
    )
}

/// The estate with every count given.
fn generate_full_estate(
    instances: usize,
    seed: u64,
    managed: &ManagedCounts,
    load_balancers: usize,
) -> Inventory {
    let mut random = StdRng::seed_from_u64(seed);
    let mut builder = EstateBuilder::new(ACCOUNT, REGION);
    add_region_settings(&mut builder, random.random_bool(0.5));
    // Drawn from its own generator so adding monitoring left the rest of the estate unchanged.
    add_monitoring(
        &mut builder,
        &random_monitoring(&mut StdRng::seed_from_u64(seed ^ 0x4c06)),
    );
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
    // Drawn after the instances, so the EC2 part of an estate stays what it was for a seed.
    add_data_estate(&mut builder, instances, &mut random);
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
    managed::add_managed_endpoints(&mut builder, &vpcs, managed, seed);
    builder.finish()
}

/// What one region's monitoring looks like (CloudWatch Logs, alarms, SNS, Security Hub).
#[derive(Debug, Clone)]
pub struct MonitoringSpec {
    /// CIS 4.x controls with a metric filter on the trail's log group, an alarm on its metric and
    /// the subscribed topic as the alarm's action: the region's `monitored_controls`.
    pub alarmed_controls: Vec<&'static str>,
    /// Controls with a metric filter and an alarm whose topic has no confirmed subscriber.
    pub unheard_controls: Vec<&'static str>,
    /// Controls with a metric filter and no alarm.
    pub unalarmed_controls: Vec<&'static str>,
    pub trail_log_group_retention_days: Option<i32>,
    pub security_hub_enabled: bool,
}

/// Adds a region's monitoring: the multi-region trail's log group (`cloudtrail/management`, whose
/// trail another service describes), the CIS metric filters (the benchmark's own patterns), their
/// alarms, a subscribed topic `security-alerts` and an unconfirmed one `ops-alerts`, an
/// application log group without retention or key, and the CIS 4.x summary and Security Hub
/// nodes. The summary states what the spec says is monitored; `cloudwatch::link` derives the same
/// from discovered nodes.
pub fn add_monitoring(builder: &mut EstateBuilder, spec: &MonitoringSpec) {
    use crate::discovery::aws::logs::cis_patterns::{BENCHMARK_PATTERNS, matching_controls};
    let account = builder.account.clone();
    let region = builder.region.clone();
    let trail_group = "cloudtrail/management";
    let trail_group_id = builder.node(
        NodeType::LogGroup,
        trail_group,
        "",
        &[],
        &LogGroupProperties {
            log_group_name: trail_group.into(),
            arn: Some(format!(
                "arn:aws:logs:{region}:{account}:log-group:{trail_group}:*"
            )),
            retention_in_days: spec.trail_log_group_retention_days,
            kms_key_id: Some(format!("arn:aws:kms:{region}:{account}:key/trail-logs")),
            stored_bytes: Some(1 << 30),
            metric_filter_count: (spec.alarmed_controls.len()
                + spec.unheard_controls.len()
                + spec.unalarmed_controls.len()) as i64,
        },
    );
    builder.node(
        NodeType::LogGroup,
        "/app/web",
        "",
        &[],
        &LogGroupProperties {
            log_group_name: "/app/web".into(),
            arn: Some(format!(
                "arn:aws:logs:{region}:{account}:log-group:/app/web:*"
            )),
            ..Default::default()
        },
    );
    let topic = |builder: &mut EstateBuilder, name: &str, confirmed: bool| {
        let arn = format!("arn:aws:sns:{region}:{account}:{name}");
        let id = builder.node(
            NodeType::SnsTopic,
            &arn,
            name,
            &[],
            &SnsTopicProperties {
                topic_arn: arn.clone(),
                topic_name: name.into(),
                kms_master_key_id: confirmed.then(|| "alias/aws/sns".to_string()),
                subscriptions: vec![SnsSubscription {
                    protocol: "email".into(),
                    endpoint: format!("{name}@example.com"),
                    confirmed,
                }],
                confirmed_subscription_count: i64::from(confirmed),
            },
        );
        (arn, id)
    };
    let heard = topic(builder, "security-alerts", true);
    let unheard = topic(builder, "ops-alerts", false);
    // (controls, the topic their alarms notify: ARN and node id; none for no alarm)
    type TopicRef<'a> = Option<&'a (String, NodeId)>;
    let groups: [(&[&str], TopicRef); 3] = [
        (&spec.alarmed_controls, Some(&heard)),
        (&spec.unheard_controls, Some(&unheard)),
        (&spec.unalarmed_controls, None),
    ];
    for (controls, topic) in groups {
        for control in controls {
            let Some((_, pattern)) = BENCHMARK_PATTERNS.iter().find(|(id, _)| id == control) else {
                continue;
            };
            let matched = matching_controls(pattern);
            let metric = format!("cis-{}", control.replace('.', "-"));
            let filter_raw = format!("{trail_group}:{metric}");
            let filter = builder.node(
                NodeType::MetricFilter,
                &filter_raw,
                &metric,
                &[],
                &MetricFilterProperties {
                    filter_name: metric.clone(),
                    log_group_name: trail_group.into(),
                    filter_pattern: pattern.to_string(),
                    metric_transformations: vec![MetricTransformation {
                        metric_namespace: "CISBenchmark".into(),
                        metric_name: metric.clone(),
                    }],
                    cis_controls: matched.iter().map(|cis| cis.control.to_string()).collect(),
                    cis_checks: matched.iter().map(|cis| cis.check.to_string()).collect(),
                },
            );
            builder.edge(EdgeKind::FiltersLogGroup, &filter, &trail_group_id);
            let Some((topic_arn, topic_id)) = topic else {
                continue;
            };
            let alarm = builder.node(
                NodeType::Alarm,
                &metric,
                "",
                &[],
                &AlarmProperties {
                    alarm_name: metric.clone(),
                    arn: Some(format!(
                        "arn:aws:cloudwatch:{region}:{account}:alarm:{metric}"
                    )),
                    metric_namespace: Some("CISBenchmark".into()),
                    metric_name: Some(metric.clone()),
                    state: Some("OK".into()),
                    actions_enabled: true,
                    alarm_actions: vec![topic_arn.clone()],
                    sns_topic_arns: vec![topic_arn.clone()],
                },
            );
            builder.edge(EdgeKind::AlarmsOn, &alarm, &filter);
            builder.edge(EdgeKind::Notifies, &alarm, topic_id);
        }
    }
    builder.node(
        NodeType::Alarm,
        "web-5xx",
        "",
        &[],
        &AlarmProperties {
            alarm_name: "web-5xx".into(),
            metric_namespace: Some("AWS/ApplicationELB".into()),
            metric_name: Some("HTTPCode_Target_5XX_Count".into()),
            state: Some("INSUFFICIENT_DATA".into()),
            actions_enabled: false,
            ..Default::default()
        },
    );
    let mut monitored: Vec<String> = spec
        .alarmed_controls
        .iter()
        .map(|control| control.to_string())
        .collect();
    monitored.sort_by_key(|control| {
        control
            .split('.')
            .map(|part| part.parse::<u32>().unwrap_or(u32::MAX))
            .collect::<Vec<_>>()
    });
    builder.node(
        NodeType::CisMonitoring,
        &account,
        &format!("CIS monitoring {region}"),
        &[],
        &CisMonitoringProperties {
            trail_log_groups: vec![trail_group.into()],
            judged_in_regions: Vec::new(),
            monitored_controls: monitored.clone(),
            controls_alarmed_on_any_log_group: monitored,
        },
    );
    builder.node(
        NodeType::SecurityHub,
        &account,
        &format!("Security Hub {region}"),
        &[],
        &SecurityHubProperties {
            enabled: spec.security_hub_enabled,
            hub_arn: spec
                .security_hub_enabled
                .then(|| format!("arn:aws:securityhub:{region}:{account}:hub/default")),
            subscribed_at: None,
        },
    );
}

/// The generator's monitoring: each CIS 4.x control alarmed with probability 0.6, otherwise
/// filtered without an alarm (0.2), alarmed to nobody (0.1) or missing.
fn random_monitoring(random: &mut StdRng) -> MonitoringSpec {
    use crate::discovery::aws::logs::cis_patterns::BENCHMARK_PATTERNS;
    let mut spec = MonitoringSpec {
        alarmed_controls: Vec::new(),
        unheard_controls: Vec::new(),
        unalarmed_controls: Vec::new(),
        trail_log_group_retention_days: random.random_bool(0.5).then_some(365),
        security_hub_enabled: random.random_bool(0.5),
    };
    for (control, _) in BENCHMARK_PATTERNS {
        let draw: f64 = random.random();
        if draw < 0.6 {
            spec.alarmed_controls.push(control);
        } else if draw < 0.8 {
            spec.unalarmed_controls.push(control);
        } else if draw < 0.9 {
            spec.unheard_controls.push(control);
        }
    }
    spec
}

// s3, cloudtrail, config, accessanalyzer, kms, efs

/// Adds a bucket; `compliant` sets every protection, otherwise each is drawn from `random`.
pub fn add_bucket(
    builder: &mut EstateBuilder,
    name: &str,
    compliant: bool,
    random: &mut StdRng,
) -> NodeId {
    let mut draw = |probability: f64| compliant || random.random_bool(probability);
    let policy_public = !compliant && !draw(0.95);
    let acl_public = !compliant && !draw(0.97);
    let blocked = draw(0.7);
    let properties = S3BucketProperties {
        bucket_name: name.to_string(),
        arn: format!("arn:aws:s3:::{name}"),
        public_access_block: blocked.then_some(PublicAccessBlock {
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: true,
        }),
        account_blocks_all_public_access: Some(false),
        public_access_blocked: blocked,
        policy_present: true,
        policy_public,
        policy_denies_insecure_transport: draw(0.5),
        acl_public_grants: if acl_public {
            vec!["AllUsers:READ".into()]
        } else {
            Vec::new()
        },
        public_via_policy: policy_public && !blocked,
        public_via_acl: acl_public && !blocked,
        public: (policy_public || acl_public) && !blocked,
        default_encryption: Some("AES256".into()),
        default_encryption_enabled: draw(0.9),
        versioning: if draw(0.6) { "Enabled" } else { "" }.into(),
        mfa_delete: draw(0.1),
        logging_enabled: draw(0.4),
        logging_target_bucket: None,
        object_lock_enabled: draw(0.1),
        ..Default::default()
    };
    builder.node(NodeType::S3Bucket, name, name, &[], &properties)
}

/// Adds a trail writing to `bucket`; `compliant` is multi-region, validated and KMS-encrypted.
pub fn add_trail(
    builder: &mut EstateBuilder,
    name: &str,
    bucket: &NodeId,
    compliant: bool,
    key: Option<&str>,
) -> NodeId {
    let region = builder.region.clone();
    let properties = CloudTrailTrailProperties {
        name: name.to_string(),
        arn: format!(
            "arn:aws:cloudtrail:{region}:{}:trail/{name}",
            builder.account
        ),
        home_region: region.clone(),
        is_multi_region: compliant,
        is_logging: Some(true),
        log_file_validation_enabled: compliant,
        kms_key_id: key
            .filter(|_| compliant)
            .map(|key| format!("arn:aws:kms:{region}:{}:key/{key}", builder.account)),
        s3_bucket_name: Some(bucket.resource_id().to_string()),
        s3_bucket_region: Some(region.clone()),
        include_global_service_events: true,
        management_events: "All".into(),
        s3_object_write_events: compliant,
        ..Default::default()
    };
    let trail = builder.node(NodeType::CloudTrailTrail, name, name, &[], &properties);
    builder.edge(EdgeKind::LogsTo, &trail, bucket);
    trail
}

/// Adds a customer-managed key.
pub fn add_kms_key(builder: &mut EstateBuilder, key_id: &str, rotation: bool, public: bool) {
    let properties = KmsKeyProperties {
        key_id: key_id.to_string(),
        arn: format!(
            "arn:aws:kms:{}:{}:key/{key_id}",
            builder.region, builder.account
        ),
        rotation_enabled: Some(rotation),
        policy_public: public,
        ..KmsKeyProperties::defaults()
    };
    builder.node(NodeType::KmsKey, key_id, key_id, &[], &properties);
}

/// Adds an EFS file system.
pub fn add_file_system(builder: &mut EstateBuilder, id: &str, encrypted: bool) {
    let properties = EfsFileSystemProperties {
        file_system_id: id.to_string(),
        encrypted,
        ..EfsFileSystemProperties::defaults()
    };
    builder.node(NodeType::EfsFileSystem, id, id, &[], &properties);
}

/// Adds the region's S3 account, CloudTrail, Config and Access Analyzer settings nodes and a
/// Config recorder when `recording`.
pub fn add_data_logging_settings(
    builder: &mut EstateBuilder,
    trail_arns: Vec<String>,
    multi_region_logging_trails: u32,
    recording: bool,
    analyzer: bool,
) {
    let account = builder.account.clone();
    builder.node(
        NodeType::S3AccountSettings,
        &account,
        "S3 account settings",
        &[],
        &S3AccountSettingsProperties {
            account_id: account.clone(),
            public_access_block: None,
            blocks_all_public_access: false,
        },
    );
    builder.node(
        NodeType::CloudTrailRegionSettings,
        &account,
        "CloudTrail coverage",
        &[],
        &CloudTrailRegionSettingsProperties {
            trail_count: trail_arns.len() as u32,
            multi_region_logging_trail_count: multi_region_logging_trails,
            s3_object_read_events: false,
            s3_object_write_events: multi_region_logging_trails > 0,
            trail_arns,
            ..Default::default()
        },
    );
    if recording {
        builder.node(
            NodeType::ConfigRecorder,
            "default",
            "default",
            &[],
            &ConfigRecorderProperties::example(),
        );
    }
    builder.node(
        NodeType::ConfigRegionSettings,
        &account,
        "AWS Config coverage",
        &[],
        &ConfigRegionSettingsProperties {
            recorder_count: u32::from(recording),
            recording_all_resources_count: u32::from(recording),
            recording,
        },
    );
    builder.node(
        NodeType::AccessAnalyzerRegionSettings,
        &account,
        "IAM Access Analyzer coverage",
        &[],
        &AccessAnalyzerRegionSettingsProperties {
            analyzer_count: u32::from(analyzer),
            active_analyzer_count: u32::from(analyzer),
        },
    );
}

/// The data and logging part of a generated estate: a bucket per 20 instances (at least 4), a
/// key per 100 (at least 2), a file system per 200 (at least 1), a compliant multi-region trail
/// and a careless single-region one, and the region's settings.
fn add_data_estate(builder: &mut EstateBuilder, instances: usize, random: &mut StdRng) {
    let buckets: Vec<NodeId> = (0..(instances / 20).max(4))
        .map(|index| add_bucket(builder, &format!("bucket-{index:05}"), index == 0, random))
        .collect();
    for index in 0..(instances / 100).max(2) {
        let rotation = index == 0 || random.random_bool(0.6);
        let public = index != 0 && random.random_bool(0.05);
        add_kms_key(builder, &format!("key-{index:05}"), rotation, public);
    }
    for index in 0..(instances / 200).max(1) {
        let encrypted = index != 0 && random.random_bool(0.8);
        add_file_system(builder, &format!("fs-{index:08x}"), encrypted);
    }
    let organisation = add_trail(builder, "org-trail", &buckets[0], true, Some("key-00000"));
    let careless = add_trail(builder, "app-trail", &buckets[1], false, None);
    let arns = [organisation, careless]
        .iter()
        .map(|trail| {
            format!(
                "arn:aws:cloudtrail:{}:{}:trail/{}",
                builder.region,
                builder.account,
                trail.resource_id()
            )
        })
        .collect();
    let recording = random.random_bool(0.5);
    add_data_logging_settings(builder, arns, 1, recording, false);
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
