//! Load balancers in the path tracer. A flow from the internet through a load balancer has two
//! legs, both walked hop by hop with the forward tracer's own steps (`forward::Flow`):
//!
//! 1. internet → load balancer: the scheme (an internal load balancer has no address the internet
//!    reaches), a listener on the port, the route of the load balancer's subnet back to an
//!    attached internet gateway, that subnet's NACL in (and out for the reply, on the ephemeral
//!    ports), and the load balancer's security groups (application and classic load balancers
//!    always, network load balancers when they have groups);
//! 2. load balancer → target on the target group's port: the load balancer's egress rules, both
//!    subnets' NACLs both ways (not within one subnet), and the target's security groups, which
//!    must admit the load balancer's groups or its subnet's addresses, or, when a network load
//!    balancer preserves the client's address, the client itself.
//!
//! IP targets are followed to the network interface holding the address. A Lambda function
//! registered with an application load balancer's target group is reached without a network leg:
//! the load balancer invokes it through the Lambda service, so no security group or network ACL
//! sits on the function's side (a function attached to a VPC uses its groups for its own calls
//! out, not for invocations). Gateway load balancers are not walked (they forward to appliances
//! by GENEVE, not to services the internet addresses). Pure: reads the graph.

use std::collections::HashMap;

use ipnetwork::IpNetwork;
use serde_json::json;

use super::forward::Flow;
use super::network::{Endpoint, NetworkView, PathIndex, Peer};
use super::result::{Disposition, Hop, HopComponent, ReasonCode, Recorder, TraceResult, Verdict};
use super::{Destination, Protocol, TraceQuery};
use crate::graph::TenantGraph;
use crate::model::properties::{
    ClassicLoadBalancerProperties, INTERNET_FACING, ListenerProperties, LoadBalancerV2Properties,
    NetworkInterfaceProperties, RouteTarget, SecurityGroupProperties, SubnetProperties,
    TargetGroupProperties, VpcProperties,
};
use crate::model::{NodeId, NodeType};

/// Which kind of load balancer, as far as the path is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Application,
    Network,
    Classic,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Application => "application load balancer",
            Kind::Network => "network load balancer",
            Kind::Classic => "classic load balancer",
        }
    }
}

/// How a target receives what the load balancer forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Delivery {
    /// Over the VPC network to an address (instance and IP targets).
    Network,
    /// Invoked through the Lambda service (Lambda targets of an application load balancer).
    LambdaInvoke,
}

/// One target a listener hands flows to.
#[derive(Debug, Clone)]
pub(super) struct Backend {
    /// The node the flow is delivered to: the instance, the ENI holding an IP target, or the
    /// Lambda function.
    pub endpoint_node: NodeId,
    /// The node exposure reports it under: the instance an ENI is attached to, else the ENI.
    pub reported_node: NodeId,
    /// The target group (elbv2), or the classic load balancer itself.
    pub group: NodeId,
    pub group_name: String,
    /// The target port; for a Lambda target (which has none) the listener's port.
    pub port: u16,
    pub preserves_client_ip: bool,
    pub delivery: Delivery,
}

#[derive(Debug, Clone)]
pub(super) struct FrontListener {
    pub node_id: NodeId,
    pub port: u16,
    pub protocol: Protocol,
    pub protocol_name: String,
    pub backends: Vec<Backend>,
}

#[derive(Debug, Clone)]
pub(super) struct LoadBalancer {
    pub node_id: NodeId,
    pub name: String,
    pub kind: Kind,
    pub internet_facing: bool,
    pub region: String,
    pub vpc_id: Option<String>,
    pub subnet_ids: Vec<String>,
    pub group_ids: Vec<String>,
    pub dns_name: Option<String>,
    pub listeners: Vec<FrontListener>,
}

/// Every load balancer of a graph with its listeners and resolved targets.
#[derive(Debug, Default)]
pub(super) struct Catalog {
    pub load_balancers: Vec<LoadBalancer>,
    /// Load balancers whose own data (or a listener's, or a target group's) could not be read.
    pub unreadable: Vec<(NodeId, Option<String>, String)>,
}

fn listener_protocol(name: &str) -> Option<Protocol> {
    match name.to_ascii_uppercase().as_str() {
        "HTTP" | "HTTPS" | "TCP" | "TLS" | "SSL" | "TCP_UDP" => Some(Protocol::Tcp),
        "UDP" => Some(Protocol::Udp),
        _ => None,
    }
}

