//! Managed endpoints as the internet sees them: an RDS DB instance, an EKS cluster's API endpoint,
//! a Lambda function URL. Each is judged from a source address (all of IPv4, `0.0.0.0/0`, for the
//! exposure report; any public CIDR for a single question) with hop-by-hop evidence:
//!
//! - **RDS instance**: reachable only when publicly accessible (AWS then gives its endpoint a
//!   public address), its subnet routes the source to an attached internet gateway, the subnet's
//!   NACL admits the DB port in and the ephemeral ports out, and a security group admits the port:
//!   the same checks as an instance with a public address, made by the same `NetworkView`.
//! - **EKS API endpoint**: AWS-managed, so no VPC component decides: public access must be on and
//!   a public access CIDR must contain the source; it listens on TCP 443 only.
//! - **Lambda function URL**: TCP 443; auth type `NONE` lets anyone invoke it, `AWS_IAM` only
//!   signed requests (not exposed).
//!
//! Pure: reads the graph, returns data. Missing data is INSUFFICIENT_INFO, never a guess.

use ipnetwork::IpNetwork;
use serde_json::json;

use super::Protocol;
use super::exposure::{AddressFamily, ExposureEntry, OpenPorts};
use super::matching;
use super::network::{Endpoint, NetworkView, Peer};
use super::result::{Disposition, HopComponent, ReasonCode, Recorder, TraceResult, Verdict};
use crate::model::properties::{
    EksClusterProperties, LambdaFunctionProperties, RdsDbInstanceProperties, RouteTarget,
    SecurityGroupProperties, SubnetProperties, VpcProperties,
};
use crate::model::{Node, NodeId, NodeType};

/// The node types this module answers for.
pub const MANAGED_TYPES: [NodeType; 3] = [
    NodeType::RdsDbInstance,
    NodeType::EksCluster,
    NodeType::LambdaFunction,
];

const HTTPS: u16 = 443;

fn typed<T: crate::model::NodeProperties>(
    view: &NetworkView<'_>,
    region: &str,
    node_type: NodeType,
    raw_id: &str,
) -> Result<T, String> {
    view.node(region, node_type, raw_id)
        .ok_or_else(|| format!("{node_type} {raw_id} is not in the graph"))?
        .properties_as::<T>()
        .map_err(|error| error.to_string())
}

/// An RDS instance as a network endpoint: its placement subnet, VPC and security groups. It has
/// no known private address (RDS does not report it), so a trace towards it aims at its subnet.
pub fn rds_endpoint(view: &NetworkView<'_>, node: &Node) -> Result<Endpoint, String> {
    let db: RdsDbInstanceProperties = node.properties_as().map_err(|error| error.to_string())?;
    let region = node.region.as_str();
    let subnet_id = db.placement_subnet_id.clone().ok_or_else(|| {
        format!(
            "the subnet of DB instance {} is not known (its subnet group has [{}] and none is \
             alone in its availability zone)",
            db.db_instance_identifier,
            db.subnet_ids.join(", ")
        )
    })?;
    let subnet: SubnetProperties = typed(view, region, NodeType::Subnet, &subnet_id)?;
    let vpc_id = db
        .vpc_id
        .clone()
        .or(subnet.vpc_id.clone())
        .ok_or("the DB instance has no VPC")?;
    let vpc: VpcProperties = typed(view, region, NodeType::Vpc, &vpc_id)?;
    let mut groups = Vec::new();
    for group_id in &db.security_group_ids {
        groups.push(typed::<SecurityGroupProperties>(
            view,
            region,
            NodeType::SecurityGroup,
            group_id,
        )?);
    }
    Ok(Endpoint {
        node_id: node.id.clone(),
        region: region.to_string(),
        subnet,
        vpc,
        group_ids: db.security_group_ids.clone(),
        groups,
        private_ips: Vec::new(),
        public_ip: db
            .publicly_accessible
            .then(|| db.endpoint_address.clone())
            .flatten(),
        ipv6_addresses: Vec::new(),
    })
}

