//! Managed endpoints of the synthetic estate: RDS DB instances (with some snapshots and Aurora
//! clusters), Lambda functions and EKS clusters, placed in the generated VPCs. The counts are a
//! parameter (`ManagedCounts`); the default ratio (one database per 20 instances) gives the
//! 100k-instance bench estate its 5,000 databases. Drawn from their own random stream, so adding
//! them leaves the rest of an estate unchanged for a seed.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::super::build::EstateBuilder;
use super::{VpcParts, rule};
use crate::model::properties::*;
use crate::model::{EdgeKind, NodeId, NodeType};

/// How many managed resources an estate gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagedCounts {
    pub databases: usize,
    pub functions: usize,
    pub eks_clusters: usize,
}

impl ManagedCounts {
    /// The default mix for `instances` instances: a database per 20, a function per 50, an EKS
    /// cluster per 2,000 (at least one of each when there are instances at all).
    pub fn for_instances(instances: usize) -> Self {
        let at_least_one = |count: usize| if instances == 0 { 0 } else { count.max(1) };
        ManagedCounts {
            databases: at_least_one(instances / 20),
            functions: at_least_one(instances / 50),
            eks_clusters: at_least_one(instances / 2_000),
        }
    }
}

/// What makes one database different from another.
#[derive(Debug, Clone)]
pub struct DatabaseSpec {
    pub identifier: String,
    /// In the VPC's public subnets (and publicly accessible) or its private ones.
    pub public: bool,
    pub publicly_accessible: bool,
    pub groups: Vec<String>,
    pub engine: &'static str,
    pub port: i32,
    pub encrypted: bool,
    pub backup_retention_period: i32,
    pub multi_az: bool,
    pub deletion_protection: bool,
}

/// Adds a DB instance in `vpc` (subnet group: its two public or two private subnets; placed in
/// the first) with its subnet and group edges.
pub fn add_database(builder: &mut EstateBuilder, vpc: &VpcParts, spec: &DatabaseSpec) -> NodeId {
    let subnets = if spec.public {
        &vpc.public_subnets
    } else {
        &vpc.private_subnets
    };
    let region = builder.region.clone();
    let node = builder.node(
        NodeType::RdsDbInstance,
        &spec.identifier,
        "",
        &[],
        &RdsDbInstanceProperties {
            db_instance_identifier: spec.identifier.clone(),
            arn: Some(format!(
                "arn:aws:rds:{region}:{}:db:{}",
                builder.account, spec.identifier
            )),
            engine: Some(spec.engine.into()),
            engine_version: Some("16.3".into()),
            instance_class: Some("db.t3.medium".into()),
            status: Some("available".into()),
            publicly_accessible: spec.publicly_accessible,
            endpoint_address: Some(format!(
                "{}.c0ffee.{region}.rds.amazonaws.com",
                spec.identifier
            )),
            endpoint_port: Some(spec.port),
            vpc_id: Some(vpc.vpc_id.clone()),
            db_subnet_group_name: Some(format!("{}-db", vpc.vpc_id)),
            subnet_ids: subnets.clone(),
            availability_zone: Some(format!("{region}a")),
            placement_subnet_id: subnets.first().cloned(),
            security_group_ids: spec.groups.clone(),
            storage_encrypted: spec.encrypted,
            kms_key_id: spec.encrypted.then(|| "alias/aws/rds".to_string()),
            backup_retention_period: spec.backup_retention_period,
            auto_minor_version_upgrade: true,
            iam_database_authentication_enabled: false,
            deletion_protection: spec.deletion_protection,
            multi_az: spec.multi_az,
            ..Default::default()
        },
    );
    for subnet in subnets {
        let subnet = builder.id(NodeType::Subnet, subnet);
        builder.edge(EdgeKind::InSubnet, &node, &subnet);
    }
    for group in &spec.groups {
        let group = builder.id(NodeType::SecurityGroup, group);
        builder.edge(EdgeKind::MemberOf, &node, &group);
    }
    node
}

