//! Pure transforms from aws-sdk-rds types to Infracast nodes, unit-tested with values built by
//! the SDK's builders. A DB instance carries its subnet group's subnets and its VPC security
//! groups, which is all the tracer needs to place it (`pathtrace/managed.rs`).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_rds::types as rds;
use serde::Serialize;

use super::super::node_builder::regional_node;
use crate::model::properties::{
    RdsDbClusterProperties, RdsDbInstanceProperties, RdsDbSnapshotProperties,
};
use crate::model::{Node, NodeType};

pub use super::super::service::Origin;

fn tags_of(tags: &[rds::Tag]) -> BTreeMap<String, String> {
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
    tags: &[rds::Tag],
    properties: &impl Serialize,
) -> Node {
    regional_node(origin, node_type, raw_id, raw_id, tags_of(tags), properties)
}

fn owned(value: Option<&str>) -> Option<String> {
    value.map(str::to_string)
}

fn group_ids(groups: &[rds::VpcSecurityGroupMembership]) -> Vec<String> {
    groups
        .iter()
        .filter_map(|group| group.vpc_security_group_id())
        .map(str::to_string)
        .collect()
}

/// A DB subnet group's VPC and subnet ids.
pub fn subnet_group(group: &rds::DbSubnetGroup) -> (Option<String>, Vec<String>) {
    (
        owned(group.vpc_id()),
        group
            .subnets()
            .iter()
            .filter_map(|subnet| subnet.subnet_identifier())
            .map(str::to_string)
            .collect(),
    )
}

pub fn transform_db_instance(origin: &Origin, instance: &rds::DbInstance) -> Option<Node> {
    let identifier = instance.db_instance_identifier()?;
    let (vpc_id, subnet_ids) = instance
        .db_subnet_group()
        .map(subnet_group)
        .unwrap_or_default();
    let availability_zone = owned(instance.availability_zone());
    // The interface sits in the group's subnet of the instance's zone; two there: unknown.
    let in_zone: Vec<&str> = instance
        .db_subnet_group()
        .map(|group| {
            group
                .subnets()
                .iter()
                .filter(|subnet| {
                    availability_zone.is_some()
                        && subnet
                            .subnet_availability_zone()
                            .and_then(|zone| zone.name())
                            == availability_zone.as_deref()
                })
                .filter_map(|subnet| subnet.subnet_identifier())
                .collect()
        })
        .unwrap_or_default();
    let placement_subnet_id = match (in_zone.as_slice(), subnet_ids.as_slice()) {
        ([only], _) => Some(only.to_string()),
        ([], [only]) => Some(only.clone()),
        _ => None,
    };
    let properties = RdsDbInstanceProperties {
        db_instance_identifier: identifier.to_string(),
        arn: owned(instance.db_instance_arn()),
        engine: owned(instance.engine()),
        engine_version: owned(instance.engine_version()),
        instance_class: owned(instance.db_instance_class()),
        status: owned(instance.db_instance_status()),
        db_cluster_identifier: owned(instance.db_cluster_identifier()),
        publicly_accessible: instance.publicly_accessible().unwrap_or(false),
        endpoint_address: owned(instance.endpoint().and_then(|endpoint| endpoint.address())),
        endpoint_port: instance
            .endpoint()
            .and_then(|endpoint| endpoint.port())
            .or(instance.db_instance_port().filter(|port| *port > 0)),
        vpc_id,
        db_subnet_group_name: owned(
            instance
                .db_subnet_group()
                .and_then(|group| group.db_subnet_group_name()),
        ),
        subnet_ids,
        availability_zone,
        placement_subnet_id,
        security_group_ids: group_ids(instance.vpc_security_groups()),
        storage_encrypted: instance.storage_encrypted().unwrap_or(false),
        kms_key_id: owned(instance.kms_key_id()),
        backup_retention_period: instance.backup_retention_period().unwrap_or(0),
        auto_minor_version_upgrade: instance.auto_minor_version_upgrade().unwrap_or(false),
        iam_database_authentication_enabled: instance
            .iam_database_authentication_enabled()
            .unwrap_or(false),
        deletion_protection: instance.deletion_protection().unwrap_or(false),
        multi_az: instance.multi_az().unwrap_or(false),
    };
    Some(node(
        origin,
        NodeType::RdsDbInstance,
        identifier,
        instance.tag_list(),
        &properties,
    ))
}