/// Why a step stopped the walk (its hop is already recorded).
type Stop = Disposition;

fn missing(recorder: &mut Recorder, node_id: &str, what: String) -> Stop {
    recorder.assume(what.clone());
    recorder.hop(
        node_id,
        HopComponent::ManagedEndpoint,
        Verdict::Unknown,
        None,
        ReasonCode::MissingData,
        format!("cannot decide: {what}"),
    );
    Disposition::InsufficientInfo
}

fn walk_rds(
    view: &NetworkView<'_>,
    node: &Node,
    source: &IpNetwork,
    port: u16,
    recorder: &mut Recorder,
) -> Result<(), Stop> {
    let node_id = node.id.as_str();
    let db: RdsDbInstanceProperties = node
        .properties_as()
        .map_err(|error| missing(recorder, node_id, error.to_string()))?;
    let name = &db.db_instance_identifier;
    if !db.publicly_accessible {
        recorder.hop(node_id, HopComponent::ManagedEndpoint, Verdict::Deny, Some(json!({"publicly_accessible": false})), ReasonCode::NotPubliclyAccessible, format!("DB instance {name} is not publicly accessible: its endpoint has only a private address"));
        return Err(Disposition::DeniedIn);
    }
    let Some(db_port) = db.endpoint_port else {
        return Err(missing(
            recorder,
            node_id,
            format!("DB instance {name} has no known port"),
        ));
    };
    if i32::from(port) != db_port {
        recorder.hop(
            node_id,
            HopComponent::ManagedEndpoint,
            Verdict::Deny,
            Some(json!({"endpoint_port": db_port})),
            ReasonCode::EndpointPortClosed,
            format!("DB instance {name} listens on TCP {db_port} only, not {port}"),
        );
        return Err(Disposition::DeniedIn);
    }
    let endpoint = rds_endpoint(view, node).map_err(|what| missing(recorder, node_id, what))?;
    recorder.hop(node_id, HopComponent::ManagedEndpoint, Verdict::Allow, Some(json!({"publicly_accessible": true, "endpoint_address": db.endpoint_address, "endpoint_port": db_port, "subnet_id": endpoint.subnet.subnet_id})), ReasonCode::PubliclyAccessible, format!("DB instance {name} is publicly accessible: its endpoint resolves to a public address in subnet {}", endpoint.subnet.subnet_id));
    let region = endpoint.region.as_str();
    let table = view
        .route_table(region, &endpoint.subnet, &endpoint.vpc)
        .map_err(|what| missing(recorder, node_id, what))?;
    let table_node = NodeId::aws(region, NodeType::RouteTable, &table.route_table_id).to_string();
    let route = view.longest_prefix_route(region, &table, source);
    let Some((route, network)) = route.filter(|(route, _)| {
        route.target_type == RouteTarget::InternetGateway && route.state != "blackhole"
    }) else {
        recorder.hop(&table_node, HopComponent::RouteTable, Verdict::Deny, Some(json!({"route_table_id": table.route_table_id})), ReasonCode::NoRouteToDestination, format!("route table {} of subnet {} has no route to {source} through an internet gateway: the public address is unreachable", table.route_table_id, endpoint.subnet.subnet_id));
        return Err(Disposition::NoRoute);
    };
    let gateway_node = NodeId::aws(region, NodeType::InternetGateway, &route.target_id).to_string();
    match view.attached_internet_gateway(region, &route.target_id, &endpoint.vpc.vpc_id) {
        Ok(true) => {}
        Ok(false) => {
            recorder.hop(
                &gateway_node,
                HopComponent::InternetGateway,
                Verdict::Deny,
                Some(json!({"internet_gateway_id": route.target_id})),
                ReasonCode::IgwNotAttached,
                format!(
                    "internet gateway {} is not attached to VPC {}",
                    route.target_id, endpoint.vpc.vpc_id
                ),
            );
            return Err(Disposition::NoRoute);
        }
        Err(what) => return Err(missing(recorder, node_id, what)),
    }
    recorder.hop(&gateway_node, HopComponent::InternetGateway, Verdict::Forward, Some(json!({"internet_gateway_id": route.target_id, "vpc_id": endpoint.vpc.vpc_id})), ReasonCode::IgwForwards, format!("internet gateway {} is attached to {} and forwards {source} to the DB's public address", route.target_id, endpoint.vpc.vpc_id));
    recorder.hop(&table_node, HopComponent::RouteTable, Verdict::Forward, Some(json!({"route_table_id": table.route_table_id, "destination": network.to_string(), "prefix_length": network.prefix(), "target_type": route.target_type, "target_id": route.target_id})), ReasonCode::RouteMatched, format!("route table {} routes replies to {source} via {network} to {}", table.route_table_id, route.target_id));
    let (acl_id, acl) = view
        .network_acl(region, &endpoint.subnet, &endpoint.vpc)
        .map_err(|what| missing(recorder, node_id, what))?;
    let acl_node = NodeId::aws(region, NodeType::NetworkAcl, &acl_id).to_string();
    let (allowed, matched) =
        NetworkView::nacl_decision(&acl, false, Protocol::Tcp, Some(port), source);
    let rule = matched["rule_number"]
        .to_string()
        .trim_matches('"')
        .to_string();
    if !allowed {
        let code = if rule == "*" {
            ReasonCode::NaclImplicitDeny
        } else {
            ReasonCode::NaclDenyRule
        };
        recorder.hop(
            &acl_node,
            HopComponent::NetworkAclInbound,
            Verdict::Deny,
            Some(matched),
            code,
            format!("network ACL {acl_id} rule {rule} denies TCP {port} inbound from {source}"),
        );
        return Err(Disposition::DeniedIn);
    }
    recorder.hop(
        &acl_node,
        HopComponent::NetworkAclInbound,
        Verdict::Allow,
        Some(matched),
        ReasonCode::NaclAllowRule,
        format!("network ACL {acl_id} rule {rule} allows TCP {port} inbound from {source}"),
    );
    let peer = Peer {
        network: *source,
        group_ids: &[],
    };
    match view.security_group_match(
        region,
        &endpoint.groups,
        false,
        Protocol::Tcp,
        Some(port),
        &peer,
    ) {
        Ok(Some(matched)) => {
            let group = matched["security_group_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            recorder.hop(
                &NodeId::aws(region, NodeType::SecurityGroup, &group).to_string(),
                HopComponent::SecurityGroupIngress,
                Verdict::Allow,
                Some(matched),
                ReasonCode::SgAllowsIngress,
                format!("security group {group} allows TCP {port} from {source}"),
            );
        }
        Ok(None) => {
            recorder.hop(
                node_id,
                HopComponent::SecurityGroupIngress,
                Verdict::Deny,
                Some(json!({"security_group_ids": endpoint.group_ids})),
                ReasonCode::SgNoMatchingIngressRule,
                format!(
                    "no ingress rule of security groups [{}] on DB instance {name} allows TCP {port} from {source}",
                    endpoint.group_ids.join(", ")
                ),
            );
            return Err(Disposition::DeniedIn);
        }
        Err(unresolved) => {
            return Err(missing(
                recorder,
                node_id,
                format!(
                    "prefix lists could not be resolved: {}",
                    unresolved.join("; ")
                ),
            ));
        }
    }
    let (return_ok, return_evidence) =
        NetworkView::nacl_allows_ephemeral(&acl, true, Protocol::Tcp, source);
    if !return_ok {
        recorder.return_hop(&acl_node, HopComponent::NetworkAclOutboundReturn, Verdict::Deny, Some(return_evidence), ReasonCode::NaclReturnPathDenied, format!("network ACL {acl_id} does not let replies out to {source} on all ephemeral ports 1024-65535 (NACLs are stateless)"));
        return Err(Disposition::DeniedIn);
    }
    recorder.return_hop(
        &acl_node,
        HopComponent::NetworkAclOutboundReturn,
        Verdict::Allow,
        Some(return_evidence),
        ReasonCode::NaclAllowRule,
        format!("network ACL {acl_id} lets replies out to {source} on the ephemeral ports"),
    );
    Ok(())
}

