//! Property shapes of the managed endpoints: RDS DB instances, clusters and snapshots, Lambda
//! functions, EKS clusters. The contract between their discovery (`discovery/aws/{rds,lambda,
//! eks}`) and the engines (rules, and the tracer's `pathtrace/managed.rs`, which reads the network
//! placement fields: subnets, security groups, public access). Plain data, no behaviour.

use serde::{Deserialize, Serialize};

use super::NodeProperties;

/// `aws.rds.db_instance`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RdsDbInstanceProperties {
    pub db_instance_identifier: String,
    pub arn: Option<String>,
    /// `postgres`, `mysql`, `aurora-postgresql`, …
    pub engine: Option<String>,
    pub engine_version: Option<String>,
    pub instance_class: Option<String>,
    /// `available`, `stopped`, …
    pub status: Option<String>,
    /// The cluster the instance belongs to (Aurora), if any.
    pub db_cluster_identifier: Option<String>,
    /// AWS gives a publicly accessible instance a public address on its endpoint.
    pub publicly_accessible: bool,
    pub endpoint_address: Option<String>,
    pub endpoint_port: Option<i32>,
    pub vpc_id: Option<String>,
    pub db_subnet_group_name: Option<String>,
    /// The subnets of its DB subnet group (where its interface may be placed).
    pub subnet_ids: Vec<String>,
    pub availability_zone: Option<String>,
    /// The subnet of its group in its availability zone, when exactly one is: where its network
    /// interface is. `None` when it cannot be told (the tracer then says so).
    pub placement_subnet_id: Option<String>,
    pub security_group_ids: Vec<String>,
    pub storage_encrypted: bool,
    pub kms_key_id: Option<String>,
    /// Days of automated backups (0 = disabled).
    pub backup_retention_period: i32,
    pub auto_minor_version_upgrade: bool,
    pub iam_database_authentication_enabled: bool,
    pub deletion_protection: bool,
    pub multi_az: bool,
}

impl NodeProperties for RdsDbInstanceProperties {
    fn defaults() -> Self {
        RdsDbInstanceProperties::default()
    }

    fn example() -> Self {
        RdsDbInstanceProperties {
            db_instance_identifier: "orders-db".into(),
            arn: Some("arn:aws:rds:us-east-1:123456789012:db:orders-db".into()),
            engine: Some("postgres".into()),
            engine_version: Some("16.3".into()),
            instance_class: Some("db.t3.medium".into()),
            status: Some("available".into()),
            db_cluster_identifier: None,
            publicly_accessible: false,
            endpoint_address: Some("orders-db.abc123.us-east-1.rds.amazonaws.com".into()),
            endpoint_port: Some(5432),
            vpc_id: Some("vpc-0a1".into()),
            db_subnet_group_name: Some("private-db".into()),
            subnet_ids: vec!["subnet-0a1".into(), "subnet-0b2".into()],
            availability_zone: Some("us-east-1a".into()),
            placement_subnet_id: Some("subnet-0a1".into()),
            security_group_ids: vec!["sg-0db".into()],
            storage_encrypted: true,
            kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/1234".into()),
            backup_retention_period: 7,
            auto_minor_version_upgrade: true,
            iam_database_authentication_enabled: true,
            deletion_protection: true,
            multi_az: true,
        }
    }
}

/// `aws.rds.db_cluster`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RdsDbClusterProperties {
    pub db_cluster_identifier: String,
    pub arn: Option<String>,
    pub engine: Option<String>,
    pub engine_version: Option<String>,
    pub status: Option<String>,
    /// Identifiers of the DB instances in the cluster.
    pub member_instance_ids: Vec<String>,
    pub publicly_accessible: bool,
    pub endpoint_address: Option<String>,
    pub endpoint_port: Option<i32>,
    pub db_subnet_group_name: Option<String>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub storage_encrypted: bool,
    pub kms_key_id: Option<String>,
    pub backup_retention_period: i32,
    pub auto_minor_version_upgrade: bool,
    pub iam_database_authentication_enabled: bool,
    pub deletion_protection: bool,
    pub multi_az: bool,
}