impl Catalog {
    pub fn build(graph: &TenantGraph) -> Catalog {
        let mut catalog = Catalog::default();
        let mut listeners: HashMap<(String, String), Vec<(NodeId, ListenerProperties)>> =
            HashMap::new();
        let mut broken_owners: HashMap<(String, String), String> = HashMap::new();
        for node in graph.nodes_of_type(NodeType::Listener) {
            match node.properties_as::<ListenerProperties>() {
                Ok(listener) => listeners
                    .entry((node.region.clone(), listener.load_balancer_arn.clone()))
                    .or_default()
                    .push((node.id.clone(), listener)),
                Err(error) => {
                    let owner = node
                        .properties
                        .get("load_balancer_arn")
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or_default();
                    broken_owners
                        .insert((node.region.clone(), owner.to_string()), error.to_string());
                }
            }
        }
        let mut groups: HashMap<(String, String), Result<(NodeId, TargetGroupProperties), String>> =
            HashMap::new();
        for node in graph.nodes_of_type(NodeType::TargetGroup) {
            let read = node
                .properties_as::<TargetGroupProperties>()
                .map(|group| (node.id.clone(), group))
                .map_err(|error| error.to_string());
            groups.insert(
                (node.region.clone(), node.id.resource_id().to_string()),
                read,
            );
        }
        let mut interfaces: HashMap<(String, Option<String>, String), (NodeId, NodeId)> =
            HashMap::new();
        for node in graph.nodes_of_type(NodeType::NetworkInterface) {
            let Ok(interface) = node.properties_as::<NetworkInterfaceProperties>() else {
                continue;
            };
            let reported = interface
                .attached_instance_id
                .as_deref()
                .map(|instance| NodeId::aws(&node.region, NodeType::Instance, instance))
                .unwrap_or_else(|| node.id.clone());
            for address in interface
                .private_ip
                .iter()
                .chain(interface.private_ips.iter())
            {
                interfaces.insert(
                    (
                        node.region.clone(),
                        interface.vpc_id.clone(),
                        address.clone(),
                    ),
                    (node.id.clone(), reported.clone()),
                );
            }
        }

        // Lambda targets are registered by function ARN (perhaps with a version or alias).
        let mut functions: HashMap<(String, String), NodeId> = HashMap::new();
        for node in graph.nodes_of_type(NodeType::LambdaFunction) {
            let name = node.id.resource_id().to_string();
            if let Some(arn) = node
                .properties
                .get("arn")
                .and_then(serde_json::Value::as_str)
            {
                functions.insert((node.region.clone(), arn.to_string()), node.id.clone());
            }
            functions.insert((node.region.clone(), name), node.id.clone());
        }

        for node in graph.nodes_of_type(NodeType::LoadBalancerV2) {
            let load_balancer = match node.properties_as::<LoadBalancerV2Properties>() {
                Ok(load_balancer) => load_balancer,
                Err(error) => {
                    let vpc = node
                        .properties
                        .get("vpc_id")
                        .and_then(serde_json::Value::as_str);
                    catalog.unreadable.push((
                        node.id.clone(),
                        vpc.map(str::to_string),
                        error.to_string(),
                    ));
                    continue;
                }
            };
            let kind = match load_balancer.load_balancer_type.as_str() {
                "network" => Kind::Network,
                "gateway" => continue,
                _ => Kind::Application,
            };
            let key = (node.region.clone(), load_balancer.load_balancer_arn.clone());
            if let Some(why) = broken_owners.get(&key) {
                catalog.unreadable.push((
                    node.id.clone(),
                    load_balancer.vpc_id.clone(),
                    why.clone(),
                ));
                continue;
            }
            let mut front = Vec::new();
            let mut broken = None;
            for (listener_id, listener) in listeners.get(&key).into_iter().flatten() {
                let (Some(port), Some(protocol)) = (
                    listener.port.and_then(|port| u16::try_from(port).ok()),
                    listener_protocol(&listener.protocol),
                ) else {
                    continue;
                };
                let mut backends = Vec::new();
                for group_arn in listener.forwarded_target_groups() {
                    let group = match groups.get(&(node.region.clone(), group_arn.clone())) {
                        Some(Ok(group)) => group,
                        Some(Err(why)) => {
                            broken = Some(why.clone());
                            continue;
                        }
                        None => continue,
                    };
                    let (group_id, group) = group;
                    for target in &group.targets {
                        if group.target_type == "lambda" {
                            // Only application load balancers invoke functions.
                            if kind != Kind::Application {
                                continue;
                            }
                            let Some(function) =
                                lambda_function(&functions, &node.region, &target.id)
                            else {
                                continue;
                            };
                            backends.push(Backend {
                                endpoint_node: function.clone(),
                                reported_node: function,
                                group: group_id.clone(),
                                group_name: group.name.clone(),
                                port,
                                preserves_client_ip: false,
                                delivery: Delivery::LambdaInvoke,
                            });
                            continue;
                        }
                        let Some(target_port) = group.target_port(target) else {
                            continue;
                        };
                        let (endpoint_node, reported_node) = match group.target_type.as_str() {
                            "instance" => {
                                let id = NodeId::aws(&node.region, NodeType::Instance, &target.id);
                                (id.clone(), id)
                            }
                            "ip" => match interfaces.get(&(
                                node.region.clone(),
                                group.vpc_id.clone(),
                                target.id.clone(),
                            )) {
                                Some(found) => found.clone(),
                                None => continue,
                            },
                            _ => continue,
                        };
                        backends.push(Backend {
                            endpoint_node,
                            reported_node,
                            group: group_id.clone(),
                            group_name: group.name.clone(),
                            port: target_port,
                            preserves_client_ip: kind == Kind::Network
                                && group.preserves_client_ip(),
                            delivery: Delivery::Network,
                        });
                    }
                }
                front.push(FrontListener {
                    node_id: listener_id.clone(),
                    port,
                    protocol,
                    protocol_name: listener.protocol.clone(),
                    backends,
                });
            }
            if let Some(why) = broken {
                catalog
                    .unreadable
                    .push((node.id.clone(), load_balancer.vpc_id.clone(), why));
                continue;
            }
            front.sort_by_key(|listener| listener.port);
            catalog.load_balancers.push(LoadBalancer {
                node_id: node.id.clone(),
                name: load_balancer.name.clone(),
                kind,
                internet_facing: load_balancer.scheme == INTERNET_FACING,
                region: node.region.clone(),
                vpc_id: load_balancer.vpc_id,
                subnet_ids: load_balancer.subnet_ids,
                group_ids: load_balancer.security_group_ids,
                dns_name: load_balancer.dns_name,
                listeners: front,
            });
        }

        for node in graph.nodes_of_type(NodeType::ClassicLoadBalancer) {
            let load_balancer = match node.properties_as::<ClassicLoadBalancerProperties>() {
                Ok(load_balancer) => load_balancer,
                Err(error) => {
                    let vpc = node
                        .properties
                        .get("vpc_id")
                        .and_then(serde_json::Value::as_str);
                    catalog.unreadable.push((
                        node.id.clone(),
                        vpc.map(str::to_string),
                        error.to_string(),
                    ));
                    continue;
                }
            };
            let mut front: Vec<FrontListener> = load_balancer
                .listeners
                .iter()
                .filter_map(|listener| {
                    let port = u16::try_from(listener.load_balancer_port).ok()?;
                    let target_port = listener
                        .instance_port
                        .and_then(|port| u16::try_from(port).ok())?;
                    Some(FrontListener {
                        node_id: node.id.clone(),
                        port,
                        protocol: listener_protocol(&listener.protocol).unwrap_or(Protocol::Tcp),
                        protocol_name: listener.protocol.clone(),
                        backends: load_balancer
                            .instance_ids
                            .iter()
                            .map(|instance| {
                                let id = NodeId::aws(&node.region, NodeType::Instance, instance);
                                Backend {
                                    endpoint_node: id.clone(),
                                    reported_node: id,
                                    group: node.id.clone(),
                                    group_name: load_balancer.name.clone(),
                                    port: target_port,
                                    preserves_client_ip: false,
                                    delivery: Delivery::Network,
                                }
                            })
                            .collect(),
                    })
                })
                .collect();
            front.sort_by_key(|listener| listener.port);
            catalog.load_balancers.push(LoadBalancer {
                node_id: node.id.clone(),
                name: load_balancer.name.clone(),
                kind: Kind::Classic,
                internet_facing: load_balancer.scheme == INTERNET_FACING,
                region: node.region.clone(),
                vpc_id: load_balancer.vpc_id,
                subnet_ids: load_balancer.subnet_ids,
                group_ids: load_balancer.security_group_ids,
                dns_name: load_balancer.dns_name,
                listeners: front,
            });
        }
        catalog
            .load_balancers
            .sort_by(|left, right| left.node_id.cmp(&right.node_id));
        catalog
    }
}

