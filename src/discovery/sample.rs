//! The sample estate shipped for demos and tests: one account, one region, two VPCs (prod
//! 10.0.0.0/16 and shared 10.1.0.0/16) joined by a peering, public and private subnets, an IGW and
//! a NAT per VPC, 60 instances, and a dozen deliberate misconfigurations:
//!
//! 1. `prod-web-*` allow SSH from 0.0.0.0/0 and have public IPs (really reachable);
//! 2. `legacy-rdp` allows RDP from 0.0.0.0/0 but sits in a private subnet (not reachable);
//! 3. `shared-db-open` allows PostgreSQL from 0.0.0.0/0;
//! 4. unencrypted EBS volumes on the `batch-*` instances;
//! 5. a public, unencrypted snapshot;
//! 6. IMDSv1 allowed on the `legacy-*` and `batch-*` instances;
//! 7. the default security groups allow traffic (self-reference);
//! 8. the shared VPC has no flow logs;
//! 9. a peering route to 10.0.0.0/8, broader than the peer's 10.1.0.0/16;
//! 10. an unattached elastic IP and an unattached volume;
//! 11. EBS encryption by default is off;
//! 12. the prod NACL allows SSH from 0.0.0.0/0;
//! 13. instances of the shared VPC sit in public subnets auto-assigning public IPs;
//! 14. CIS 4.x: only 4.1, 4.3, 4.4, 4.5 and 4.10 alarm to a subscribed topic; 4.2 alarms to a topic
//!     nobody confirmed, 4.6 has a filter without an alarm, the others have nothing; Security Hub
//!     is off; the `/app/web` log group keeps events forever without a KMS key;
//! 15. `shared-orders-db` is a publicly accessible, unencrypted PostgreSQL in the shared VPC's
//!     public subnets behind `sg-shared-db-open` (really reachable); `prod-billing-db` is private;
//! 16. the Lambda function `prod-webhook` has a function URL with auth type NONE and a deprecated
//!     runtime; `prod-resize` is private (AWS_IAM, in the prod VPC);
//! 17. the EKS cluster `prod-platform` has a public API endpoint open to 0.0.0.0/0 and logs only
//!     `api`;
//! 18. data and logging: `acme-public-assets` is public through its policy and ACL and the
//!     single-region `app-trail` writes to it without log validation or KMS; `acme-audit-logs`
//!     and the multi-region `org-trail` are compliant; the `legacy` KMS key does not rotate; the
//!     `shared-home` EFS is unencrypted; AWS Config records; no Access Analyzer; `org-trail`
//!     sends its events to the `cloudtrail/management` log group whose metric filters, alarms and
//!     topics misconfiguration 14 describes, so the CIS 4.x summary reads one chain;
//! 19. IAM (the account's `global` scope): the root user has MFA but not a hardware device, the
//!     password policy asks for 8 characters, `legacy-admin` signs in without MFA with a
//!     400-day-old key and a policy attached directly, the customer-managed `full-admin` policy
//!     grants `*:*` to the `admins` group; `alice` is compliant; the `web` role (trusted by EC2)
//!     is the instance profile of the `prod-web-*` instances, the others have none.

use serde_json::{Value, json};

use super::build::EstateBuilder;
use super::generate::{
    GeneratedLoadBalancer, InstanceSpec, VpcParts, add_instance, add_load_balancer,
    add_region_settings, add_vpc,
};
use super::generate::{MonitoringSpec, add_monitoring};
use super::generate::{add_data_logging_settings, add_file_system, add_kms_key, add_trail};
use crate::model::properties::*;
use crate::model::{EdgeKind, Inventory, NodeId, NodeType};

pub const ACCOUNT: &str = "111122223333";
pub const REGION: &str = "us-east-1";
/// The log group of the multi-region trail (`generate::add_monitoring` names it).
const TRAIL_LOG_GROUP: &str = "cloudtrail/management";
/// The instance profile of the `prod-web-*` instances (misconfiguration 19).
const WEB_PROFILE_ARN: &str = "arn:aws:iam::111122223333:instance-profile/web";