fn walk_eks(
    node: &Node,
    source: &IpNetwork,
    port: u16,
    recorder: &mut Recorder,
) -> Result<(), Stop> {
    let node_id = node.id.as_str();
    let cluster: EksClusterProperties = node
        .properties_as()
        .map_err(|error| missing(recorder, node_id, error.to_string()))?;
    let name = &cluster.name;
    if !cluster.endpoint_public_access {
        recorder.hop(node_id, HopComponent::ManagedEndpoint, Verdict::Deny, Some(json!({"endpoint_public_access": false, "endpoint_private_access": cluster.endpoint_private_access})), ReasonCode::EndpointPrivateOnly, format!("the API endpoint of EKS cluster {name} has public access off: it is reachable only from inside its VPC"));
        return Err(Disposition::DeniedIn);
    }
    if port != HTTPS {
        recorder.hop(
            node_id,
            HopComponent::ManagedEndpoint,
            Verdict::Deny,
            Some(json!({"port": HTTPS})),
            ReasonCode::EndpointPortClosed,
            format!("the API endpoint of EKS cluster {name} listens on TCP 443 only, not {port}"),
        );
        return Err(Disposition::DeniedIn);
    }
    if cluster.public_access_cidrs.is_empty() {
        return Err(missing(
            recorder,
            node_id,
            format!("EKS cluster {name} has public access on but no public access CIDRs are known"),
        ));
    }
    let allowing = cluster.public_access_cidrs.iter().find(|cidr| {
        matching::parse_network(cidr).is_some_and(|network| matching::contains(&network, source))
    });
    match allowing {
        Some(cidr) => {
            recorder.hop(node_id, HopComponent::ManagedEndpoint, Verdict::Allow, Some(json!({"endpoint_public_access": true, "public_access_cidr": cidr, "endpoint": cluster.endpoint})), ReasonCode::EndpointPublicAccess, format!("the API endpoint of EKS cluster {name} is public and its public access CIDR {cidr} admits {source} on TCP 443"));
            Ok(())
        }
        None => {
            recorder.hop(node_id, HopComponent::ManagedEndpoint, Verdict::Deny, Some(json!({"public_access_cidrs": cluster.public_access_cidrs})), ReasonCode::EndpointCidrNotAllowed, format!("the API endpoint of EKS cluster {name} is public, but none of its public access CIDRs [{}] contains {source}", cluster.public_access_cidrs.join(", ")));
            Err(Disposition::DeniedIn)
        }
    }
}