/// The function node a Lambda target names: by its ARN as registered, else by the function name
/// inside the ARN (`arn:aws:lambda:region:account:function:name[:qualifier]`), else as a name.
fn lambda_function(
    functions: &HashMap<(String, String), NodeId>,
    region: &str,
    target: &str,
) -> Option<NodeId> {
    let key = |raw: &str| (region.to_string(), raw.to_string());
    if let Some(found) = functions.get(&key(target)) {
        return Some(found.clone());
    }
    let parts: Vec<&str> = target.split(':').collect();
    let name = match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name, ..] => *name,
        _ => target,
    };
    functions.get(&key(name)).cloned()
}

fn id(region: &str, node_type: NodeType, raw: &str) -> String {
    NodeId::aws(region, node_type, raw).to_string()
}

/// The load balancer as an endpoint in one of its subnets (its node there).
fn front_endpoint(
    view: &NetworkView<'_>,
    load_balancer: &LoadBalancer,
    subnet_id: &str,
) -> Result<Endpoint, String> {
    let region = load_balancer.region.as_str();
    let subnet: SubnetProperties = view.typed(region, NodeType::Subnet, subnet_id)?;
    let vpc_id = load_balancer
        .vpc_id
        .clone()
        .or(subnet.vpc_id.clone())
        .ok_or("the load balancer has no VPC")?;
    let vpc: VpcProperties = view.typed(region, NodeType::Vpc, &vpc_id)?;
    let mut groups = Vec::new();
    for group_id in &load_balancer.group_ids {
        groups.push(view.typed::<SecurityGroupProperties>(
            region,
            NodeType::SecurityGroup,
            group_id,
        )?);
    }
    Ok(Endpoint {
        node_id: load_balancer.node_id.clone(),
        region: region.to_string(),
        subnet,
        vpc,
        group_ids: load_balancer.group_ids.clone(),
        groups,
        private_ips: Vec::new(),
        public_ip: None,
        ipv6_addresses: Vec::new(),
    })
}