fn patch_properties(builder: &mut EstateBuilder, id: &NodeId, change: impl FnOnce(&mut Value)) {
    if let Some(node) = builder
        .inventory
        .nodes
        .iter_mut()
        .find(|node| &node.id == id)
    {
        change(&mut node.properties);
    }
}

fn instance(
    vpc: &VpcParts,
    number: u32,
    name: &str,
    public: bool,
    groups: Vec<String>,
    imds_v2: bool,
    encrypted: bool,
) -> InstanceSpec {
    let subnets = if public {
        &vpc.public_subnets
    } else {
        &vpc.private_subnets
    };
    let subnet_index = number % 2;
    let third = subnet_index * 16 + if public { 0 } else { 32 };
    InstanceSpec {
        raw_id: format!(
            "i-{}{number:04}",
            if vpc.cidr_prefix == "10.0" {
                "0a"
            } else {
                "0b"
            }
        ),
        name: name.to_string(),
        subnet: subnets[subnet_index as usize].clone(),
        private_ip: format!("{}.{third}.{}", vpc.cidr_prefix, 10 + number),
        public_ip: public.then(|| {
            format!(
                "54.{}.0.{}",
                if vpc.cidr_prefix == "10.0" { 10 } else { 11 },
                10 + number
            )
        }),
        groups,
        imds_v2,
        volume_encrypted: encrypted,
        tags: vec![(
            "env".into(),
            if vpc.cidr_prefix == "10.0" {
                "prod"
            } else {
                "shared"
            }
            .into(),
        )],
    }
}

