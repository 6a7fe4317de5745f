//! IAM edges, derived from the typed properties: user → group (`member_of`), user/group/role →
//! managed policy (`has_policy`), role → whoever it trusts (`trusts`: the role or user when it is
//! in the graph, else its `aws.iam.principal` node, made by `transform::principal_nodes`), instance profile → role
//! (`contains`). And the one edge across scopes: a regional EC2 instance → the global instance
//! profile it uses (`associated_with`), emitted by `link_instances_to_profiles` over the whole
//! job's inventory, the only place that sees both ends.

use std::collections::{HashMap, HashSet};

use crate::model::properties::*;
use crate::model::{Edge, EdgeKind, Node, NodeId, NodeType};

/// Links the IAM nodes of one account's `global` scope.
pub fn link(region: &str, nodes: &mut [Node]) -> Vec<Edge> {
    let ids: HashSet<NodeId> = nodes.iter().map(|node| node.id.clone()).collect();
    // Users and roles by ARN, so a trust in `arn:aws:iam::…:role/x` points at the role's node.
    let by_arn: HashMap<String, NodeId> = nodes
        .iter()
        .filter_map(|node| match node.node_type {
            NodeType::IamUser => node
                .properties_as::<IamUserProperties>()
                .ok()
                .map(|user| (user.arn, node.id.clone())),
            NodeType::IamRole => node
                .properties_as::<IamRoleProperties>()
                .ok()
                .map(|role| (role.arn, node.id.clone())),
            _ => None,
        })
        .collect();
    let mut edges = Vec::new();
    let mut add = |kind: EdgeKind, src: &NodeId, dst: NodeId| {
        if ids.contains(&dst) && &dst != src {
            edges.push(Edge::new(kind, src.clone(), dst));
        }
    };
    let policy = |arn: &str| NodeId::aws(region, NodeType::IamPolicy, arn);
    for node in nodes.iter() {
        let id = &node.id;
        match node.node_type {
            NodeType::IamUser => {
                if let Ok(user) = node.properties_as::<IamUserProperties>() {
                    for group in &user.groups {
                        add(
                            EdgeKind::MemberOf,
                            id,
                            NodeId::aws(region, NodeType::IamGroup, group),
                        );
                    }
                    for arn in &user.attached_policy_arns {
                        add(EdgeKind::HasPolicy, id, policy(arn));
                    }
                }
            }
            NodeType::IamGroup => {
                if let Ok(group) = node.properties_as::<IamGroupProperties>() {
                    for arn in &group.attached_policy_arns {
                        add(EdgeKind::HasPolicy, id, policy(arn));
                    }
                }
            }
            NodeType::IamRole => {
                if let Ok(role) = node.properties_as::<IamRoleProperties>() {
                    for arn in &role.attached_policy_arns {
                        add(EdgeKind::HasPolicy, id, policy(arn));
                    }
                    for principal in &role.trusted_principals {
                        let in_graph = principal
                            .strip_prefix("aws:")
                            .and_then(|arn| by_arn.get(arn));
                        let target = match in_graph {
                            Some(target) => target.clone(),
                            None => NodeId::aws(region, NodeType::IamPrincipal, principal),
                        };
                        add(EdgeKind::Trusts, id, target);
                    }
                }
            }
            NodeType::IamInstanceProfile => {
                if let Ok(profile) = node.properties_as::<IamInstanceProfileProperties>() {
                    for role in &profile.role_names {
                        add(
                            EdgeKind::Contains,
                            id,
                            NodeId::aws(region, NodeType::IamRole, role),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    edges
}

/// `instance -associated_with-> instance profile`, across scopes: the instance is regional, the
/// profile global. Matched by the profile's ARN within one account.
pub fn link_instances_to_profiles(nodes: &[Node]) -> Vec<Edge> {
    let profiles: HashMap<(&str, String), &NodeId> = nodes
        .iter()
        .filter(|node| node.node_type == NodeType::IamInstanceProfile)
        .filter_map(|node| {
            let profile = node.properties_as::<IamInstanceProfileProperties>().ok()?;
            Some(((node.account.as_str(), profile.arn), &node.id))
        })
        .collect();
    nodes
        .iter()
        .filter(|node| node.node_type == NodeType::Instance)
        .filter_map(|node| {
            let instance = node.properties_as::<InstanceProperties>().ok()?;
            let arn = instance.iam_instance_profile_arn?;
            let profile = profiles.get(&(node.account.as_str(), arn))?;
            Some(Edge::new(
                EdgeKind::AssociatedWith,
                node.id.clone(),
                (*profile).clone(),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::properties::to_json;

    fn iam_node(node_type: NodeType, raw_id: &str, properties: serde_json::Value) -> Node {
        Node {
            id: NodeId::aws("global", node_type, raw_id),
            node_type,
            provider: "aws".into(),
            region: "global".into(),
            account: "123456789012".into(),
            name: raw_id.into(),
            tags: Default::default(),
            properties,
        }
    }

    #[test]
    fn users_groups_roles_policies_and_trusts_are_linked() {
        let admin = "arn:aws:iam::123456789012:policy/admin";
        let mut nodes = vec![
            iam_node(
                NodeType::IamUser,
                "alice",
                to_json(&IamUserProperties {
                    user_name: "alice".into(),
                    arn: "arn:aws:iam::123456789012:user/alice".into(),
                    groups: vec!["admins".into()],
                    ..IamUserProperties::default()
                }),
            ),
            iam_node(
                NodeType::IamGroup,
                "admins",
                to_json(&IamGroupProperties {
                    attached_policy_arns: vec![admin.into()],
                    ..IamGroupProperties::default()
                }),
            ),
            iam_node(
                NodeType::IamPolicy,
                admin,
                to_json(&IamPolicyProperties::default()),
            ),
            iam_node(
                NodeType::IamRole,
                "web",
                to_json(&IamRoleProperties {
                    arn: "arn:aws:iam::123456789012:role/web".into(),
                    trusted_principals: vec![
                        "service:ec2.amazonaws.com".into(),
                        "aws:arn:aws:iam::123456789012:user/alice".into(),
                    ],
                    ..IamRoleProperties::default()
                }),
            ),
            iam_node(
                NodeType::IamInstanceProfile,
                "web",
                to_json(&IamInstanceProfileProperties {
                    arn: "arn:aws:iam::123456789012:instance-profile/web".into(),
                    role_names: vec!["web".into()],
                    ..IamInstanceProfileProperties::default()
                }),
            ),
        ];
        let principals = super::super::transform::principal_nodes(
            &super::super::transform::Origin {
                account: "123456789012".into(),
                region: "global".into(),
            },
            &nodes,
        );
        assert_eq!(
            principals.len(),
            1,
            "alice is in the graph: only the service is added"
        );
        nodes.extend(principals);
        let edges = link("global", &mut nodes);
        let mut described: Vec<String> = edges
            .iter()
            .map(|edge| format!("{} {} {}", edge.src, edge.kind, edge.dst))
            .collect();
        described.sort();
        assert_eq!(
            described,
            vec![
                format!("aws:global:aws.iam.group:admins has_policy aws:global:aws.iam.policy:{admin}"),
                "aws:global:aws.iam.instance_profile:web contains aws:global:aws.iam.role:web".to_string(),
                "aws:global:aws.iam.role:web trusts aws:global:aws.iam.principal:service:ec2.amazonaws.com".to_string(),
                "aws:global:aws.iam.role:web trusts aws:global:aws.iam.user:alice".to_string(),
                "aws:global:aws.iam.user:alice member_of aws:global:aws.iam.group:admins".to_string(),
            ]
        );
        assert!(
            nodes
                .iter()
                .any(|node| node.node_type == NodeType::IamPrincipal)
        );

        let mut instance = iam_node(
            NodeType::Instance,
            "i-1",
            to_json(&InstanceProperties {
                iam_instance_profile_arn: Some(
                    "arn:aws:iam::123456789012:instance-profile/web".into(),
                ),
                ..InstanceProperties::default()
            }),
        );
        instance.id = NodeId::aws("us-east-1", NodeType::Instance, "i-1");
        instance.region = "us-east-1".into();
        nodes.push(instance);
        let cross = link_instances_to_profiles(&nodes);
        assert_eq!(cross.len(), 1);
        assert_eq!(cross[0].src.as_str(), "aws:us-east-1:aws.ec2.instance:i-1");
        assert_eq!(
            cross[0].dst.as_str(),
            "aws:global:aws.iam.instance_profile:web"
        );
    }
}