type Step = Result<(), (Disposition, bool)>;

fn missing(
    flow: &mut Flow<'_>,
    node_id: &str,
    component: HopComponent,
    what: String,
) -> (Disposition, bool) {
    flow.recorder.assume(what.clone());
    flow.recorder.hop(
        node_id,
        component,
        Verdict::Unknown,
        None,
        ReasonCode::MissingData,
        format!("cannot decide at {component}: {what}"),
    );
    (Disposition::InsufficientInfo, false)
}

/// The scheme and the listener on the traced port: what the internet meets first.
fn entry<'l>(
    flow: &mut Flow<'_>,
    load_balancer: &'l LoadBalancer,
    port: u16,
    protocol: Protocol,
) -> Result<&'l FrontListener, (Disposition, bool)> {
    let node_id = load_balancer.node_id.to_string();
    let kind = load_balancer.kind.as_str();
    let name = &load_balancer.name;
    if !load_balancer.internet_facing {
        flow.recorder.hop(&node_id, HopComponent::LoadBalancer, Verdict::Deny, Some(json!({"scheme": "internal"})), ReasonCode::LbInternal, format!("{kind} {name} is internal: it has no address the internet can reach, only addresses inside its VPC"));
        return Err((Disposition::NoRoute, false));
    }
    flow.recorder.hop(
        &node_id,
        HopComponent::LoadBalancer,
        Verdict::Forward,
        Some(json!({"scheme": INTERNET_FACING, "dns_name": load_balancer.dns_name})),
        ReasonCode::LbInternetFacing,
        format!(
            "{kind} {name} is internet-facing{}",
            load_balancer
                .dns_name
                .as_ref()
                .map(|dns| format!(" at {dns}"))
                .unwrap_or_default()
        ),
    );
    let Some(listener) = load_balancer
        .listeners
        .iter()
        .find(|listener| listener.port == port && listener.protocol == protocol)
    else {
        let ports: Vec<String> = load_balancer
            .listeners
            .iter()
            .map(|listener| format!("{} {}", listener.protocol_name, listener.port))
            .collect();
        flow.recorder.hop(
            &node_id,
            HopComponent::LoadBalancerListener,
            Verdict::Deny,
            Some(json!({"listeners": ports})),
            ReasonCode::NoListenerOnPort,
            format!(
                "{name} has no listener on {} {port} (its listeners: {})",
                protocol.as_str().to_uppercase(),
                if ports.is_empty() {
                    "none".to_string()
                } else {
                    ports.join(", ")
                }
            ),
        );
        return Err((Disposition::DeniedIn, false));
    };
    flow.recorder.hop(listener.node_id.as_str(), HopComponent::LoadBalancerListener, Verdict::Forward, Some(json!({"listener_id": listener.node_id, "protocol": listener.protocol_name, "port": port})), ReasonCode::ListenerForwards, format!("listener {} {port} of {name} accepts the flow", listener.protocol_name));
    Ok(listener)
}