impl NodeProperties for RdsDbClusterProperties {
    fn defaults() -> Self {
        RdsDbClusterProperties::default()
    }

    fn example() -> Self {
        RdsDbClusterProperties {
            db_cluster_identifier: "orders-cluster".into(),
            arn: Some("arn:aws:rds:us-east-1:123456789012:cluster:orders-cluster".into()),
            engine: Some("aurora-postgresql".into()),
            engine_version: Some("16.2".into()),
            status: Some("available".into()),
            member_instance_ids: vec!["orders-cluster-1".into()],
            endpoint_address: Some(
                "orders-cluster.cluster-abc123.us-east-1.rds.amazonaws.com".into(),
            ),
            endpoint_port: Some(5432),
            db_subnet_group_name: Some("private-db".into()),
            subnet_ids: vec!["subnet-0a1".into()],
            security_group_ids: vec!["sg-0db".into()],
            storage_encrypted: true,
            backup_retention_period: 7,
            auto_minor_version_upgrade: true,
            iam_database_authentication_enabled: true,
            deletion_protection: true,
            multi_az: true,
            ..Default::default()
        }
    }
}

/// `aws.rds.db_snapshot`: a DB snapshot or a DB cluster snapshot (`cluster_snapshot`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RdsDbSnapshotProperties {
    pub snapshot_identifier: String,
    pub arn: Option<String>,
    /// Whether this is a DB cluster snapshot rather than a DB instance snapshot.
    pub cluster_snapshot: bool,
    /// The DB instance or cluster it was taken from.
    pub source_identifier: Option<String>,
    /// `manual`, `automated`, …
    pub snapshot_type: Option<String>,
    pub encrypted: bool,
    /// The `restore` attribute lists `all`: any AWS account can restore it. `None` when the
    /// attribute could not be read (unknown, not private).
    pub public: Option<bool>,
    /// Accounts (other than `all`) the snapshot is shared with.
    pub shared_with_account_ids: Vec<String>,
}

impl NodeProperties for RdsDbSnapshotProperties {
    fn defaults() -> Self {
        RdsDbSnapshotProperties {
            public: Some(false),
            ..Default::default()
        }
    }

    fn example() -> Self {
        RdsDbSnapshotProperties {
            snapshot_identifier: "orders-db-2026-11-30".into(),
            source_identifier: Some("orders-db".into()),
            snapshot_type: Some("manual".into()),
            encrypted: true,
            public: Some(false),
            ..Default::default()
        }
    }
}

/// `aws.lambda.function`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LambdaFunctionProperties {
    pub function_name: String,
    pub arn: Option<String>,
    /// `python3.12`, `nodejs20.x`, …; none for container images.
    pub runtime: Option<String>,
    /// The runtime's deprecation date had passed when the function was discovered
    /// (`discovery::aws::lambda::runtimes`).
    pub runtime_deprecated: bool,
    /// When AWS deprecates (or deprecated) the runtime, `YYYY-MM-DD`, when it has a date.
    pub runtime_deprecation_date: Option<String>,
    /// `Zip` or `Image`.
    pub package_type: Option<String>,
    pub vpc_id: Option<String>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub function_url: Option<String>,
    /// `NONE` (anyone may invoke the URL) or `AWS_IAM`.
    pub function_url_auth_type: Option<String>,
    /// False when the URL configuration could not be read (then `function_url` is unknown).
    pub function_url_known: bool,
    /// Its resource policy has a statement allowing principal `*` without a condition. `None`
    /// when the policy could not be read.
    pub policy_allows_public: Option<bool>,
    /// The `Sid`s (or indexes) of those statements.
    pub public_policy_statements: Vec<String>,
}

impl NodeProperties for LambdaFunctionProperties {
    fn defaults() -> Self {
        LambdaFunctionProperties {
            function_url_known: true,
            policy_allows_public: Some(false),
            ..Default::default()
        }
    }

