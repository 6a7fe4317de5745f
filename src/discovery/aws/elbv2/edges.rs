//! Edges of the load balancers: load balancer → listener (`contains`) → target group
//! (`routes_to`) → target (`routes_to`: the instance, the network interface holding an IP
//! target's address, or the Lambda function a Lambda target names), load balancer → subnet (`in_subnet`) and → security group (`member_of`).
//! Also fills each load balancer's `listeners` summary from its listener nodes. Pure: no SDK
//! types, no IO. An edge is emitted only when both ends exist.

use std::collections::{HashMap, HashSet};

use crate::model::properties::{
    ListenerProperties, ListenerSummary, LoadBalancerV2Properties, NetworkInterfaceProperties,
    TargetGroupProperties,
};
use crate::model::{Edge, EdgeKind, Node, NodeId, NodeType};

/// Emits `kind` from `src` to `dst` when both are among `ids`.
pub(in crate::discovery::aws) fn push_when_known(
    edges: &mut Vec<Edge>,
    ids: &HashSet<NodeId>,
    kind: EdgeKind,
    src: &NodeId,
    dst: NodeId,
) {
    if ids.contains(src) && ids.contains(&dst) && *src != dst {
        edges.push(Edge::new(kind, src.clone(), dst));
    }
}

/// The network interface (by raw id) holding each private address, per VPC.
fn interfaces_by_address(nodes: &[Node]) -> HashMap<(Option<String>, String), String> {
    let mut by_address = HashMap::new();
    for node in nodes
        .iter()
        .filter(|node| node.node_type == NodeType::NetworkInterface)
    {
        let Ok(interface) = node.properties_as::<NetworkInterfaceProperties>() else {
            continue;
        };
        for address in interface
            .private_ip
            .iter()
            .chain(interface.private_ips.iter())
        {
            by_address.insert(
                (interface.vpc_id.clone(), address.clone()),
                interface.network_interface_id.clone(),
            );
        }
    }
    by_address
}

/// The function name inside a Lambda ARN (`arn:aws:lambda:region:account:function:name[:qualifier]`).
fn lambda_name_in_arn(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name, ..] => Some(name),
        _ => None,
    }
}