/// Adds a Lambda function, in `vpc`'s private subnets when given.
pub fn add_function(
    builder: &mut EstateBuilder,
    name: &str,
    vpc: Option<&VpcParts>,
    runtime: &str,
    url_auth_type: Option<&str>,
    policy_allows_public: bool,
) -> NodeId {
    let region = builder.region.clone();
    let deprecation = crate::discovery::aws::lambda::runtimes::deprecation_date(runtime);
    let node = builder.node(
        NodeType::LambdaFunction,
        name,
        "",
        &[],
        &LambdaFunctionProperties {
            function_name: name.into(),
            arn: Some(format!(
                "arn:aws:lambda:{region}:{}:function:{name}",
                builder.account
            )),
            runtime: Some(runtime.into()),
            // The generated estate is judged as of its generation day, like a discovery.
            runtime_deprecated: crate::discovery::aws::lambda::runtimes::is_deprecated_on(
                runtime,
                chrono::Utc::now().date_naive(),
            ),
            runtime_deprecation_date: deprecation.map(|date| date.to_string()),
            package_type: Some("Zip".into()),
            vpc_id: vpc.map(|vpc| vpc.vpc_id.clone()),
            subnet_ids: vpc
                .map(|vpc| vpc.private_subnets.clone())
                .unwrap_or_default(),
            security_group_ids: vpc
                .map(|vpc| vec![vpc.app_group.clone()])
                .unwrap_or_default(),
            function_url: url_auth_type
                .map(|_| format!("https://{name}.lambda-url.{region}.on.aws/")),
            function_url_auth_type: url_auth_type.map(str::to_string),
            function_url_known: true,
            policy_allows_public: Some(policy_allows_public),
            public_policy_statements: if policy_allows_public {
                vec!["public-invoke".into()]
            } else {
                Vec::new()
            },
        },
    );
    if let Some(vpc) = vpc {
        for subnet in &vpc.private_subnets {
            let subnet = builder.id(NodeType::Subnet, subnet);
            builder.edge(EdgeKind::InSubnet, &node, &subnet);
        }
        let group = builder.id(NodeType::SecurityGroup, &vpc.app_group);
        builder.edge(EdgeKind::MemberOf, &node, &group);
    }
    node
}

/// Adds an EKS cluster in `vpc`'s private subnets.
pub fn add_eks_cluster(
    builder: &mut EstateBuilder,
    name: &str,
    vpc: &VpcParts,
    public_access_cidrs: &[&str],
    logging: &[&str],
) -> NodeId {
    let region = builder.region.clone();
    let node = builder.node(
        NodeType::EksCluster,
        name,
        "",
        &[],
        &EksClusterProperties {
            name: name.into(),
            arn: Some(format!(
                "arn:aws:eks:{region}:{}:cluster/{name}",
                builder.account
            )),
            version: Some("1.30".into()),
            status: Some("ACTIVE".into()),
            endpoint: Some(format!("https://{name}.gr7.{region}.eks.amazonaws.com")),
            endpoint_public_access: !public_access_cidrs.is_empty(),
            endpoint_private_access: true,
            public_access_cidrs: public_access_cidrs.iter().map(|c| c.to_string()).collect(),
            vpc_id: Some(vpc.vpc_id.clone()),
            subnet_ids: vpc.private_subnets.clone(),
            security_group_ids: vec![vpc.app_group.clone()],
            cluster_security_group_id: Some(vpc.app_group.clone()),
            logging_enabled_types: logging.iter().map(|l| l.to_string()).collect(),
        },
    );
    for subnet in &vpc.private_subnets {
        let subnet = builder.id(NodeType::Subnet, subnet);
        builder.edge(EdgeKind::InSubnet, &node, &subnet);
    }
    let group = builder.id(NodeType::SecurityGroup, &vpc.app_group);
    builder.edge(EdgeKind::MemberOf, &node, &group);
    node
}

/// A security group in `vpc` opening `port` to the whole internet (what a public database gets).
pub fn add_open_database_group(builder: &mut EstateBuilder, vpc: &VpcParts, port: i32) -> String {
    let raw = format!("sg-{}-dbpublic", vpc.vpc_id);
    let node = builder.node(
        NodeType::SecurityGroup,
        &raw,
        &format!("{}-db-public", vpc.vpc_id),
        &[],
        &SecurityGroupProperties {
            group_id: raw.clone(),
            group_name: format!("{}-db-public", vpc.vpc_id),
            vpc_id: Some(vpc.vpc_id.clone()),
            ingress: vec![rule("tcp", Some((port, port)), &["0.0.0.0/0"], &[])],
            egress: super::allow_all_egress(),
            ..Default::default()
        },
    );
    let vpc_node = builder.id(NodeType::Vpc, &vpc.vpc_id);
    builder.edge(EdgeKind::Contains, &vpc_node, &node);
    raw
}

