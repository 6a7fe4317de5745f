//! Pure transform from an aws-sdk-eks `Cluster` to an Infracast node, unit-tested with values
//! built by the SDK's builders.

use std::collections::BTreeMap;

use aws_sdk_eks::types as eks;

use crate::model::properties::EksClusterProperties;
use crate::model::{Node, NodeId, NodeType};

pub use super::super::service::Origin;

pub fn transform_cluster(origin: &Origin, cluster: &eks::Cluster) -> Option<Node> {
    let name = cluster.name()?;
    let vpc = cluster.resources_vpc_config();
    let mut security_group_ids: Vec<String> = vpc
        .map(|vpc| vpc.security_group_ids().to_vec())
        .unwrap_or_default();
    let cluster_security_group_id = vpc
        .and_then(|vpc| vpc.cluster_security_group_id())
        .map(str::to_string);
    if let Some(group) = &cluster_security_group_id
        && !security_group_ids.contains(group)
    {
        security_group_ids.push(group.clone());
    }
    let mut logging_enabled_types: Vec<String> = cluster
        .logging()
        .map(|logging| {
            logging
                .cluster_logging()
                .iter()
                .filter(|setup| setup.enabled() == Some(true))
                .flat_map(|setup| setup.types().iter().map(|kind| kind.as_str().to_string()))
                .collect()
        })
        .unwrap_or_default();
    logging_enabled_types.sort();
    logging_enabled_types.dedup();
    let properties = EksClusterProperties {
        name: name.to_string(),
        arn: cluster.arn().map(str::to_string),
        version: cluster.version().map(str::to_string),
        status: cluster.status().map(|status| status.as_str().to_string()),
        endpoint: cluster.endpoint().map(str::to_string),
        endpoint_public_access: vpc.is_some_and(|vpc| vpc.endpoint_public_access()),
        endpoint_private_access: vpc.is_some_and(|vpc| vpc.endpoint_private_access()),
        public_access_cidrs: vpc
            .map(|vpc| vpc.public_access_cidrs().to_vec())
            .unwrap_or_default(),
        vpc_id: vpc.and_then(|vpc| vpc.vpc_id()).map(str::to_string),
        subnet_ids: vpc.map(|vpc| vpc.subnet_ids().to_vec()).unwrap_or_default(),
        security_group_ids,
        cluster_security_group_id,
        logging_enabled_types,
    };
    let tags: BTreeMap<String, String> = cluster
        .tags()
        .map(|tags| tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    Some(Node {
        id: NodeId::aws(&origin.region, NodeType::EksCluster, name),
        node_type: NodeType::EksCluster,
        provider: "aws".to_string(),
        region: origin.region.clone(),
        account: origin.account.clone(),
        name: tags
            .get("Name")
            .cloned()
            .unwrap_or_else(|| name.to_string()),
        tags,
        // Invariant: the property structs serialize to JSON objects.
        properties: serde_json::to_value(&properties).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_keeps_endpoint_access_placement_and_enabled_logs_only() {
        let cluster = eks::Cluster::builder()
            .name("platform")
            .version("1.30")
            .endpoint("https://ABC.gr7.us-east-1.eks.amazonaws.com")
            .resources_vpc_config(
                eks::VpcConfigResponse::builder()
                    .vpc_id("vpc-1")
                    .subnet_ids("subnet-a")
                    .subnet_ids("subnet-b")
                    .security_group_ids("sg-extra")
                    .cluster_security_group_id("sg-cluster")
                    .endpoint_public_access(true)
                    .endpoint_private_access(false)
                    .public_access_cidrs("0.0.0.0/0")
                    .build(),
            )
            .logging(
                eks::Logging::builder()
                    .cluster_logging(
                        eks::LogSetup::builder()
                            .types(eks::LogType::Api)
                            .types(eks::LogType::Audit)
                            .enabled(true)
                            .build(),
                    )
                    .cluster_logging(
                        eks::LogSetup::builder()
                            .types(eks::LogType::Scheduler)
                            .enabled(false)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let origin = Origin {
            account: "1".into(),
            region: "us-east-1".into(),
        };
        let node = transform_cluster(&origin, &cluster).unwrap();
        assert_eq!(node.id.as_str(), "aws:us-east-1:aws.eks.cluster:platform");
        let properties: EksClusterProperties = node.properties_as().unwrap();
        assert!(properties.endpoint_public_access);
        assert!(!properties.endpoint_private_access);
        assert_eq!(properties.public_access_cidrs, vec!["0.0.0.0/0"]);
        assert_eq!(properties.subnet_ids, vec!["subnet-a", "subnet-b"]);
        assert_eq!(
            properties.security_group_ids,
            vec!["sg-extra", "sg-cluster"]
        );
        assert_eq!(properties.logging_enabled_types, vec!["api", "audit"]);
    }
}
