//! Keeps the accounts of a multi-account job apart in the graph. Pure: no SDK types, no IO.
//!
//! A node id is `aws:<region>:<type>:<raw id>`. Most raw ids are unique across AWS (instance,
//! subnet and security group ids, bucket names, key ids, ARNs), but many resources are named only
//! within their account: IAM users, groups, roles, policies (AWS-managed ones carry the same ARN in
//! every account), Config recorders (`default`), log groups, metric filters, alarms, trails, RDS
//! identifiers, Lambda functions, EKS clusters, load balancers. Two accounts of one organization
//! routinely share such names (`OrganizationAccountAccessRole`), and one job cannot hold two nodes
//! with one id.
//!
//! So in a job that covers more than one account, the raw id of every resource named per account
//! is prefixed with its account: `aws:global:aws.iam.role:111111111111/OrganizationAccountAccessRole`.
//! A single-account job keeps the natural ids. Edges follow: an end of a per-account type is the
//! one in the edge's own account (edges are derived within one account; cross-account references
//! name unique ids or `aws.iam.principal` nodes, which are per-account views).
//!
//! Resources shared between accounts under one unique id (a transit gateway or a peering
//! connection seen from both sides, AWS-managed prefix lists) are one resource: the first account
//! (in account order) keeps it, and so is an edge that two accounts both derived. The path tracer
//! builds the ids of network resources from their properties, which is why those stay unqualified.
//!
//! It must not touch the ids of a single-account job, and must not qualify a network type.

use std::collections::HashSet;

use crate::model::{Edge, Inventory, Node, NodeId, NodeType};

/// Whether a type's raw id is a name unique only within its account.
pub fn is_named_per_account(node_type: NodeType) -> bool {
    matches!(
        node_type,
        NodeType::IamUser
            | NodeType::IamGroup
            | NodeType::IamRole
            | NodeType::IamPolicy
            | NodeType::IamInstanceProfile
            | NodeType::IamServerCertificate
            | NodeType::IamPrincipal
            | NodeType::LogGroup
            | NodeType::MetricFilter
            | NodeType::Alarm
            | NodeType::ConfigRecorder
            | NodeType::AccessAnalyzer
            | NodeType::CloudTrailTrail
            | NodeType::RdsDbInstance
            | NodeType::RdsDbCluster
            | NodeType::RdsDbSnapshot
            | NodeType::LambdaFunction
            | NodeType::EksCluster
            | NodeType::ClassicLoadBalancer
            | NodeType::LoadBalancerV2
            | NodeType::Listener
            | NodeType::TargetGroup
    )
}

/// The id of `id` in `account`: prefixed when its type is named per account.
pub fn in_account(id: &NodeId, account: &str) -> NodeId {
    let node_type = id.node_type();
    if !is_named_per_account(node_type) {
        return id.clone();
    }
    NodeId::aws(
        id.region(),
        node_type,
        &format!("{account}/{}", id.resource_id()),
    )
}

/// Rewrites the scopes' inventories, given as (account, inventory) in account order, so that
/// accounts keep apart: per-account names are qualified (only when more than one account is
/// present) and a node or edge that several scopes found is kept once, where it was found first.
pub fn keep_accounts_apart<'a>(
    inventories: impl IntoIterator<Item = (&'a str, &'a mut Inventory)>,
    several_accounts: bool,
) {
    let mut seen_nodes: HashSet<NodeId> = HashSet::new();
    let mut seen_edges: HashSet<String> = HashSet::new();
    for (account, inventory) in inventories {
        if several_accounts {
            for node in &mut inventory.nodes {
                node.id = in_account(&node.id, account);
            }
            for edge in &mut inventory.edges {
                let (src, dst) = (
                    in_account(&edge.src, account),
                    in_account(&edge.dst, account),
                );
                if (&src, &dst) != (&edge.src, &edge.dst) {
                    *edge = Edge::new(edge.kind, src, dst)
                        .with_properties(std::mem::take(&mut edge.properties));
                }
            }
        }
        inventory
            .nodes
            .retain(|node: &Node| seen_nodes.insert(node.id.clone()));
        inventory
            .edges
            .retain(|edge| seen_edges.insert(edge.id.clone()));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::EdgeKind;

    fn node(account: &str, region: &str, node_type: NodeType, raw: &str) -> Node {
        let mut node = Node::aws(region, node_type, raw, json!({}));
        node.account = account.to_string();
        node
    }

    fn inventory(account: &str) -> Inventory {
        let role = node(
            account,
            "global",
            NodeType::IamRole,
            "OrganizationAccountAccessRole",
        );
        let policy = node(
            account,
            "global",
            NodeType::IamPolicy,
            "arn:aws:iam::aws:policy/AdministratorAccess",
        );
        let gateway = node(account, "us-east-1", NodeType::TransitGateway, "tgw-shared");
        let edge = Edge::new(EdgeKind::HasPolicy, role.id.clone(), policy.id.clone())
            .with_properties(json!({"why": "attached"}));
        Inventory {
            nodes: vec![role, policy, gateway],
            edges: vec![edge],
            ..Inventory::default()
        }
    }

    #[test]
    fn several_accounts_qualify_per_account_names_and_share_unique_ids_once() {
        let (mut first, mut second) = (inventory("111111111111"), inventory("222222222222"));
        keep_accounts_apart(
            [("111111111111", &mut first), ("222222222222", &mut second)],
            true,
        );
        let ids = |inventory: &Inventory| -> Vec<String> {
            inventory
                .nodes
                .iter()
                .map(|node| node.id.to_string())
                .collect()
        };
        assert_eq!(
            ids(&first),
            [
                "aws:global:aws.iam.role:111111111111/OrganizationAccountAccessRole",
                "aws:global:aws.iam.policy:111111111111/arn:aws:iam::aws:policy/AdministratorAccess",
                "aws:us-east-1:aws.ec2.transit_gateway:tgw-shared",
            ]
        );
        assert_eq!(
            ids(&second),
            [
                "aws:global:aws.iam.role:222222222222/OrganizationAccountAccessRole",
                "aws:global:aws.iam.policy:222222222222/arn:aws:iam::aws:policy/AdministratorAccess",
            ],
            "the shared gateway is kept once, by the first account"
        );
        let edge = &second.edges[0];
        assert_eq!(
            (edge.src.as_str(), edge.dst.as_str()),
            (
                "aws:global:aws.iam.role:222222222222/OrganizationAccountAccessRole",
                "aws:global:aws.iam.policy:222222222222/arn:aws:iam::aws:policy/AdministratorAccess",
            )
        );
        assert_eq!(edge.properties, json!({"why": "attached"}));
        assert_eq!(
            edge.id,
            Edge::new(EdgeKind::HasPolicy, edge.src.clone(), edge.dst.clone()).id,
            "the edge's id follows its new ends"
        );
        assert_ne!(first.edges[0].id, second.edges[0].id);
    }

    #[test]
    fn one_account_keeps_natural_ids() {
        let mut only = inventory("111111111111");
        let before = only.clone();
        keep_accounts_apart([("111111111111", &mut only)], false);
        assert_eq!(only, before);
    }

    #[test]
    fn network_types_are_never_qualified() {
        for node_type in [
            NodeType::Instance,
            NodeType::SecurityGroup,
            NodeType::Subnet,
            NodeType::RouteTable,
            NodeType::InternetGateway,
            NodeType::TransitGateway,
            NodeType::S3Bucket,
        ] {
            let id = NodeId::aws("us-east-1", node_type, "x-1");
            assert_eq!(in_account(&id, "111111111111"), id, "{node_type:?}");
        }
    }
}