    fn example() -> Self {
        LambdaFunctionProperties {
            function_name: "resize-images".into(),
            arn: Some("arn:aws:lambda:us-east-1:123456789012:function:resize-images".into()),
            runtime: Some("python3.12".into()),
            package_type: Some("Zip".into()),
            vpc_id: Some("vpc-0a1".into()),
            subnet_ids: vec!["subnet-0a1".into()],
            security_group_ids: vec!["sg-0fn".into()],
            function_url: Some("https://abc123.lambda-url.us-east-1.on.aws/".into()),
            function_url_auth_type: Some("AWS_IAM".into()),
            function_url_known: true,
            policy_allows_public: Some(false),
            ..Default::default()
        }
    }
}

/// `aws.eks.cluster`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EksClusterProperties {
    pub name: String,
    pub arn: Option<String>,
    /// Kubernetes version (`1.30`).
    pub version: Option<String>,
    pub status: Option<String>,
    /// The API server endpoint URL.
    pub endpoint: Option<String>,
    pub endpoint_public_access: bool,
    pub endpoint_private_access: bool,
    /// Who may reach the public endpoint (AWS's default is `0.0.0.0/0`).
    pub public_access_cidrs: Vec<String>,
    pub vpc_id: Option<String>,
    pub subnet_ids: Vec<String>,
    /// The additional security groups and the cluster security group EKS created.
    pub security_group_ids: Vec<String>,
    pub cluster_security_group_id: Option<String>,
    /// Control-plane log types turned on (`api`, `audit`, `authenticator`, …).
    pub logging_enabled_types: Vec<String>,
}

impl NodeProperties for EksClusterProperties {
    fn defaults() -> Self {
        EksClusterProperties::default()
    }

    fn example() -> Self {
        EksClusterProperties {
            name: "platform".into(),
            arn: Some("arn:aws:eks:us-east-1:123456789012:cluster/platform".into()),
            version: Some("1.30".into()),
            status: Some("ACTIVE".into()),
            endpoint: Some("https://ABC123.gr7.us-east-1.eks.amazonaws.com".into()),
            endpoint_public_access: true,
            endpoint_private_access: true,
            public_access_cidrs: vec!["203.0.113.0/24".into()],
            vpc_id: Some("vpc-0a1".into()),
            subnet_ids: vec!["subnet-0a1".into(), "subnet-0b2".into()],
            security_group_ids: vec!["sg-0eks".into()],
            cluster_security_group_id: Some("sg-0eks".into()),
            logging_enabled_types: vec!["api".into(), "audit".into(), "authenticator".into()],
        }
    }
}

// ec2 transit gateway route tables (issue 13: the tracer honours them)

/// One route of a transit gateway route table (static or propagated).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransitGatewayRouteEntry {
    /// IPv4 or IPv6 CIDR.
    pub destination_cidr: Option<String>,
    /// The attachment traffic for the destination goes to (none for a blackhole route).
    pub attachment_id: Option<String>,
    pub resource_id: Option<String>,
    pub resource_type: Option<String>,
    /// `active` or `blackhole`.
    pub state: String,
    /// `static` or `propagated`.
    pub route_type: Option<String>,
}

/// `aws.ec2.transit_gateway_route_table`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransitGatewayRouteTableProperties {
    pub route_table_id: String,
    pub transit_gateway_id: String,
    pub state: Option<String>,
    pub default_association_route_table: bool,
    pub routes: Vec<TransitGatewayRouteEntry>,
}

impl NodeProperties for TransitGatewayRouteTableProperties {
    fn defaults() -> Self {
        TransitGatewayRouteTableProperties::default()
    }

    fn example() -> Self {
        TransitGatewayRouteTableProperties {
            route_table_id: "tgw-rtb-0a1".into(),
            transit_gateway_id: "tgw-0a1".into(),
            state: Some("available".into()),
            default_association_route_table: true,
            routes: vec![TransitGatewayRouteEntry {
                destination_cidr: Some("10.1.0.0/16".into()),
                attachment_id: Some("tgw-attach-0b2".into()),
                resource_id: Some("vpc-0b2".into()),
                resource_type: Some("vpc".into()),
                state: "active".into(),
                route_type: Some("propagated".into()),
            }],
        }
    }

    fn list_item_defaults(field: &str) -> Option<serde_json::Value> {
        (field == "routes").then(|| super::to_json(&TransitGatewayRouteEntry::default()))
    }
}