/// Adds `counts` managed resources spread over `vpcs` (none when there are no VPCs).
pub fn add_managed_endpoints(
    builder: &mut EstateBuilder,
    vpcs: &[VpcParts],
    counts: &ManagedCounts,
    seed: u64,
) {
    if vpcs.is_empty() {
        return;
    }
    let mut random = StdRng::seed_from_u64(seed ^ 0x6d61_6e61_6765_6421);
    let open_groups: Vec<String> = vpcs
        .iter()
        .map(|vpc| add_open_database_group(builder, vpc, 5432))
        .collect();
    for number in 0..counts.databases {
        let index = number % vpcs.len();
        let vpc = &vpcs[index];
        // One in 25 sits in a public subnet, publicly accessible; half of those with an open group.
        let public = random.random_bool(0.04);
        let open = public && random.random_bool(0.5);
        let groups = if open {
            vec![open_groups[index].clone()]
        } else {
            vec![vpc.db_group.clone()]
        };
        let (engine, port) = if random.random_bool(0.6) {
            ("postgres", 5432)
        } else {
            ("mysql", 3306)
        };
        let spec = DatabaseSpec {
            identifier: format!("db-{number:06}"),
            public,
            publicly_accessible: public || random.random_bool(0.02),
            groups,
            engine,
            port: if open { 5432 } else { port },
            encrypted: random.random_bool(0.85),
            backup_retention_period: if random.random_bool(0.8) { 7 } else { 1 },
            multi_az: random.random_bool(0.5),
            deletion_protection: random.random_bool(0.6),
        };
        let database = add_database(builder, vpc, &spec);
        if random.random_bool(0.1) {
            let raw = format!("snap-db-{number:06}");
            let snapshot = builder.node(
                NodeType::RdsDbSnapshot,
                &raw,
                "",
                &[],
                &RdsDbSnapshotProperties {
                    snapshot_identifier: raw.clone(),
                    source_identifier: Some(spec.identifier.clone()),
                    snapshot_type: Some("manual".into()),
                    encrypted: spec.encrypted,
                    public: Some(random.random_bool(0.05)),
                    ..Default::default()
                },
            );
            builder.edge(EdgeKind::SnapshotOf, &snapshot, &database);
        }
        if number % 100 == 0 {
            let raw = format!("aurora-{number:06}");
            let cluster = builder.node(
                NodeType::RdsDbCluster,
                &raw,
                "",
                &[],
                &RdsDbClusterProperties {
                    db_cluster_identifier: raw.clone(),
                    engine: Some("aurora-postgresql".into()),
                    member_instance_ids: vec![spec.identifier.clone()],
                    endpoint_port: Some(5432),
                    subnet_ids: vpc.private_subnets.clone(),
                    security_group_ids: vec![vpc.db_group.clone()],
                    storage_encrypted: random.random_bool(0.8),
                    backup_retention_period: 7,
                    deletion_protection: random.random_bool(0.5),
                    ..Default::default()
                },
            );
            builder.edge(EdgeKind::Contains, &cluster, &database);
        }
    }
    let runtimes = [
        "python3.12",
        "nodejs20.x",
        "python3.8",
        "java21",
        "nodejs16.x",
    ];
    for number in 0..counts.functions {
        let vpc = &vpcs[number % vpcs.len()];
        let in_vpc = random.random_bool(0.6);
        let url = match random.random_range(0..10) {
            0 => Some("NONE"),
            1 | 2 => Some("AWS_IAM"),
            _ => None,
        };
        add_function(
            builder,
            &format!("fn-{number:06}"),
            in_vpc.then_some(vpc),
            runtimes[random.random_range(0..runtimes.len())],
            url,
            random.random_bool(0.03),
        );
    }
    for number in 0..counts.eks_clusters {
        let vpc = &vpcs[number % vpcs.len()];
        let cidrs: &[&str] = match random.random_range(0..3) {
            0 => &["0.0.0.0/0"],
            1 => &["203.0.113.0/24"],
            _ => &[],
        };
        let logging: &[&str] = if random.random_bool(0.5) {
            &["api", "audit", "authenticator"]
        } else {
            &["api"]
        };
        add_eks_cluster(builder, &format!("eks-{number:04}"), vpc, cidrs, logging);
    }
}