/// internet → the load balancer's node in `front`'s subnet.
fn front_leg(
    flow: &mut Flow<'_>,
    load_balancer: &LoadBalancer,
    front: &Endpoint,
    client: &IpNetwork,
) -> Step {
    let region = load_balancer.region.as_str();
    let subnet_id = front.subnet.subnet_id.clone();
    let table = match flow.view.route_table(region, &front.subnet, &front.vpc) {
        Ok(table) => table,
        Err(what) => {
            return Err(missing(
                flow,
                &id(region, NodeType::Subnet, &subnet_id),
                HopComponent::RouteTable,
                what,
            ));
        }
    };
    let table_node = id(region, NodeType::RouteTable, &table.route_table_id);
    let route = flow
        .view
        .longest_prefix_route(region, &table, client)
        .filter(|(route, _)| {
            route.target_type == RouteTarget::InternetGateway && route.state != "blackhole"
        });
    let Some((route, network)) = route else {
        flow.recorder.hop(&table_node, HopComponent::RouteTable, Verdict::Deny, Some(json!({"route_table_id": table.route_table_id, "subnet_id": subnet_id})), ReasonCode::NoRouteToDestination, format!("route table {} of the load balancer's subnet {subnet_id} has no route to {client} through an internet gateway: the internet cannot reach the load balancer there", table.route_table_id));
        return Err((Disposition::NoRoute, false));
    };
    let gateway_node = id(region, NodeType::InternetGateway, &route.target_id);
    match flow
        .view
        .attached_internet_gateway(region, &route.target_id, &front.vpc.vpc_id)
    {
        Ok(true) => {}
        Ok(false) => {
            flow.recorder.hop(
                &gateway_node,
                HopComponent::InternetGateway,
                Verdict::Deny,
                None,
                ReasonCode::IgwNotAttached,
                format!(
                    "internet gateway {} is not attached to VPC {}",
                    route.target_id, front.vpc.vpc_id
                ),
            );
            return Err((Disposition::NoRoute, false));
        }
        Err(what) => {
            return Err(missing(
                flow,
                &gateway_node,
                HopComponent::InternetGateway,
                what,
            ));
        }
    }
    flow.recorder.hop(
        &gateway_node,
        HopComponent::InternetGateway,
        Verdict::Forward,
        Some(json!({"internet_gateway_id": route.target_id, "vpc_id": front.vpc.vpc_id})),
        ReasonCode::IgwForwards,
        format!(
            "internet gateway {} is attached to {} and carries {client} to the load balancer",
            route.target_id, front.vpc.vpc_id
        ),
    );
    flow.recorder.hop(&table_node, HopComponent::RouteTable, Verdict::Forward, Some(json!({"route_table_id": table.route_table_id, "destination": network.to_string(), "target_id": route.target_id})), ReasonCode::RouteMatched, format!("route table {} of the load balancer's subnet {subnet_id} routes {network} back to {}", table.route_table_id, route.target_id));
    let (subnet, vpc) = (front.subnet.clone(), front.vpc.clone());
    flow.nacl(front, &subnet, &vpc, false, client)?;
    if load_balancer.group_ids.is_empty() {
        flow.recorder.hop(
            load_balancer.node_id.as_str(),
            HopComponent::SecurityGroupIngress,
            Verdict::Skip,
            None,
            ReasonCode::SgAllowsIngress,
            format!(
                "{} {} has no security groups: nothing filters the flow at it",
                load_balancer.kind.as_str(),
                load_balancer.name
            ),
        );
    } else {
        flow.security_groups(
            front,
            false,
            &Peer {
                network: *client,
                group_ids: &[],
            },
        )?;
    }
    flow.return_nacl(region, &subnet, &vpc, true, client)
}