pub fn transform_db_cluster(
    origin: &Origin,
    cluster: &rds::DbCluster,
    subnet_groups: &HashMap<String, (Option<String>, Vec<String>)>,
) -> Option<Node> {
    let identifier = cluster.db_cluster_identifier()?;
    let subnet_ids = cluster
        .db_subnet_group()
        .and_then(|name| subnet_groups.get(name))
        .map(|(_, subnets)| subnets.clone())
        .unwrap_or_default();
    let properties = RdsDbClusterProperties {
        db_cluster_identifier: identifier.to_string(),
        arn: owned(cluster.db_cluster_arn()),
        engine: owned(cluster.engine()),
        engine_version: owned(cluster.engine_version()),
        status: owned(cluster.status()),
        member_instance_ids: cluster
            .db_cluster_members()
            .iter()
            .filter_map(|member| member.db_instance_identifier())
            .map(str::to_string)
            .collect(),
        publicly_accessible: cluster.publicly_accessible().unwrap_or(false),
        endpoint_address: owned(cluster.endpoint()),
        endpoint_port: cluster.port(),
        db_subnet_group_name: owned(cluster.db_subnet_group()),
        subnet_ids,
        security_group_ids: group_ids(cluster.vpc_security_groups()),
        storage_encrypted: cluster.storage_encrypted().unwrap_or(false),
        kms_key_id: owned(cluster.kms_key_id()),
        backup_retention_period: cluster.backup_retention_period().unwrap_or(0),
        auto_minor_version_upgrade: cluster.auto_minor_version_upgrade().unwrap_or(false),
        iam_database_authentication_enabled: cluster
            .iam_database_authentication_enabled()
            .unwrap_or(false),
        deletion_protection: cluster.deletion_protection().unwrap_or(false),
        multi_az: cluster.multi_az().unwrap_or(false),
    };
    Some(node(
        origin,
        NodeType::RdsDbCluster,
        identifier,
        cluster.tag_list(),
        &properties,
    ))
}

/// The values of the `restore` attribute (accounts allowed to restore; `all` = public), from
/// (name, values) pairs of a snapshot's attributes.
pub fn restore_values(attributes: Vec<(Option<&str>, &[String])>) -> Vec<String> {
    attributes
        .into_iter()
        .filter(|(name, _)| *name == Some("restore"))
        .flat_map(|(_, values)| values.iter().cloned())
        .collect()
}

fn snapshot_sharing(restore: Option<&[String]>) -> (Option<bool>, Vec<String>) {
    match restore {
        None => (None, Vec::new()),
        Some(values) => (
            Some(values.iter().any(|value| value == "all")),
            values
                .iter()
                .filter(|value| value.as_str() != "all")
                .cloned()
                .collect(),
        ),
    }
}

/// `restore`: the snapshot's `restore` attribute values, `None` when they could not be read.
pub fn transform_db_snapshot(
    origin: &Origin,
    snapshot: &rds::DbSnapshot,
    restore: Option<&[String]>,
) -> Option<Node> {
    let identifier = snapshot.db_snapshot_identifier()?;
    let (public, shared_with_account_ids) = snapshot_sharing(restore);
    let properties = RdsDbSnapshotProperties {
        snapshot_identifier: identifier.to_string(),
        arn: owned(snapshot.db_snapshot_arn()),
        cluster_snapshot: false,
        source_identifier: owned(snapshot.db_instance_identifier()),
        snapshot_type: owned(snapshot.snapshot_type()),
        encrypted: snapshot.encrypted().unwrap_or(false),
        public,
        shared_with_account_ids,
    };
    Some(node(
        origin,
        NodeType::RdsDbSnapshot,
        identifier,
        snapshot.tag_list(),
        &properties,
    ))
}