pub fn link(region: &str, nodes: &mut [Node]) -> Vec<Edge> {
    let mut summaries: HashMap<String, Vec<ListenerSummary>> = HashMap::new();
    for node in nodes
        .iter()
        .filter(|node| node.node_type == NodeType::Listener)
    {
        if let Ok(listener) = node.properties_as::<ListenerProperties>() {
            summaries
                .entry(listener.load_balancer_arn.clone())
                .or_default()
                .push(listener.summary());
        }
    }
    for node in nodes
        .iter_mut()
        .filter(|node| node.node_type == NodeType::LoadBalancerV2)
    {
        let Ok(mut load_balancer) = node.properties_as::<LoadBalancerV2Properties>() else {
            continue;
        };
        let mut listeners = summaries
            .remove(&load_balancer.load_balancer_arn)
            .unwrap_or_default();
        listeners.sort_by_key(|listener| listener.port);
        if load_balancer.listeners != listeners {
            load_balancer.listeners = listeners;
            node.properties = crate::model::properties::to_json(&load_balancer);
        }
    }

    let ids: HashSet<NodeId> = nodes.iter().map(|node| node.id.clone()).collect();
    let interfaces = interfaces_by_address(nodes);
    // Lambda targets are registered by ARN; function nodes are named by function name.
    let functions: HashMap<&str, NodeId> = nodes
        .iter()
        .filter(|node| node.node_type == NodeType::LambdaFunction)
        .filter_map(|node| {
            let arn = node.properties.get("arn")?.as_str()?;
            Some((arn, node.id.clone()))
        })
        .collect();
    let id = |node_type: NodeType, raw: &str| NodeId::aws(region, node_type, raw);
    let mut edges = Vec::new();
    for node in nodes.iter() {
        match node.node_type {
            NodeType::LoadBalancerV2 => {
                let Ok(load_balancer) = node.properties_as::<LoadBalancerV2Properties>() else {
                    continue;
                };
                for subnet in &load_balancer.subnet_ids {
                    let subnet = id(NodeType::Subnet, subnet);
                    push_when_known(&mut edges, &ids, EdgeKind::InSubnet, &node.id, subnet);
                }
                for group in &load_balancer.security_group_ids {
                    let group = id(NodeType::SecurityGroup, group);
                    push_when_known(&mut edges, &ids, EdgeKind::MemberOf, &node.id, group);
                }
            }
            NodeType::Listener => {
                let Ok(listener) = node.properties_as::<ListenerProperties>() else {
                    continue;
                };
                let owner = id(NodeType::LoadBalancerV2, &listener.load_balancer_arn);
                push_when_known(
                    &mut edges,
                    &ids,
                    EdgeKind::Contains,
                    &owner,
                    node.id.clone(),
                );
                for group in listener.forwarded_target_groups() {
                    let group = id(NodeType::TargetGroup, group);
                    push_when_known(&mut edges, &ids, EdgeKind::RoutesTo, &node.id, group);
                }
            }
            NodeType::TargetGroup => {
                let Ok(group) = node.properties_as::<TargetGroupProperties>() else {
                    continue;
                };
                for target in &group.targets {
                    let destination = match group.target_type.as_str() {
                        "instance" => Some(id(NodeType::Instance, &target.id)),
                        "ip" => interfaces
                            .get(&(group.vpc_id.clone(), target.id.clone()))
                            .map(|interface| id(NodeType::NetworkInterface, interface)),
                        "alb" => Some(id(NodeType::LoadBalancerV2, &target.id)),
                        "lambda" => functions.get(target.id.as_str()).cloned().or_else(|| {
                            lambda_name_in_arn(&target.id)
                                .map(|name| id(NodeType::LambdaFunction, name))
                        }),
                        _ => None,
                    };
                    if let Some(destination) = destination {
                        push_when_known(
                            &mut edges,
                            &ids,
                            EdgeKind::RoutesTo,
                            &node.id,
                            destination,
                        );
                    }
                }
            }
            _ => {}
        }
    }
    edges
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn node(node_type: NodeType, raw: &str, properties: serde_json::Value) -> Node {
        Node::aws("us-east-1", node_type, raw, properties)
    }

    #[test]
    fn load_balancer_to_listener_to_group_to_targets() {
        let mut nodes = vec![
            node(
                NodeType::LoadBalancerV2,
                "arn:lb",
                json!({"load_balancer_arn": "arn:lb", "subnet_ids": ["subnet-1", "subnet-gone"], "security_group_ids": ["sg-lb"]}),
            ),
            node(
                NodeType::Listener,
                "arn:l443",
                json!({"listener_arn": "arn:l443", "load_balancer_arn": "arn:lb", "port": 443, "protocol": "HTTPS", "default_actions": [{"action_type": "forward", "target_group_arns": ["arn:tg-i", "arn:tg-ip"]}]}),
            ),
            node(
                NodeType::Listener,
                "arn:l80",
                json!({"listener_arn": "arn:l80", "load_balancer_arn": "arn:lb", "port": 80, "protocol": "HTTP", "default_actions": [{"action_type": "redirect", "redirect_protocol": "HTTPS"}]}),
            ),
            node(
                NodeType::TargetGroup,
                "arn:tg-i",
                json!({"target_group_arn": "arn:tg-i", "target_type": "instance", "targets": [{"id": "i-1"}]}),
            ),
            node(
                NodeType::TargetGroup,
                "arn:tg-ip",
                json!({"target_group_arn": "arn:tg-ip", "target_type": "ip", "vpc_id": "vpc-1", "targets": [{"id": "10.0.2.7"}, {"id": "192.168.0.1"}]}),
            ),
            node(
                NodeType::TargetGroup,
                "arn:tg-fn",
                json!({"target_group_arn": "arn:tg-fn", "target_type": "lambda", "targets": [{"id": "arn:aws:lambda:us-east-1:1:function:hello"}, {"id": "arn:aws:lambda:us-east-1:1:function:gone:live"}]}),
            ),
            node(
                NodeType::LambdaFunction,
                "hello",
                json!({"function_name": "hello", "arn": "arn:aws:lambda:us-east-1:1:function:hello"}),
            ),
            node(NodeType::Instance, "i-1", json!({"instance_id": "i-1"})),
            node(
                NodeType::NetworkInterface,
                "eni-7",
                json!({"network_interface_id": "eni-7", "vpc_id": "vpc-1", "private_ip": "10.0.2.7"}),
            ),
            node(
                NodeType::Subnet,
                "subnet-1",
                json!({"subnet_id": "subnet-1"}),
            ),
            node(
                NodeType::SecurityGroup,
                "sg-lb",
                json!({"group_id": "sg-lb"}),
            ),
        ];
        let edges = link("us-east-1", &mut nodes);
        let mut described: Vec<String> = edges
            .iter()
            .map(|edge| {
                format!(
                    "{} {} {}",
                    edge.src.resource_id(),
                    edge.kind,
                    edge.dst.resource_id()
                )
            })
            .collect();
        described.sort();
        assert_eq!(
            described,
            vec![
                "arn:l443 routes_to arn:tg-i",
                "arn:l443 routes_to arn:tg-ip",
                "arn:lb contains arn:l443",
                "arn:lb contains arn:l80",
                "arn:lb in_subnet subnet-1",
                "arn:lb member_of sg-lb",
                "arn:tg-fn routes_to hello",
                "arn:tg-i routes_to i-1",
                "arn:tg-ip routes_to eni-7",
            ]
        );
        let load_balancer: LoadBalancerV2Properties = nodes[0].properties_as().unwrap();
        let ports: Vec<(Option<i32>, bool)> = load_balancer
            .listeners
            .iter()
            .map(|listener| (listener.port, listener.redirects_to_https))
            .collect();
        assert_eq!(ports, vec![(Some(80), true), (Some(443), false)]);
    }
}