/// The load balancer's node in `front`'s subnet → the backend, and the replies.
fn back_leg(
    flow: &mut Flow<'_>,
    load_balancer: &LoadBalancer,
    listener: &FrontListener,
    front: &Endpoint,
    backend: &Backend,
    client: &IpNetwork,
) -> Step {
    flow.port = Some(backend.port);
    let region = load_balancer.region.as_str();
    if backend.delivery == Delivery::LambdaInvoke {
        return invoke_function(flow, load_balancer, listener, backend);
    }
    let Some(target_node) = flow.view.graph.node(&backend.endpoint_node) else {
        return Err(missing(
            flow,
            backend.endpoint_node.as_str(),
            HopComponent::Destination,
            format!(
                "target {} is not in the graph",
                backend.endpoint_node.resource_id()
            ),
        ));
    };
    let target = match flow.view.endpoint(target_node) {
        Ok(target) => target,
        Err(what) => {
            return Err(missing(
                flow,
                backend.endpoint_node.as_str(),
                HopComponent::Destination,
                what,
            ));
        }
    };
    let source_network = if backend.preserves_client_ip {
        *client
    } else {
        match front
            .subnet
            .cidr_block
            .as_deref()
            .and_then(super::matching::parse_network)
        {
            Some(network) => network,
            None => {
                return Err(missing(
                    flow,
                    &id(region, NodeType::Subnet, &front.subnet.subnet_id),
                    HopComponent::TargetGroup,
                    format!(
                        "subnet {} of the load balancer has no IPv4 CIDR",
                        front.subnet.subnet_id
                    ),
                ));
            }
        }
    };
    let source_text = if backend.preserves_client_ip {
        format!("with the client's own address {client} (client IP preservation)")
    } else {
        format!("from the load balancer's addresses in {source_network}")
    };
    flow.recorder.hop(backend.group.as_str(), HopComponent::TargetGroup, Verdict::Forward, Some(json!({"load_balancer_id": load_balancer.node_id, "listener_port": listener.port, "target_group": backend.group_name, "target_id": backend.reported_node, "target_port": backend.port, "preserves_client_ip": backend.preserves_client_ip})), ReasonCode::TargetGroupForwards, format!("through {} on {} → {}: {} forwards to {} {source_text}", load_balancer.name, listener.port, backend.port, backend.group_name, backend.reported_node.resource_id()));
    if target.vpc.vpc_id != front.vpc.vpc_id {
        flow.recorder.hop(
            target.node_id.as_str(),
            HopComponent::Destination,
            Verdict::Deny,
            None,
            ReasonCode::NoRouteToDestination,
            format!(
                "target {} is in VPC {}, not the load balancer's VPC {}",
                target.node_id.resource_id(),
                target.vpc.vpc_id,
                front.vpc.vpc_id
            ),
        );
        return Err((Disposition::NoRoute, false));
    }
    let Some(target_address) = target.address(false) else {
        return Err(missing(
            flow,
            target.node_id.as_str(),
            HopComponent::Destination,
            "the target has no private IPv4 address".into(),
        ));
    };
    if !load_balancer.group_ids.is_empty() {
        flow.security_groups(
            front,
            true,
            &Peer {
                network: target_address,
                group_ids: &target.group_ids,
            },
        )?;
    }
    let same_subnet = front.subnet.subnet_id == target.subnet.subnet_id;
    if same_subnet {
        flow.recorder.hop(
            &id(region, NodeType::Subnet, &target.subnet.subnet_id),
            HopComponent::NetworkAcl,
            Verdict::Skip,
            None,
            ReasonCode::NaclSkippedSameSubnet,
            format!(
                "the load balancer and the target are both in subnet {}: network ACLs do not apply",
                target.subnet.subnet_id
            ),
        );
    } else {
        let (subnet, vpc) = (front.subnet.clone(), front.vpc.clone());
        flow.nacl(front, &subnet, &vpc, true, &target_address)?;
        let (target_subnet, target_vpc) = (target.subnet.clone(), target.vpc.clone());
        flow.nacl(&target, &target_subnet, &target_vpc, false, &source_network)?;
    }
    flow.security_groups(
        &target,
        false,
        &Peer {
            network: source_network,
            group_ids: &load_balancer.group_ids,
        },
    )?;
    if !same_subnet {
        flow.return_nacl(region, &target.subnet, &target.vpc, true, &source_network)?;
        flow.return_nacl(region, &front.subnet, &front.vpc, false, &target_address)?;
    }
    Ok(())
}

/// The load balancer → a Lambda function: the target group invokes it through the Lambda
/// service; nothing on the function's side filters by address or group.
fn invoke_function(
    flow: &mut Flow<'_>,
    load_balancer: &LoadBalancer,
    listener: &FrontListener,
    backend: &Backend,
) -> Step {
    let function = backend.endpoint_node.resource_id().to_string();
    if flow.view.graph.node(&backend.endpoint_node).is_none() {
        return Err(missing(
            flow,
            backend.endpoint_node.as_str(),
            HopComponent::Destination,
            format!("Lambda function {function} is not in the graph"),
        ));
    }
    flow.recorder.hop(backend.group.as_str(), HopComponent::TargetGroup, Verdict::Forward, Some(json!({"load_balancer_id": load_balancer.node_id, "listener_port": listener.port, "target_group": backend.group_name, "target_id": backend.reported_node, "target_type": "lambda"})), ReasonCode::TargetGroupForwards, format!("through {} on {} → Lambda function {function}: {} invokes it with each request", load_balancer.name, listener.port, backend.group_name));
    flow.recorder.hop(backend.endpoint_node.as_str(), HopComponent::Destination, Verdict::Allow, Some(json!({"function": function, "invoked_by": load_balancer.node_id})), ReasonCode::LbInvokesFunction, format!("the load balancer invokes Lambda function {function} through the Lambda service: no security group or network ACL applies on the function's side"));
    Ok(())
}

fn internet() -> IpNetwork {
    // Invariant: the literal parses.
    "0.0.0.0/0".parse().expect("literal network")
}

/// A flow that got through the front leg: where it stands, ready to walk on to a target.
struct Front<'g, 'l> {
    flow: Flow<'g>,
    listener: &'l FrontListener,
    endpoint: Endpoint,
}