fn walk_lambda(node: &Node, port: u16, recorder: &mut Recorder) -> Result<(), Stop> {
    let node_id = node.id.as_str();
    let function: LambdaFunctionProperties = node
        .properties_as()
        .map_err(|error| missing(recorder, node_id, error.to_string()))?;
    let name = &function.function_name;
    if !function.function_url_known {
        return Err(missing(
            recorder,
            node_id,
            format!("the function URL configuration of {name} could not be read"),
        ));
    }
    let (Some(url), Some(auth)) = (&function.function_url, &function.function_url_auth_type) else {
        recorder.hop(
            node_id,
            HopComponent::ManagedEndpoint,
            Verdict::Deny,
            None,
            ReasonCode::NoFunctionUrl,
            format!("Lambda function {name} has no function URL"),
        );
        return Err(Disposition::NoRoute);
    };
    if port != HTTPS {
        recorder.hop(
            node_id,
            HopComponent::ManagedEndpoint,
            Verdict::Deny,
            Some(json!({"function_url": url, "port": HTTPS})),
            ReasonCode::EndpointPortClosed,
            format!("the function URL of {name} serves HTTPS on TCP 443 only, not {port}"),
        );
        return Err(Disposition::DeniedIn);
    }
    if auth == "NONE" {
        recorder.hop(
            node_id,
            HopComponent::ManagedEndpoint,
            Verdict::Allow,
            Some(json!({"function_url": url, "auth_type": auth})),
            ReasonCode::FunctionUrlPublic,
            format!("the function URL {url} of {name} has auth type NONE: anyone can invoke it"),
        );
        return Ok(());
    }
    recorder.hop(node_id, HopComponent::ManagedEndpoint, Verdict::Deny, Some(json!({"function_url": url, "auth_type": auth})), ReasonCode::FunctionUrlRequiresIam, format!("the function URL {url} of {name} has auth type {auth}: only signed requests of allowed principals are served"));
    Err(Disposition::DeniedIn)
}