/// Misconfiguration 14: buckets, trails, keys, a file system and the region's settings.
fn add_sample_data_and_logging(builder: &mut EstateBuilder) {
    let public = builder.node(
        NodeType::S3Bucket,
        "acme-public-assets",
        "acme-public-assets",
        &[("env", "prod")],
        &S3BucketProperties {
            bucket_name: "acme-public-assets".into(),
            arn: "arn:aws:s3:::acme-public-assets".into(),
            account_blocks_all_public_access: Some(false),
            policy_present: true,
            policy_public: true,
            acl_public_grants: vec!["AllUsers:READ".into()],
            public_via_policy: true,
            public_via_acl: true,
            public: true,
            versioning: "Suspended".into(),
            ..Default::default()
        },
    );
    let audit = builder.node(
        NodeType::S3Bucket,
        "acme-audit-logs",
        "acme-audit-logs",
        &[("env", "prod")],
        &S3BucketProperties {
            bucket_name: "acme-audit-logs".into(),
            arn: "arn:aws:s3:::acme-audit-logs".into(),
            mfa_delete: true,
            object_lock_enabled: true,
            logging_target_bucket: Some("acme-public-assets".into()),
            ..S3BucketProperties::defaults()
        },
    );
    builder.edge(EdgeKind::LogsTo, &audit, &public);
    add_kms_key(builder, "key-audit", true, false);
    add_kms_key(builder, "key-legacy", false, false);
    add_file_system(builder, "fs-0shared", false);
    let organisation = add_trail(builder, "org-trail", &audit, true, Some("key-audit"));
    // The multi-region trail delivers to the log group `add_monitoring` put the CIS filters on:
    // trail → log group ← metric filter ← alarm → topic is one chain (misconfiguration 18).
    let trail_group = format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{TRAIL_LOG_GROUP}:*");
    patch_properties(builder, &organisation, |properties| {
        properties["cloud_watch_logs_log_group_arn"] = json!(trail_group);
    });
    let group = builder.id(NodeType::LogGroup, TRAIL_LOG_GROUP);
    builder.edge(EdgeKind::LogsTo, &organisation, &group);
    let key = builder.id(NodeType::KmsKey, "key-audit");
    builder.edge(EdgeKind::EncryptedWith, &organisation, &key);
    add_trail(builder, "app-trail", &public, false, None);
    let arns = ["org-trail", "app-trail"]
        .iter()
        .map(|name| format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{name}"))
        .collect();
    add_data_logging_settings(builder, arns, 1, true, false);
}

/// Builds the sample estate (deterministic).
pub fn sample_estate() -> Inventory {
    let mut builder = EstateBuilder::new(ACCOUNT, REGION);
    add_region_settings(&mut builder, false);
    // Misconfiguration 14.
    add_monitoring(
        &mut builder,
        &MonitoringSpec {
            alarmed_controls: vec!["4.1", "4.3", "4.4", "4.5", "4.10"],
            unheard_controls: vec!["4.2"],
            unalarmed_controls: vec!["4.6"],
            trail_log_group_retention_days: Some(365),
            security_hub_enabled: false,
        },
    );
    let prod = add_vpc(&mut builder, "prod", "vpc-0prod", 0, 0, true, true);
    let shared = add_vpc(&mut builder, "shared", "vpc-0shared", 1, 0, false, false);

    // Extra groups carrying misconfigurations 2 and 3.
    for (raw, name, vpc, port) in [
        ("sg-legacy-rdp", "legacy-rdp", &prod, 3389),
        ("sg-shared-db-open", "shared-db-open", &shared, 5432),
    ] {
        let node = builder.node(
            NodeType::SecurityGroup,
            raw,
            name,
            &[],
            &SecurityGroupProperties {
                group_id: raw.into(),
                group_name: name.into(),
                vpc_id: Some(vpc.vpc_id.clone()),
                description: Some(format!("{name} (misconfigured)")),
                is_default: false,
                ingress: vec![SecurityGroupRule {
                    protocol: "tcp".into(),
                    from_port: Some(port),
                    to_port: Some(port),
                    ipv4_ranges: vec!["0.0.0.0/0".into()],
                    ..Default::default()
                }],
                egress: vec![SecurityGroupRule {
                    protocol: "-1".into(),
                    ipv4_ranges: vec!["0.0.0.0/0".into()],
                    ..Default::default()
                }],
            },
        );
        let vpc_node = builder.id(NodeType::Vpc, &vpc.vpc_id);
        builder.edge(EdgeKind::Contains, &vpc_node, &node);
    }

    let mut specs = Vec::new();
    for number in 0..8 {
        specs.push((
            &prod,
            instance(
                &prod,
                number,
                &format!("prod-web-{number:02}"),
                true,
                vec![prod.web_group.clone()],
                true,
                true,
            ),
        ));
    }
    for number in 8..24 {
        specs.push((
            &prod,
            instance(
                &prod,
                number,
                &format!("prod-app-{:02}", number - 8),
                false,
                vec![prod.app_group.clone()],
                true,
                true,
            ),
        ));
    }
    for number in 24..30 {
        specs.push((
            &prod,
            instance(
                &prod,
                number,
                &format!("prod-db-{:02}", number - 24),
                false,
                vec![prod.db_group.clone()],
                true,
                true,
            ),
        ));
    }
    specs.push((
        &prod,
        instance(
            &prod,
            30,
            "legacy-rdp-01",
            false,
            vec!["sg-legacy-rdp".into()],
            false,
            true,
        ),
    ));
    specs.push((
        &prod,
        instance(
            &prod,
            31,
            "legacy-bastion",
            true,
            vec![prod.admin_group.clone()],
            false,
            true,
        ),
    ));
    for number in 0..10 {
        specs.push((
            &shared,
            instance(
                &shared,
                number,
                &format!("shared-svc-{number:02}"),
                true,
                vec![shared.web_group.clone()],
                true,
                true,
            ),
        ));
    }
    for number in 10..20 {
        specs.push((
            &shared,
            instance(
                &shared,
                number,
                &format!("batch-{:02}", number - 10),
                false,
                vec![shared.app_group.clone()],
                false,
                false,
            ),
        ));
    }
    for number in 20..26 {
        specs.push((
            &shared,
            instance(
                &shared,
                number,
                &format!("shared-db-{:02}", number - 20),
                false,
                vec![shared.db_group.clone(), "sg-shared-db-open".into()],
                true,
                true,
            ),
        ));
    }
    for number in 26..28 {
        specs.push((
            &shared,
            instance(
                &shared,
                number,
                &format!("shared-cache-{:02}", number - 26),
                false,
                vec![shared.app_group.clone()],
                true,
                true,
            ),
        ));
    }
    let mut volumes = Vec::new();
    for (vpc, spec) in &specs {
        let (_, _, volume) = add_instance(&mut builder, vpc, spec);
        volumes.push(volume);
    }
    // 19: the web instances run with the `web` instance profile (its role is in `add_sample_iam`).
    let profile = NodeId::aws("global", NodeType::IamInstanceProfile, "web");
    for (_, spec) in specs
        .iter()
        .filter(|(_, spec)| spec.name.starts_with("prod-web-"))
    {
        let instance = builder.id(NodeType::Instance, &spec.raw_id);
        patch_properties(&mut builder, &instance, |properties| {
            properties["iam_instance_profile_arn"] = json!(WEB_PROFILE_ARN);
        });
        builder.edge(EdgeKind::AssociatedWith, &instance, &profile);
    }

    // 5: a public, unencrypted snapshot of a batch volume; and a healthy one.
    for (raw, volume, public, encrypted) in [
        ("snap-0public", &volumes[50], true, false),
        ("snap-0private", &volumes[0], false, true),
    ] {
        let snapshot = builder.node(
            NodeType::Snapshot,
            raw,
            "",
            &[],
            &SnapshotProperties {
                snapshot_id: raw.into(),
                volume_id: Some(volume.resource_id().to_string()),
                encrypted,
                public,
                owner_id: Some(ACCOUNT.into()),
                state: Some("completed".into()),
                volume_size_gib: Some(20),
                ..Default::default()
            },
        );
        builder.edge(EdgeKind::SnapshotOf, &snapshot, volume);
    }
    // 10: an unattached elastic IP and an unattached volume.
    builder.node(
        NodeType::ElasticIp,
        "eipalloc-0unattached",
        "spare-ip",
        &[],
        &ElasticIpProperties {
            allocation_id: "eipalloc-0unattached".into(),
            public_ip: Some("54.99.0.1".into()),
            domain: Some("vpc".into()),
            ..Default::default()
        },
    );
    builder.node(
        NodeType::Volume,
        "vol-0orphan",
        "orphaned-data",
        &[],
        &VolumeProperties {
            volume_id: "vol-0orphan".into(),
            encrypted: true,
            size_gib: Some(100),
            volume_type: Some("gp3".into()),
            state: "available".into(),
            ..Default::default()
        },
    );

    // The peering between the VPCs, with routes back both ways; 9: prod routes all of 10/8 to it.
    let peering = builder.node(
        NodeType::VpcPeeringConnection,
        "pcx-0prodshared",
        "prod-shared",
        &[],
        &VpcPeeringConnectionProperties {
            peering_connection_id: "pcx-0prodshared".into(),
            status: "active".into(),
            requester_vpc_id: Some(prod.vpc_id.clone()),
            requester_cidr_blocks: vec!["10.0.0.0/16".into()],
            requester_account: Some(ACCOUNT.into()),
            requester_region: Some(REGION.into()),
            accepter_vpc_id: Some(shared.vpc_id.clone()),
            accepter_cidr_blocks: vec!["10.1.0.0/16".into()],
            accepter_account: Some(ACCOUNT.into()),
            accepter_region: Some(REGION.into()),
        },
    );
    for (vpc, destination) in [(&prod, "10.0.0.0/8"), (&shared, "10.0.0.0/16")] {
        let vpc_node = builder.id(NodeType::Vpc, &vpc.vpc_id);
        builder.edge(EdgeKind::PeersWith, &peering, &vpc_node);
        for table in [&vpc.private_route_table, &vpc.public_route_table] {
            let table_id = builder.id(NodeType::RouteTable, table);
            patch_properties(&mut builder, &table_id, |properties| {
                if let Some(routes) = properties["routes"].as_array_mut() {
                    routes.push(json!({"destination_cidr": destination, "target_type": "vpc_peering_connection", "target_id": "pcx-0prodshared", "state": "active"}));
                }
            });
            builder.edge_with(
                EdgeKind::RoutesTo,
                &table_id,
                &peering,
                json!({"destination": destination}),
            );
        }
    }
    // 12: the prod NACL explicitly allows SSH from anywhere (before its allow-all rule).
    let prod_acl = builder.id(NodeType::NetworkAcl, "acl-vpc-0prod-default");
    patch_properties(&mut builder, &prod_acl, |properties| {
        if let Some(entries) = properties["entries"].as_array_mut() {
            entries.insert(0, json!({"rule_number": 90, "egress": false, "action": "allow", "protocol": "tcp", "cidr_block": "0.0.0.0/0", "port_from": 22, "port_to": 22}));
        }
    });
    // rds, lambda, eks (managed endpoints): misconfigurations 15-17.
    add_sample_managed_endpoints(&mut builder, &prod, &shared);
    // s3, cloudtrail, config, kms, efs: misconfiguration 18.
    add_sample_data_and_logging(&mut builder);
    // iam: misconfiguration 19.
    add_sample_iam(&mut builder);
    // Load balancers: an internet-facing ALB in front of two private app instances (exposed
    // through it on 8080; its HTTP listener does not redirect and it writes no access logs), an
    // internal ALB, and an NLB preserving client addresses whose target admits only the web
    // group (so the NLB answers but its target is not exposed).
    let app = |number: u32| format!("i-0a{number:04}");
    add_load_balancer(
        &mut builder,
        &prod,
        "prod-web",
        GeneratedLoadBalancer::PublicApplication,
        &[app(8), app(9)],
        false,
        false,
    );
    add_load_balancer(
        &mut builder,
        &prod,
        "prod-internal",
        GeneratedLoadBalancer::InternalApplication,
        &[app(10)],
        true,
        true,
    );
    add_load_balancer(
        &mut builder,
        &prod,
        "prod-nlb",
        GeneratedLoadBalancer::PublicNetwork,
        &[app(11)],
        true,
        true,
    );
    builder.finish()
}

/// Misconfiguration 19: the account's IAM, in its `global` scope.
fn add_sample_iam(builder: &mut EstateBuilder) {
    let regional = std::mem::replace(&mut builder.region, "global".to_string());
    builder.inventory.scopes.push(crate::model::Scope {
        provider: "aws".to_string(),
        account: ACCOUNT.to_string(),
        region: "global".to_string(),
    });
    let arn = |kind: &str, name: &str| format!("arn:aws:iam::{ACCOUNT}:{kind}/{name}");
    builder.node(
        NodeType::IamAccount,
        ACCOUNT,
        ACCOUNT,
        &[],
        &IamAccountProperties {
            account_id: ACCOUNT.into(),
            root_mfa_enabled: true,
            root_hardware_mfa_enabled: false,
            root_access_keys_present: false,
            root_last_used_days: Some(120),
            credential_report_available: true,
            password_policy_present: true,
            password_policy: PasswordPolicy {
                minimum_password_length: 8,
                ..PasswordPolicy::example()
            },
            support_access_principals: vec![arn("role", "support")],
        },
    );
    let admin_arn = arn("policy", "full-admin");
    let admin_policy = builder.node(
        NodeType::IamPolicy,
        &admin_arn,
        "full-admin",
        &[],
        &IamPolicyProperties {
            policy_name: "full-admin".into(),
            arn: admin_arn.clone(),
            attachment_count: 1,
            grants_full_admin: true,
            allowed_actions: vec!["*".into()],
            default_version_id: Some("v1".into()),
            ..Default::default()
        },
    );
    let support_arn = "arn:aws:iam::aws:policy/AWSSupportAccess";
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
    let admins = builder.node(
        NodeType::IamGroup,
        "admins",
        "admins",
        &[],
        &IamGroupProperties {
            group_name: "admins".into(),
            arn: arn("group", "admins"),
            path: "/".into(),
            attached_policy_arns: vec![admin_arn.clone()],
            ..Default::default()
        },
    );
    builder.edge(EdgeKind::HasPolicy, &admins, &admin_policy);
    let legacy = builder.node(
        NodeType::IamUser,
        "legacy-admin",
        "legacy-admin",
        &[],
        &IamUserProperties {
            user_name: "legacy-admin".into(),
            arn: arn("user", "legacy-admin"),
            path: "/".into(),
            age_days: Some(900),
            password_enabled: true,
            password_last_used_days: Some(3),
            mfa_active: false,
            access_keys: vec![AccessKey {
                number: 1,
                active: true,
                age_days: Some(400),
                last_used_days: Some(200),
            }],
            active_access_key_count: 1,
            oldest_active_key_age_days: Some(400),
            longest_unused_credential_days: Some(200),
            groups: vec!["admins".into()],
            attached_policy_arns: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
            ..Default::default()
        },
    );
    let alice = builder.node(
        NodeType::IamUser,
        "alice",
        "alice",
        &[],
        &IamUserProperties {
            user_name: "alice".into(),
            arn: arn("user", "alice"),
            path: "/".into(),
            age_days: Some(200),
            password_enabled: true,
            password_last_used_days: Some(1),
            mfa_active: true,
            access_keys: vec![AccessKey {
                number: 1,
                active: true,
                age_days: Some(30),
                last_used_days: Some(1),
            }],
            active_access_key_count: 1,
            oldest_active_key_age_days: Some(30),
            longest_unused_credential_days: Some(1),
            groups: vec!["admins".into()],
            ..Default::default()
        },
    );
    for user in [&legacy, &alice] {
        builder.edge(EdgeKind::MemberOf, user, &admins);
    }
    let ec2 = builder.node(
        NodeType::IamPrincipal,
        "service:ec2.amazonaws.com",
        "ec2.amazonaws.com",
        &[],
        &IamPrincipalProperties::example(),
    );
    let support = builder.node(
        NodeType::IamRole,
        "support",
        "support",
        &[],
        &IamRoleProperties {
            role_name: "support".into(),
            arn: arn("role", "support"),
            path: "/".into(),
            trusted_principals: vec![format!("aws:arn:aws:iam::{ACCOUNT}:root")],
            attached_policy_arns: vec![support_arn.into()],
            last_used_days: Some(20),
            ..Default::default()
        },
    );
    builder.edge(EdgeKind::HasPolicy, &support, &support_policy);
    let web = builder.node(
        NodeType::IamRole,
        "web",
        "web",
        &[],
        &IamRoleProperties {
            role_name: "web".into(),
            arn: arn("role", "web"),
            path: "/".into(),
            trusted_principals: vec!["service:ec2.amazonaws.com".into()],
            instance_profile_names: vec!["web".into()],
            last_used_days: Some(0),
            ..Default::default()
        },
    );
    builder.edge(EdgeKind::Trusts, &web, &ec2);
    let profile = builder.node(
        NodeType::IamInstanceProfile,
        "web",
        "web",
        &[],
        &IamInstanceProfileProperties {
            instance_profile_name: "web".into(),
            arn: WEB_PROFILE_ARN.into(),
            role_names: vec!["web".into()],
        },
    );
    builder.edge(EdgeKind::Contains, &profile, &web);
    builder.region = regional;
}

/// Misconfigurations 14-16: a public and a private database, a public and a private function
/// URL, an EKS cluster with a public endpoint.
fn add_sample_managed_endpoints(builder: &mut EstateBuilder, prod: &VpcParts, shared: &VpcParts) {
    use super::generate::managed::{DatabaseSpec, add_database, add_eks_cluster, add_function};
    add_database(
        builder,
        shared,
        &DatabaseSpec {
            identifier: "shared-orders-db".into(),
            public: true,
            publicly_accessible: true,
            groups: vec!["sg-shared-db-open".into()],
            engine: "postgres",
            port: 5432,
            encrypted: false,
            backup_retention_period: 1,
            multi_az: false,
            deletion_protection: false,
        },
    );
    add_database(
        builder,
        prod,
        &DatabaseSpec {
            identifier: "prod-billing-db".into(),
            public: false,
            publicly_accessible: false,
            groups: vec![prod.db_group.clone()],
            engine: "postgres",
            port: 5432,
            encrypted: true,
            backup_retention_period: 14,
            multi_az: true,
            deletion_protection: true,
        },
    );
    add_function(
        builder,
        "prod-webhook",
        None,
        "nodejs16.x",
        Some("NONE"),
        false,
    );
    add_function(
        builder,
        "prod-resize",
        Some(prod),
        "python3.12",
        Some("AWS_IAM"),
        false,
    );
    add_eks_cluster(builder, "prod-platform", prod, &["0.0.0.0/0"], &["api"]);
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn sample_monitoring_is_what_cloudwatch_link_derives_from_its_nodes() {
        let mut estate = sample_estate();
        let summary_of = |nodes: &[crate::model::Node]| {
            nodes
                .iter()
                .find(|node| node.node_type == NodeType::CisMonitoring)
                .unwrap()
                .properties_as::<CisMonitoringProperties>()
                .unwrap()
        };
        let stated = summary_of(&estate.nodes);
        assert_eq!(
            stated.monitored_controls,
            ["4.1", "4.3", "4.4", "4.5", "4.10"]
        );
        for node in &mut estate.nodes {
            if node.node_type == NodeType::CisMonitoring {
                node.properties = serde_json::json!({});
            }
        }
        // The trails as the sample states them: the summary follows from the sample's own chain.
        let trails: Vec<Value> = estate
            .nodes
            .iter()
            .filter(|node| node.node_type == NodeType::CloudTrailTrail)
            .map(|node| node.properties.clone())
            .collect();
        assert_eq!(trails.len(), 2, "org-trail and app-trail");
        let edges =
            crate::discovery::aws::cloudwatch::link_with_trails(REGION, &mut estate.nodes, &trails);
        assert_eq!(summary_of(&estate.nodes), stated);
        // The derived alarm edges are the ones the sample states.
        for edge in &edges {
            assert!(estate.edges.contains(edge), "{edge:?}");
        }
        assert_eq!(
            edges.len(),
            2 * 6,
            "alarms on 4.1, 4.2, 4.3, 4.4, 4.5, 4.10: filter + topic"
        );
        let hub = estate
            .nodes
            .iter()
            .find(|node| node.node_type == NodeType::SecurityHub)
            .unwrap()
            .properties_as::<SecurityHubProperties>()
            .unwrap();
        assert!(!hub.enabled);
    }

    #[test]
    fn sample_estate_is_consistent_and_carries_its_misconfigurations() {
        let estate = sample_estate();
        let instances: Vec<_> = estate
            .nodes
            .iter()
            .filter(|node| node.node_type == NodeType::Instance)
            .collect();
        assert_eq!(instances.len(), 60);
        assert_eq!(
            estate
                .nodes
                .iter()
                .filter(|node| node.node_type == NodeType::Vpc)
                .count(),
            2
        );
        let ids: HashSet<_> = estate.nodes.iter().map(|node| node.id.clone()).collect();
        assert_eq!(ids.len(), estate.nodes.len());
        assert!(
            estate
                .edges
                .iter()
                .all(|edge| ids.contains(&edge.src) && ids.contains(&edge.dst))
        );
        let unencrypted = estate
            .nodes
            .iter()
            .filter(|node| node.node_type == NodeType::Volume)
            .filter(|node| {
                node.properties_as::<VolumeProperties>()
                    .is_ok_and(|volume| !volume.encrypted)
            })
            .count();
        assert_eq!(unencrypted, 10);
        let public_snapshots = estate
            .nodes
            .iter()
            .filter_map(|node| node.properties_as::<SnapshotProperties>().ok())
            .filter(|snapshot| snapshot.public)
            .count();
        assert_eq!(public_snapshots, 1);
        let prod_acl = estate
            .nodes
            .iter()
            .find(|node| node.id.resource_id() == "acl-vpc-0prod-default")
            .unwrap();
        let acl: NetworkAclProperties = prod_acl.properties_as().unwrap();
        assert_eq!(acl.entries[0].rule_number, 90);
        assert_eq!(acl.entries[0].port_from, Some(22));
    }

    #[test]
    fn the_multi_region_trail_logs_to_the_group_the_cis_filters_watch() {
        let estate = sample_estate();
        let mut nodes = estate.nodes.clone();
        let derived = (crate::discovery::aws::cloudtrail::SERVICE.link)(REGION, &mut nodes);
        let group = NodeId::aws(REGION, NodeType::LogGroup, "cloudtrail/management");
        let organisation = NodeId::aws(REGION, NodeType::CloudTrailTrail, "org-trail");
        let to_groups: Vec<_> = derived
            .iter()
            .filter(|edge| edge.dst.node_type() == NodeType::LogGroup)
            .collect();
        assert_eq!(
            to_groups.len(),
            1,
            "only org-trail sends to CloudWatch Logs"
        );
        assert_eq!(
            (&to_groups[0].src, &to_groups[0].dst),
            (&organisation, &group)
        );
        assert!(estate.edges.contains(to_groups[0]));
        // Every trail edge the link derives (buckets, key, group) is one the sample states.
        for edge in &derived {
            assert!(estate.edges.contains(edge), "{edge:?}");
        }
        // The group's filters: 4.1, 4.3, 4.4, 4.5, 4.10 alarmed to `security-alerts`, 4.2 to
        // `ops-alerts`, 4.6 without an alarm: 7 filters on the group, 6 alarms on filters.
        let filters_on_group = estate
            .edges
            .iter()
            .filter(|edge| edge.kind == EdgeKind::FiltersLogGroup && edge.dst == group)
            .count();
        assert_eq!(filters_on_group, 7);
        assert_eq!(
            estate
                .edges
                .iter()
                .filter(|edge| edge.kind == EdgeKind::AlarmsOn)
                .count(),
            6
        );
    }

    #[test]
    fn sample_iam_is_its_own_scope_and_links_as_discovery_would() {
        let estate = sample_estate();
        assert!(estate.scopes.iter().any(|scope| scope.region == "global"));
        let global: Vec<_> = estate
            .nodes
            .iter()
            .filter(|node| node.region == "global")
            .cloned()
            .collect();
        // account, full-admin, AWSSupportAccess, admins, legacy-admin, alice, the EC2 principal,
        // the support and web roles, the web instance profile.
        assert_eq!(global.len(), 10);
        let count = |node_type: NodeType| {
            global
                .iter()
                .filter(|node| node.node_type == node_type)
                .count()
        };
        assert_eq!(count(NodeType::IamUser), 2);
        assert_eq!(count(NodeType::IamRole), 2);
        assert_eq!(count(NodeType::IamPolicy), 2);
        let users: Vec<IamUserProperties> = global
            .iter()
            .filter(|node| node.node_type == NodeType::IamUser)
            .filter_map(|node| node.properties_as::<IamUserProperties>().ok())
            .collect();
        let legacy = users
            .iter()
            .find(|user| user.user_name == "legacy-admin")
            .unwrap();
        assert!(legacy.password_enabled && !legacy.mfa_active);
        assert_eq!(legacy.oldest_active_key_age_days, Some(400));
        // The IAM edges are the ones `iam::link` derives from the nodes: 2 memberships, 2
        // policies (admins, support), 1 trust (web → EC2), 1 profile → role.
        let mut derived = (crate::discovery::aws::iam::SERVICE.link)("global", &mut global.clone());
        let global_ids: HashSet<_> = global.iter().map(|node| node.id.clone()).collect();
        let mut stated: Vec<_> = estate
            .edges
            .iter()
            .filter(|edge| global_ids.contains(&edge.src))
            .cloned()
            .collect();
        assert_eq!(stated.len(), 6);
        derived.sort_by(|left, right| left.id.cmp(&right.id));
        stated.sort_by(|left, right| left.id.cmp(&right.id));
        assert_eq!(derived, stated);
        // The eight prod-web instances use the web profile, as the cross-scope link derives.
        let mut profile_edges =
            crate::discovery::aws::iam::link_instances_to_profiles(&estate.nodes);
        assert_eq!(profile_edges.len(), 8);
        let mut stated_profile_edges: Vec<_> = estate
            .edges
            .iter()
            .filter(|edge| edge.dst.node_type() == NodeType::IamInstanceProfile)
            .cloned()
            .collect();
        profile_edges.sort_by(|left, right| left.id.cmp(&right.id));
        stated_profile_edges.sort_by(|left, right| left.id.cmp(&right.id));
        assert_eq!(profile_edges, stated_profile_edges);
        let sources: HashSet<&str> = profile_edges
            .iter()
            .map(|edge| edge.src.resource_id())
            .collect();
        let web: HashSet<&str> = [
            "i-0a0000", "i-0a0001", "i-0a0002", "i-0a0003", "i-0a0004", "i-0a0005", "i-0a0006",
            "i-0a0007",
        ]
        .into_iter()
        .collect();
        assert_eq!(sources, web);
    }
}