pub fn transform_db_cluster_snapshot(
    origin: &Origin,
    snapshot: &rds::DbClusterSnapshot,
    restore: Option<&[String]>,
) -> Option<Node> {
    let identifier = snapshot.db_cluster_snapshot_identifier()?;
    let (public, shared_with_account_ids) = snapshot_sharing(restore);
    let properties = RdsDbSnapshotProperties {
        snapshot_identifier: identifier.to_string(),
        arn: owned(snapshot.db_cluster_snapshot_arn()),
        cluster_snapshot: true,
        source_identifier: owned(snapshot.db_cluster_identifier()),
        snapshot_type: owned(snapshot.snapshot_type()),
        encrypted: snapshot.storage_encrypted().unwrap_or(false),
        public,
        shared_with_account_ids,
    };
    Some(node(
        origin,
        NodeType::RdsDbSnapshot,
        identifier,
        snapshot.tag_list(),
        &properties,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            account: "123456789012".into(),
            region: "us-east-1".into(),
        }
    }

    #[test]
    fn a_db_instance_keeps_its_placement_endpoint_and_settings() {
        let instance = rds::DbInstance::builder()
            .db_instance_identifier("orders")
            .engine("postgres")
            .publicly_accessible(true)
            .availability_zone("us-east-1b")
            .endpoint(
                rds::Endpoint::builder()
                    .address("orders.abc.us-east-1.rds.amazonaws.com")
                    .port(5432)
                    .build(),
            )
            .db_subnet_group(
                rds::DbSubnetGroup::builder()
                    .db_subnet_group_name("public-db")
                    .vpc_id("vpc-1")
                    .subnets(
                        rds::Subnet::builder()
                            .subnet_identifier("subnet-a")
                            .subnet_availability_zone(
                                rds::AvailabilityZone::builder().name("us-east-1a").build(),
                            )
                            .build(),
                    )
                    .subnets(
                        rds::Subnet::builder()
                            .subnet_identifier("subnet-b")
                            .subnet_availability_zone(
                                rds::AvailabilityZone::builder().name("us-east-1b").build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .vpc_security_groups(
                rds::VpcSecurityGroupMembership::builder()
                    .vpc_security_group_id("sg-db")
                    .status("active")
                    .build(),
            )
            .storage_encrypted(false)
            .backup_retention_period(1)
            .auto_minor_version_upgrade(true)
            .deletion_protection(false)
            .multi_az(false)
            .tag_list(rds::Tag::builder().key("Name").value("orders-db").build())
            .build();
        let node = transform_db_instance(&origin(), &instance).unwrap();
        assert_eq!(node.id.as_str(), "aws:us-east-1:aws.rds.db_instance:orders");
        assert_eq!(node.name, "orders-db");
        let properties: RdsDbInstanceProperties = node.properties_as().unwrap();
        assert!(properties.publicly_accessible);
        assert_eq!(properties.endpoint_port, Some(5432));
        assert_eq!(properties.vpc_id.as_deref(), Some("vpc-1"));
        assert_eq!(properties.subnet_ids, vec!["subnet-a", "subnet-b"]);
        assert_eq!(properties.placement_subnet_id.as_deref(), Some("subnet-b"));
        assert_eq!(properties.security_group_ids, vec!["sg-db"]);
        assert!(!properties.storage_encrypted);
        assert_eq!(properties.backup_retention_period, 1);
        assert!(properties.auto_minor_version_upgrade);
        assert!(!properties.iam_database_authentication_enabled);
    }

    #[test]
    fn a_cluster_takes_its_subnets_from_its_subnet_group_and_lists_members() {
        let cluster = rds::DbCluster::builder()
            .db_cluster_identifier("aurora")
            .db_subnet_group("private-db")
            .port(3306)
            .db_cluster_members(
                rds::DbClusterMember::builder()
                    .db_instance_identifier("aurora-1")
                    .build(),
            )
            .storage_encrypted(true)
            .build();
        let groups = HashMap::from([(
            "private-db".to_string(),
            (Some("vpc-1".to_string()), vec!["subnet-p".to_string()]),
        )]);
        let node = transform_db_cluster(&origin(), &cluster, &groups).unwrap();
        let properties: RdsDbClusterProperties = node.properties_as().unwrap();
        assert_eq!(properties.subnet_ids, vec!["subnet-p"]);
        assert_eq!(properties.member_instance_ids, vec!["aurora-1"]);
        assert_eq!(properties.endpoint_port, Some(3306));
        assert!(properties.storage_encrypted);
    }

    #[test]
    fn a_snapshot_is_public_only_when_restore_lists_all_and_unknown_when_unread() {
        let snapshot = rds::DbSnapshot::builder()
            .db_snapshot_identifier("snap-1")
            .db_instance_identifier("orders")
            .encrypted(false)
            .build();
        let values = vec!["all".to_string(), "210987654321".to_string()];
        let attributes = vec![
            (Some("restore"), values.as_slice()),
            (Some("other"), &[][..]),
        ];
        let restore = restore_values(attributes);
        let public = transform_db_snapshot(&origin(), &snapshot, Some(&restore)).unwrap();
        let properties: RdsDbSnapshotProperties = public.properties_as().unwrap();
        assert_eq!(properties.public, Some(true));
        assert_eq!(properties.shared_with_account_ids, vec!["210987654321"]);
        assert_eq!(properties.source_identifier.as_deref(), Some("orders"));

        let shared_only = ["210987654321".to_string()];
        let private = transform_db_snapshot(&origin(), &snapshot, Some(&shared_only)).unwrap();
        assert_eq!(
            private
                .properties_as::<RdsDbSnapshotProperties>()
                .unwrap()
                .public,
            Some(false)
        );
        let unknown = transform_db_snapshot(&origin(), &snapshot, None).unwrap();
        assert_eq!(
            unknown
                .properties_as::<RdsDbSnapshotProperties>()
                .unwrap()
                .public,
            None
        );

        let cluster_snapshot = rds::DbClusterSnapshot::builder()
            .db_cluster_snapshot_identifier("csnap-1")
            .db_cluster_identifier("aurora")
            .build();
        let all = ["all".to_string()];
        let node = transform_db_cluster_snapshot(&origin(), &cluster_snapshot, Some(&all)).unwrap();
        let properties: RdsDbSnapshotProperties = node.properties_as().unwrap();
        assert!(properties.cluster_snapshot);
        assert_eq!(properties.public, Some(true));
    }
}