/// Can `source` (a public address or CIDR; `0.0.0.0/0` means "anyone") reach the managed endpoint
/// `node` on TCP `port`? `None` when `node` is not a managed endpoint type.
pub fn trace_from_internet(
    view: &NetworkView<'_>,
    node: &Node,
    source: &IpNetwork,
    port: u16,
) -> Option<TraceResult> {
    let mut recorder = Recorder::default();
    let outcome = match node.node_type {
        NodeType::RdsDbInstance => walk_rds(view, node, source, port, &mut recorder),
        NodeType::EksCluster => walk_eks(node, source, port, &mut recorder),
        NodeType::LambdaFunction => walk_lambda(node, port, &mut recorder),
        _ => return None,
    };
    Some(match outcome {
        Ok(()) => recorder.finish(Disposition::Accepted),
        Err(disposition) => recorder.finish(disposition),
    })
}

/// The port the internet would use: the DB's port, 443 for the others. `None` when unreadable.
fn service_port(node: &Node) -> Option<u16> {
    match node.node_type {
        NodeType::RdsDbInstance => node
            .properties_as::<RdsDbInstanceProperties>()
            .ok()?
            .endpoint_port
            .and_then(|port| u16::try_from(port).ok()),
        _ => Some(HTTPS),
    }
}

fn public_address(node: &Node) -> Option<String> {
    match node.node_type {
        NodeType::RdsDbInstance => {
            node.properties_as::<RdsDbInstanceProperties>()
                .ok()?
                .endpoint_address
        }
        NodeType::EksCluster => node.properties_as::<EksClusterProperties>().ok()?.endpoint,
        NodeType::LambdaFunction => {
            node.properties_as::<LambdaFunctionProperties>()
                .ok()?
                .function_url
        }
        _ => None,
    }
}

/// The exposure entry of a managed endpoint reachable from all of IPv4, or why its exposure is
/// unknown (`Err`), or `Ok(None)` when it is not exposed.
pub fn exposure_entry(
    view: &NetworkView<'_>,
    node: &Node,
) -> Result<Option<ExposureEntry>, String> {
    if let Err(error) = node.check_properties() {
        return Err(error.to_string());
    }
    let Some(port) = service_port(node) else {
        // A DB without a port cannot be reached on one: nothing to expose yet.
        return Ok(None);
    };
    // Invariant: the literal parses.
    let internet: IpNetwork = "0.0.0.0/0".parse().expect("literal network");
    let Some(result) = trace_from_internet(view, node, &internet, port) else {
        return Ok(None);
    };
    match result.disposition {
        Disposition::Accepted => {}
        Disposition::InsufficientInfo => return Err(result.assumptions.join("; ")),
        _ => return Ok(None),
    }
    let mut path = result.forward_hops;
    path.extend(result.return_hops);
    for (seq, hop) in path.iter_mut().enumerate() {
        hop.seq = seq + 1;
    }
    Ok(Some(ExposureEntry {
        node_id: node.id.to_string(),
        node_type: node.node_type.as_str(),
        public_address: public_address(node),
        open: vec![OpenPorts {
            protocol: Protocol::Tcp,
            from_port: Some(port),
            to_port: Some(port),
            address_family: AddressFamily::Ipv4,
        }],
        path,
    }))
}