/// Walks internet → `load_balancer` on `port` through its node in `subnet_id`: the flow after the
/// front leg, or the hops and how it ended when it did not get through.
fn walk_front<'g, 'l>(
    graph: &'g TenantGraph,
    index: Option<&'g PathIndex>,
    load_balancer: &'l LoadBalancer,
    port: u16,
    protocol: Protocol,
    subnet_id: Option<&str>,
) -> Result<Front<'g, 'l>, (Recorder, Disposition)> {
    let mut flow = Flow {
        view: NetworkView::new(graph, index),
        protocol,
        port: Some(port),
        recorder: Recorder::default(),
    };
    let client = internet();
    let outcome = (|| {
        let listener = entry(&mut flow, load_balancer, port, protocol)?;
        let Some(subnet_id) = subnet_id else {
            return Err(missing(
                &mut flow,
                load_balancer.node_id.as_str(),
                HopComponent::LoadBalancer,
                format!("{} has no subnets", load_balancer.name),
            ));
        };
        let front = match front_endpoint(&flow.view, load_balancer, subnet_id) {
            Ok(front) => front,
            Err(what) => {
                return Err(missing(
                    &mut flow,
                    load_balancer.node_id.as_str(),
                    HopComponent::LoadBalancer,
                    what,
                ));
            }
        };
        front_leg(&mut flow, load_balancer, &front, &client)?;
        Ok((listener, front))
    })();
    match outcome {
        Ok((listener, endpoint)) => Ok(Front {
            flow,
            listener,
            endpoint,
        }),
        Err((disposition, _)) => Err((flow.recorder, disposition)),
    }
}

/// Walks on from a flow past the front leg to the target `wanted`; the hops and how it ended.
fn walk_back(
    front: &Front<'_, '_>,
    load_balancer: &LoadBalancer,
    port: u16,
    wanted: &NodeId,
) -> (Recorder, Disposition) {
    let mut flow = front.flow.clone();
    let listener = front.listener;
    let client = internet();
    let outcome = (|| {
        let Some(chosen) = listener.backends.iter().find(|candidate| {
            &candidate.endpoint_node == wanted || &candidate.reported_node == wanted
        }) else {
            flow.recorder.hop(
                listener.node_id.as_str(),
                HopComponent::TargetGroup,
                Verdict::Deny,
                None,
                ReasonCode::NoLoadBalancerToTarget,
                format!(
                    "listener {} {port} of {} forwards to no target group that holds {}",
                    listener.protocol_name,
                    load_balancer.name,
                    wanted.resource_id()
                ),
            );
            return Err((Disposition::NoRoute, false));
        };
        back_leg(
            &mut flow,
            load_balancer,
            listener,
            &front.endpoint,
            chosen,
            &client,
        )
    })();
    let disposition = match outcome {
        Ok(()) => Disposition::Accepted,
        Err((disposition, _)) => disposition,
    };
    (flow.recorder, disposition)
}

/// Walks internet → `load_balancer` on `port` through its node in `subnet_id` and, when
/// `backend` is given, on to that target; returns the hops and how it ended.
fn attempt(
    graph: &TenantGraph,
    index: Option<&PathIndex>,
    load_balancer: &LoadBalancer,
    port: u16,
    protocol: Protocol,
    subnet_id: Option<&str>,
    backend: Option<&NodeId>,
) -> (Recorder, Disposition) {
    let front = match walk_front(graph, index, load_balancer, port, protocol, subnet_id) {
        Ok(front) => front,
        Err(stopped) => return stopped,
    };
    match backend {
        None => (front.flow.recorder, Disposition::Accepted),
        Some(wanted) => walk_back(&front, load_balancer, port, wanted),
    }
}

/// A trace from the internet to a load balancer, or to a target through the load balancers in
/// front of it (both legs hop by hop). Tries every load balancer holding the target and every
/// subnet of each; answers the first path that gets through, else the attempt that got furthest.
pub(super) fn trace_from_internet(
    graph: &TenantGraph,
    index: Option<&PathIndex>,
    query: &TraceQuery,
) -> Result<TraceResult, String> {
    let Destination::Node(destination) = &query.destination else {
        return Err("trace from the internet to a node (`destination_node_id`): a load balancer or a target behind one".into());
    };
    let port = query.port.ok_or("trace from the internet needs a port")?;
    let catalog = Catalog::build(graph);
    if let Some((_, _, why)) = catalog
        .unreadable
        .iter()
        .find(|(node, _, _)| node == destination)
    {
        let mut recorder = Recorder::default();
        recorder.assume(why.clone());
        recorder.hop(
            destination.as_str(),
            HopComponent::Destination,
            Verdict::Unknown,
            None,
            ReasonCode::MissingData,
            format!("cannot decide at destination: {why}"),
        );
        return Ok(recorder.finish(Disposition::InsufficientInfo));
    }
    let mut attempts: Vec<(&LoadBalancer, Option<&NodeId>)> = Vec::new();
    if let Some(load_balancer) = catalog
        .load_balancers
        .iter()
        .find(|candidate| &candidate.node_id == destination)
    {
        attempts.push((load_balancer, None));
    } else {
        let holds = |load_balancer: &LoadBalancer, on_port: bool| {
            load_balancer.listeners.iter().any(|listener| {
                (!on_port || (listener.port == port && listener.protocol == query.protocol))
                    && listener.backends.iter().any(|backend| {
                        &backend.endpoint_node == destination
                            || &backend.reported_node == destination
                    })
            })
        };
        attempts.extend(
            catalog
                .load_balancers
                .iter()
                .filter(|candidate| holds(candidate, true))
                .map(|candidate| (candidate, Some(destination))),
        );
        if attempts.is_empty() {
            attempts.extend(
                catalog
                    .load_balancers
                    .iter()
                    .filter(|candidate| holds(candidate, false))
                    .map(|candidate| (candidate, Some(destination))),
            );
        }
    }
    if attempts.is_empty() {
        let mut recorder = Recorder::default();
        recorder.hop(destination.as_str(), HopComponent::Destination, Verdict::Deny, None, ReasonCode::NoLoadBalancerToTarget, format!("no load balancer in the graph forwards to {}: the tracer answers internet traces through load balancers (see /exposure for direct exposure)", destination.resource_id()));
        return Ok(recorder.finish(Disposition::NoRoute));
    }
    let mut furthest: Option<(Recorder, Disposition)> = None;
    for (load_balancer, backend) in attempts {
        let subnets: Vec<Option<&str>> = if load_balancer.subnet_ids.is_empty() {
            vec![None]
        } else {
            load_balancer
                .subnet_ids
                .iter()
                .map(|subnet| Some(subnet.as_str()))
                .collect()
        };
        for subnet in subnets {
            let (recorder, disposition) = attempt(
                graph,
                index,
                load_balancer,
                port,
                query.protocol,
                subnet,
                backend,
            );
            if disposition.is_reachable() {
                return Ok(recorder.finish(disposition));
            }
            let further = furthest.as_ref().is_none_or(|(best, _)| {
                recorder.forward.len() + recorder.returning.len()
                    > best.forward.len() + best.returning.len()
            });
            if further {
                furthest = Some((recorder, disposition));
            }
        }
    }
    // Invariant: `attempts` was not empty, so at least one attempt ran.
    let (recorder, disposition) = furthest.expect("an attempt ran");
    Ok(recorder.finish(disposition))
}

/// A recorded path as one proof: forward hops, then the return hops, numbered in order.
fn proof(recorder: Recorder) -> Vec<Hop> {
    let mut path: Vec<Hop> = recorder
        .forward
        .into_iter()
        .chain(recorder.returning)
        .collect();
    for (seq, hop) in path.iter_mut().enumerate() {
        hop.seq = seq + 1;
    }
    path
}

/// An internet-facing load balancer the internet reaches: its DNS name, its open listeners and
/// the front leg as proof.
#[derive(Debug)]
pub(super) struct ExposedLoadBalancer {
    pub node_id: NodeId,
    pub dns_name: Option<String>,
    pub open: Vec<(Protocol, u16)>,
    pub path: Vec<Hop>,
}

/// What the internet reaches through one internet-facing load balancer: its open listeners
/// (with the front leg as proof) and each target reachable behind them (both legs).
#[derive(Debug, Default)]
pub(super) struct ThroughLoadBalancer {
    pub load_balancer: Option<ExposedLoadBalancer>,
    pub targets: Vec<(NodeId, Protocol, u16, Vec<Hop>)>,
}

/// The exposure of one load balancer and of the targets behind it.
pub(super) fn exposure_of(
    graph: &TenantGraph,
    index: Option<&PathIndex>,
    load_balancer: &LoadBalancer,
) -> ThroughLoadBalancer {
    let mut through = ThroughLoadBalancer::default();
    if !load_balancer.internet_facing {
        return through;
    }
    let mut open = Vec::new();
    let mut front_proof = Vec::new();
    for listener in &load_balancer.listeners {
        // The front leg is walked once per subnet; each target continues from a copy of it.
        let open_fronts: Vec<Front<'_, '_>> = load_balancer
            .subnet_ids
            .iter()
            .filter_map(|subnet| {
                walk_front(
                    graph,
                    index,
                    load_balancer,
                    listener.port,
                    listener.protocol,
                    Some(subnet),
                )
                .ok()
            })
            .collect();
        let Some(first) = open_fronts.first() else {
            continue;
        };
        open.push((listener.protocol, listener.port));
        if front_proof.is_empty() {
            front_proof = proof(first.flow.recorder.clone());
        }
        let mut seen = std::collections::HashSet::new();
        for backend in &listener.backends {
            if !seen.insert((&backend.endpoint_node, backend.port)) {
                continue;
            }
            for front in &open_fronts {
                let (recorder, disposition) =
                    walk_back(front, load_balancer, listener.port, &backend.endpoint_node);
                if disposition.is_reachable() {
                    through.targets.push((
                        backend.reported_node.clone(),
                        listener.protocol,
                        backend.port,
                        proof(recorder),
                    ));
                    break;
                }
            }
        }
    }
    if !open.is_empty() {
        through.load_balancer = Some(ExposedLoadBalancer {
            node_id: load_balancer.node_id.clone(),
            dns_name: load_balancer.dns_name.clone(),
            open,
            path: front_proof,
        });
    }
    through
}
