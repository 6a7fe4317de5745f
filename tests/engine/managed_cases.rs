//! Data-driven tracer cases for managed endpoints (RDS DB instances, EKS API endpoints, Lambda
//! function URLs) and IPv6 routes: one small topology, a mutation per case, one `check`.
//! Expected results are written from AWS semantics, not from the code.
//!
//! Base: VPC 10.0.0.0/16 (IPv6 2600:1f18::/56). Subnet `pub` 10.0.1.0/24 (table `rtb-pub`:
//! local, 0.0.0.0/0 and ::/0 to attached `igw-1`), subnet `priv` 10.0.2.0/24 (main table
//! `rtb-main`: local only), both on allow-all NACL `acl-1`. Groups: `sg-open` (TCP 5432 from
//! 0.0.0.0/0), `sg-vpc` (TCP 5432 from 10.0.0.0/16), `sg-app` (nothing in, all out). Instance
//! `app` (10.0.2.20, sg-app) and instance `web` (10.0.1.10, public 54.0.0.10, IPv6
//! 2600:1f18::10, sg-app). DB `db` (postgres, 5432) placed in `pub` with `sg-open`, publicly
//! accessible. EKS `eks` public to 0.0.0.0/0. Lambda `fn` with a URL of auth type NONE.

use std::collections::BTreeMap;

use infracast::graph::TenantGraph;
use infracast::model::{Node, NodeId, NodeType};
use infracast::pathtrace::{self, Disposition, Protocol, TraceResult};
use ipnetwork::IpNetwork;
use serde_json::{Value, json};

const REGION: &str = "us-east-1";

fn id(node_type: NodeType, raw: &str) -> NodeId {
    NodeId::aws(REGION, node_type, raw)
}

struct Topology {
    nodes: BTreeMap<String, Node>,
}

impl Topology {
    fn add(&mut self, node_type: NodeType, raw: &str, properties: Value) {
        self.nodes.insert(
            raw.to_string(),
            Node::aws(REGION, node_type, raw, properties),
        );
    }

    fn props(&mut self, raw: &str) -> &mut Value {
        &mut self.nodes.get_mut(raw).expect("node").properties
    }

    fn graph(&self) -> TenantGraph {
        TenantGraph::build(self.nodes.values().cloned().collect(), Vec::new())
    }
}

fn route(destination: &str, target_type: &str, target_id: &str) -> Value {
    let key = if destination.contains(':') {
        "destination_ipv6_cidr"
    } else {
        "destination_cidr"
    };
    json!({key: destination, "target_type": target_type, "target_id": target_id, "state": "active"})
}

fn group(topology: &mut Topology, raw: &str, ingress: Value) {
    topology.add(NodeType::SecurityGroup, raw, json!({"group_id": raw, "vpc_id": "vpc-1", "ingress": ingress, "egress": [{"protocol": "-1", "ipv4_ranges": ["0.0.0.0/0"], "ipv6_ranges": ["::/0"]}]}));
}

fn base() -> Topology {
    let mut topology = Topology {
        nodes: BTreeMap::new(),
    };
    topology.add(NodeType::Vpc, "vpc-1", json!({"vpc_id": "vpc-1", "cidr_block": "10.0.0.0/16", "cidr_blocks": ["10.0.0.0/16"], "ipv6_cidr_blocks": ["2600:1f18::/56"], "main_route_table_id": "rtb-main", "default_network_acl_id": "acl-1"}));
    topology.add(NodeType::InternetGateway, "igw-1", json!({"internet_gateway_id": "igw-1", "attachments": [{"vpc_id": "vpc-1", "state": "available"}]}));
    topology.add(NodeType::Subnet, "pub", json!({"subnet_id": "pub", "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24", "route_table_id": "rtb-pub", "network_acl_id": "acl-1"}));
    topology.add(NodeType::Subnet, "priv", json!({"subnet_id": "priv", "vpc_id": "vpc-1", "cidr_block": "10.0.2.0/24", "network_acl_id": "acl-1"}));
    topology.add(NodeType::RouteTable, "rtb-pub", json!({"route_table_id": "rtb-pub", "vpc_id": "vpc-1", "subnet_ids": ["pub"], "routes": [
        route("10.0.0.0/16", "local", "local"), route("0.0.0.0/0", "internet_gateway", "igw-1"), route("::/0", "internet_gateway", "igw-1")]}));
    topology.add(NodeType::RouteTable, "rtb-main", json!({"route_table_id": "rtb-main", "vpc_id": "vpc-1", "is_main": true, "routes": [route("10.0.0.0/16", "local", "local")]}));
    topology.add(NodeType::NetworkAcl, "acl-1", json!({"network_acl_id": "acl-1", "vpc_id": "vpc-1", "is_default": true, "subnet_ids": ["pub", "priv"], "entries": [
        {"rule_number": 100, "egress": false, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"},
        {"rule_number": 101, "egress": false, "action": "allow", "protocol": "-1", "ipv6_cidr_block": "::/0"},
        {"rule_number": 100, "egress": true, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"},
        {"rule_number": 101, "egress": true, "action": "allow", "protocol": "-1", "ipv6_cidr_block": "::/0"}
    ]}));
    group(
        &mut topology,
        "sg-open",
        json!([{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "ipv4_ranges": ["0.0.0.0/0"]}]),
    );
    group(
        &mut topology,
        "sg-vpc",
        json!([{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "ipv4_ranges": ["10.0.0.0/16"]}]),
    );
    group(&mut topology, "sg-app", json!([]));
    topology.add(NodeType::Instance, "app", json!({"instance_id": "app", "state": "running", "private_ip": "10.0.2.20", "subnet_id": "priv", "vpc_id": "vpc-1", "security_group_ids": ["sg-app"]}));
    topology.add(NodeType::Instance, "web", json!({"instance_id": "web", "state": "running", "private_ip": "10.0.1.10", "public_ip": "54.0.0.10", "ipv6_addresses": ["2600:1f18::10"], "subnet_id": "pub", "vpc_id": "vpc-1", "security_group_ids": ["sg-app"]}));
    topology.add(NodeType::RdsDbInstance, "db", json!({"db_instance_identifier": "db", "engine": "postgres", "publicly_accessible": true, "endpoint_address": "db.abc.us-east-1.rds.amazonaws.com", "endpoint_port": 5432, "vpc_id": "vpc-1", "subnet_ids": ["pub"], "placement_subnet_id": "pub", "security_group_ids": ["sg-open"]}));
    topology.add(NodeType::EksCluster, "eks", json!({"name": "eks", "endpoint": "https://eks.example", "endpoint_public_access": true, "endpoint_private_access": true, "public_access_cidrs": ["0.0.0.0/0"], "vpc_id": "vpc-1", "subnet_ids": ["priv"], "security_group_ids": ["sg-app"]}));
    topology.add(NodeType::LambdaFunction, "fn", json!({"function_name": "fn", "function_url": "https://fn.lambda-url.us-east-1.on.aws/", "function_url_auth_type": "NONE", "function_url_known": true, "policy_allows_public": false}));
    topology
}

fn net(text: &str) -> IpNetwork {
    text.parse().expect("network")
}

/// Traces from `source` to the managed endpoint and checks the disposition and the deciding hop
/// (the blocking one, else the last forward hop).
#[track_caller]
fn check(
    topology: &Topology,
    target: NodeId,
    source: &str,
    port: u16,
    disposition: Disposition,
    component: &str,
    reason: &str,
) -> TraceResult {
    let graph = topology.graph();
    let result = pathtrace::trace_from_internet(&graph, &target, &net(source), port)
        .expect("a managed endpoint");
    let dump = serde_json::to_string_pretty(&result).unwrap();
    assert_eq!(result.disposition, disposition, "{dump}");
    let deciding = match &result.blocked_at {
        Some(blocked) => result
            .forward_hops
            .iter()
            .chain(result.return_hops.iter())
            .find(|hop| hop.seq == blocked.seq && hop.component == blocked.component)
            .cloned(),
        None => result.forward_hops.last().cloned(),
    }
    .expect("a deciding hop");
    assert_eq!(deciding.component, component, "{dump}");
    assert_eq!(deciding.reason_code, reason, "{dump}");
    result
}

fn exposed(topology: &Topology, node_type: NodeType, raw: &str, port: u16) -> bool {
    pathtrace::analyse_internet_exposure(&topology.graph())
        .exposed_on(&id(node_type, raw), Some(port), Protocol::Tcp)
        .is_some()
}

// ---- RDS ----

#[test]
fn rds_public_in_a_public_subnet_with_an_open_group_is_exposed_with_its_proof() {
    let topology = base();
    let result = check(
        &topology,
        id(NodeType::RdsDbInstance, "db"),
        "0.0.0.0/0",
        5432,
        Disposition::Accepted,
        "security_group_ingress",
        "SG_ALLOWS_INGRESS",
    );
    let components: Vec<&str> = result
        .forward_hops
        .iter()
        .map(|hop| hop.component.as_str())
        .collect();
    assert_eq!(
        components,
        [
            "managed_endpoint",
            "internet_gateway",
            "route_table",
            "network_acl_inbound",
            "security_group_ingress"
        ]
    );
    assert_eq!(
        result.return_hops[0].component,
        "network_acl_outbound_return"
    );
    let report = pathtrace::analyse_internet_exposure(&topology.graph());
    let entry = report
        .exposed_on(
            &id(NodeType::RdsDbInstance, "db"),
            Some(5432),
            Protocol::Tcp,
        )
        .expect("listed");
    assert_eq!(entry.node_type, "aws.rds.db_instance");
    assert_eq!(
        entry.public_address.as_deref(),
        Some("db.abc.us-east-1.rds.amazonaws.com")
    );
    assert_eq!(
        (entry.open[0].from_port, entry.open[0].to_port),
        (Some(5432), Some(5432))
    );
    assert_eq!(entry.path.len(), 6);
    assert!(!exposed(&topology, NodeType::RdsDbInstance, "db", 3306));
}

#[test]
fn rds_public_in_a_private_subnet_is_not_exposed() {
    let mut topology = base();
    topology.props("db")["placement_subnet_id"] = json!("priv");
    topology.props("db")["subnet_ids"] = json!(["priv"]);
    check(
        &topology,
        id(NodeType::RdsDbInstance, "db"),
        "0.0.0.0/0",
        5432,
        Disposition::NoRoute,
        "route_table",
        "NO_ROUTE_TO_DESTINATION",
    );
    assert!(!exposed(&topology, NodeType::RdsDbInstance, "db", 5432));
}

#[test]
fn rds_public_whose_group_allows_only_the_vpc_is_not_exposed() {
    let mut topology = base();
    topology.props("db")["security_group_ids"] = json!(["sg-vpc"]);
    check(
        &topology,
        id(NodeType::RdsDbInstance, "db"),
        "0.0.0.0/0",
        5432,
        Disposition::DeniedIn,
        "security_group_ingress",
        "SG_NO_MATCHING_INGRESS_RULE",
    );
    assert!(!exposed(&topology, NodeType::RdsDbInstance, "db", 5432));
}

#[test]
fn rds_not_publicly_accessible_in_a_public_subnet_is_not_exposed() {
    let mut topology = base();
    topology.props("db")["publicly_accessible"] = json!(false);
    check(
        &topology,
        id(NodeType::RdsDbInstance, "db"),
        "0.0.0.0/0",
        5432,
        Disposition::DeniedIn,
        "managed_endpoint",
        "NOT_PUBLICLY_ACCESSIBLE",
    );
    assert!(!exposed(&topology, NodeType::RdsDbInstance, "db", 5432));
}

#[test]
fn rds_behind_a_nacl_denying_its_port_or_the_ephemeral_return_is_not_exposed() {
    let mut topology = base();
    let entries = topology.props("acl-1")["entries"]
        .as_array()
        .unwrap()
        .clone();
    let mut inbound_deny = entries.clone();
    inbound_deny.insert(0, json!({"rule_number": 50, "egress": false, "action": "deny", "protocol": "tcp", "cidr_block": "0.0.0.0/0", "port_from": 5432, "port_to": 5432}));
    topology.props("acl-1")["entries"] = json!(inbound_deny);
    check(
        &topology,
        id(NodeType::RdsDbInstance, "db"),
        "0.0.0.0/0",
        5432,
        Disposition::DeniedIn,
        "network_acl_inbound",
        "NACL_DENY_RULE",
    );
    assert!(!exposed(&topology, NodeType::RdsDbInstance, "db", 5432));

    let mut return_deny = entries;
    return_deny.insert(0, json!({"rule_number": 50, "egress": true, "action": "deny", "protocol": "tcp", "cidr_block": "0.0.0.0/0", "port_from": 32768, "port_to": 65535}));
    topology.props("acl-1")["entries"] = json!(return_deny);
    check(
        &topology,
        id(NodeType::RdsDbInstance, "db"),
        "0.0.0.0/0",
        5432,
        Disposition::DeniedIn,
        "network_acl_outbound_return",
        "NACL_RETURN_PATH_DENIED",
    );
    assert!(!exposed(&topology, NodeType::RdsDbInstance, "db", 5432));
}

#[test]
fn rds_answers_only_on_its_port() {
    check(
        &base(),
        id(NodeType::RdsDbInstance, "db"),
        "0.0.0.0/0",
        3306,
        Disposition::DeniedIn,
        "managed_endpoint",
        "ENDPOINT_PORT_CLOSED",
    );
}

#[test]
fn rds_with_an_unknown_placement_is_undecidable_not_safe() {
    let mut topology = base();
    topology.props("db")["placement_subnet_id"] = Value::Null;
    topology.props("db")["subnet_ids"] = json!(["pub", "priv"]);
    check(
        &topology,
        id(NodeType::RdsDbInstance, "db"),
        "0.0.0.0/0",
        5432,
        Disposition::InsufficientInfo,
        "managed_endpoint",
        "MISSING_DATA",
    );
    let report = pathtrace::analyse_internet_exposure(&topology.graph());
    assert!(
        report
            .unreadable(&id(NodeType::RdsDbInstance, "db"))
            .is_some()
    );
    assert!(
        report
            .exposed_on(
                &id(NodeType::RdsDbInstance, "db"),
                Some(5432),
                Protocol::Tcp
            )
            .is_none()
    );
}

#[test]
fn an_instance_traces_to_a_database_hop_by_hop() {
    // app (10.0.2.20) to the DB in `pub`: sg-vpc admits 10.0.0.0/16 on 5432.
    let mut topology = base();
    topology.props("db")["security_group_ids"] = json!(["sg-vpc"]);
    let query = pathtrace::parse_query(
        id(NodeType::Instance, "app").as_str(),
        None,
        Some(id(NodeType::RdsDbInstance, "db").as_str()),
        Some(5432),
        "tcp",
    )
    .unwrap();
    let result = pathtrace::trace(&topology.graph(), &query).unwrap();
    assert_eq!(result.disposition, Disposition::Accepted, "{result:#?}");
    let last = result.forward_hops.last().unwrap();
    assert_eq!(last.component, "security_group_ingress");
    assert_eq!(last.reason_code, "SG_ALLOWS_INGRESS");

    // A group that admits only sg-open members does not admit app.
    topology.props("sg-vpc")["ingress"] = json!([{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "referenced_group_ids": ["sg-open"]}]);
    let result = pathtrace::trace(&topology.graph(), &query).unwrap();
    assert_eq!(result.disposition, Disposition::DeniedIn);
    assert_eq!(
        result.blocked_at.unwrap().component,
        "security_group_ingress"
    );
}

// ---- EKS ----

#[test]
fn eks_public_to_everyone_is_exposed_on_443() {
    let topology = base();
    check(
        &topology,
        id(NodeType::EksCluster, "eks"),
        "0.0.0.0/0",
        443,
        Disposition::Accepted,
        "managed_endpoint",
        "ENDPOINT_PUBLIC_ACCESS",
    );
    assert!(exposed(&topology, NodeType::EksCluster, "eks", 443));
    check(
        &topology,
        id(NodeType::EksCluster, "eks"),
        "0.0.0.0/0",
        22,
        Disposition::DeniedIn,
        "managed_endpoint",
        "ENDPOINT_PORT_CLOSED",
    );
}

#[test]
fn eks_public_with_restricted_cidrs_admits_only_those_sources() {
    let mut topology = base();
    topology.props("eks")["public_access_cidrs"] = json!(["203.0.113.0/24"]);
    check(
        &topology,
        id(NodeType::EksCluster, "eks"),
        "0.0.0.0/0",
        443,
        Disposition::DeniedIn,
        "managed_endpoint",
        "ENDPOINT_CIDR_NOT_ALLOWED",
    );
    check(
        &topology,
        id(NodeType::EksCluster, "eks"),
        "198.51.100.7/32",
        443,
        Disposition::DeniedIn,
        "managed_endpoint",
        "ENDPOINT_CIDR_NOT_ALLOWED",
    );
    check(
        &topology,
        id(NodeType::EksCluster, "eks"),
        "203.0.113.7/32",
        443,
        Disposition::Accepted,
        "managed_endpoint",
        "ENDPOINT_PUBLIC_ACCESS",
    );
    assert!(!exposed(&topology, NodeType::EksCluster, "eks", 443));
}

#[test]
fn eks_private_only_is_not_reachable_from_the_internet() {
    let mut topology = base();
    topology.props("eks")["endpoint_public_access"] = json!(false);
    check(
        &topology,
        id(NodeType::EksCluster, "eks"),
        "203.0.113.7/32",
        443,
        Disposition::DeniedIn,
        "managed_endpoint",
        "ENDPOINT_PRIVATE_ONLY",
    );
    assert!(!exposed(&topology, NodeType::EksCluster, "eks", 443));
}

// ---- Lambda ----

#[test]
fn lambda_url_with_auth_none_is_public_and_aws_iam_is_not() {
    let mut topology = base();
    check(
        &topology,
        id(NodeType::LambdaFunction, "fn"),
        "0.0.0.0/0",
        443,
        Disposition::Accepted,
        "managed_endpoint",
        "FUNCTION_URL_PUBLIC",
    );
    assert!(exposed(&topology, NodeType::LambdaFunction, "fn", 443));
    topology.props("fn")["function_url_auth_type"] = json!("AWS_IAM");
    check(
        &topology,
        id(NodeType::LambdaFunction, "fn"),
        "0.0.0.0/0",
        443,
        Disposition::DeniedIn,
        "managed_endpoint",
        "FUNCTION_URL_REQUIRES_IAM",
    );
    assert!(!exposed(&topology, NodeType::LambdaFunction, "fn", 443));
}

#[test]
fn lambda_without_a_url_or_with_an_unread_one() {
    let mut topology = base();
    topology.props("fn")["function_url"] = Value::Null;
    topology.props("fn")["function_url_auth_type"] = Value::Null;
    check(
        &topology,
        id(NodeType::LambdaFunction, "fn"),
        "0.0.0.0/0",
        443,
        Disposition::NoRoute,
        "managed_endpoint",
        "NO_FUNCTION_URL",
    );
    topology.props("fn")["function_url_known"] = json!(false);
    check(
        &topology,
        id(NodeType::LambdaFunction, "fn"),
        "0.0.0.0/0",
        443,
        Disposition::InsufficientInfo,
        "managed_endpoint",
        "MISSING_DATA",
    );
}

// ---- IPv6 routes other than ::/0 ----

#[test]
fn an_ipv6_56_route_wins_over_the_default_route_by_longest_prefix() {
    let mut topology = base();
    // A more specific IPv6 route whose target is gone (blackhole) beside ::/0 to the gateway.
    let mut blackhole = route("2001:db8:aa00::/56", "internet_gateway", "igw-gone");
    blackhole["state"] = json!("blackhole");
    topology.props("rtb-pub")["routes"]
        .as_array_mut()
        .unwrap()
        .push(blackhole);
    let trace = |cidr: &str| {
        let query = pathtrace::parse_query(
            id(NodeType::Instance, "web").as_str(),
            Some(cidr),
            None,
            Some(443),
            "tcp",
        )
        .unwrap();
        pathtrace::trace(&topology.graph(), &query).unwrap()
    };
    let inside = trace("2001:db8:aa00:1::/64");
    assert_eq!(inside.disposition, Disposition::Blackhole, "{inside:#?}");
    let route_hop = inside
        .forward_hops
        .iter()
        .find(|hop| hop.component == "route_table")
        .unwrap();
    assert_eq!(
        route_hop.matched.as_ref().unwrap()["destination"],
        "2001:db8:aa00::/56"
    );
    assert_eq!(route_hop.matched.as_ref().unwrap()["prefix_length"], 56);
    let outside = trace("2001:db8:bb00::/56");
    assert_eq!(
        outside.disposition,
        Disposition::ExitsNetwork,
        "{outside:#?}"
    );
    let route_hop = outside
        .forward_hops
        .iter()
        .find(|hop| hop.component == "route_table")
        .unwrap();
    assert_eq!(route_hop.matched.as_ref().unwrap()["destination"], "::/0");
}

// ---- transit gateway route tables ----

/// The base plus VPC `vpc-2` (10.1.0.0/16, subnet `s2` 10.1.1.0/24, main table routing
/// 10.0.0.0/16 to `tgw-1`) with instance `peer` (10.1.1.40, `sg-peer`: TCP 5432 from
/// 10.0.0.0/16); `rtb-main` routes 10.1.0.0/16 to `tgw-1`; attachments `att-1` (vpc-1) and
/// `att-2` (vpc-2), both associated with `tgw-rtb-1`, which routes 10.0.0.0/16 to `att-1` and
/// 10.1.0.0/16 to `att-2`.
fn with_transit_gateway() -> Topology {
    let mut topology = base();
    topology.add(NodeType::Vpc, "vpc-2", json!({"vpc_id": "vpc-2", "cidr_block": "10.1.0.0/16", "cidr_blocks": ["10.1.0.0/16"], "main_route_table_id": "rtb-2", "default_network_acl_id": "acl-2"}));
    topology.add(NodeType::Subnet, "s2", json!({"subnet_id": "s2", "vpc_id": "vpc-2", "cidr_block": "10.1.1.0/24", "network_acl_id": "acl-2"}));
    topology.add(
        NodeType::RouteTable,
        "rtb-2",
        json!({"route_table_id": "rtb-2", "vpc_id": "vpc-2", "is_main": true, "routes": [
        route("10.1.0.0/16", "local", "local"), route("10.0.0.0/16", "transit_gateway", "tgw-1")]}),
    );
    let mut acl = topology.props("acl-1").clone();
    acl["network_acl_id"] = json!("acl-2");
    acl["vpc_id"] = json!("vpc-2");
    acl["subnet_ids"] = json!(["s2"]);
    topology.add(NodeType::NetworkAcl, "acl-2", acl);
    topology.add(NodeType::SecurityGroup, "sg-peer", json!({"group_id": "sg-peer", "vpc_id": "vpc-2", "ingress": [{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "ipv4_ranges": ["10.0.0.0/16"]}], "egress": [{"protocol": "-1", "ipv4_ranges": ["0.0.0.0/0"]}]}));
    topology.add(NodeType::Instance, "peer", json!({"instance_id": "peer", "state": "running", "private_ip": "10.1.1.40", "subnet_id": "s2", "vpc_id": "vpc-2", "security_group_ids": ["sg-peer"]}));
    topology.props("rtb-main")["routes"]
        .as_array_mut()
        .unwrap()
        .push(route("10.1.0.0/16", "transit_gateway", "tgw-1"));
    topology.add(
        NodeType::TransitGateway,
        "tgw-1",
        json!({"transit_gateway_id": "tgw-1", "state": "available"}),
    );
    for (attachment, vpc) in [("att-1", "vpc-1"), ("att-2", "vpc-2")] {
        topology.add(NodeType::TransitGatewayAttachment, attachment, json!({"attachment_id": attachment, "transit_gateway_id": "tgw-1", "resource_type": "vpc", "resource_id": vpc, "state": "available", "association_route_table_id": "tgw-rtb-1"}));
    }
    topology.add(NodeType::TransitGatewayRouteTable, "tgw-rtb-1", json!({"route_table_id": "tgw-rtb-1", "transit_gateway_id": "tgw-1", "routes": [
        {"destination_cidr": "10.0.0.0/16", "attachment_id": "att-1", "resource_id": "vpc-1", "resource_type": "vpc", "state": "active"},
        {"destination_cidr": "10.1.0.0/16", "attachment_id": "att-2", "resource_id": "vpc-2", "resource_type": "vpc", "state": "active"}
    ]}));
    topology
}

fn trace_app_to_peer(topology: &Topology) -> TraceResult {
    let query = pathtrace::parse_query(
        id(NodeType::Instance, "app").as_str(),
        None,
        Some(id(NodeType::Instance, "peer").as_str()),
        Some(5432),
        "tcp",
    )
    .unwrap();
    pathtrace::trace(&topology.graph(), &query).unwrap()
}

#[track_caller]
fn blocked(result: &TraceResult, disposition: Disposition, component: &str, reason: &str) {
    assert_eq!(result.disposition, disposition, "{result:#?}");
    let at = result.blocked_at.clone().expect("blocked");
    let hop = result
        .forward_hops
        .iter()
        .chain(result.return_hops.iter())
        .find(|hop| hop.seq == at.seq && hop.component == at.component)
        .unwrap();
    assert_eq!(hop.component, component, "{result:#?}");
    assert_eq!(hop.reason_code, reason, "{result:#?}");
}

#[test]
fn transit_gateway_routes_by_the_associated_route_table() {
    let topology = with_transit_gateway();
    let result = trace_app_to_peer(&topology);
    assert_eq!(result.disposition, Disposition::Accepted, "{result:#?}");
    let gateway = result
        .forward_hops
        .iter()
        .find(|hop| hop.component == "transit_gateway")
        .unwrap();
    let matched = gateway.matched.as_ref().unwrap();
    assert_eq!(matched["transit_gateway_route_table_id"], "tgw-rtb-1");
    assert_eq!(matched["destination"], "10.1.0.0/16");
    assert_eq!(matched["attachment_id"], "att-2");
}

#[test]
fn transit_gateway_route_table_without_a_route_or_with_a_blackhole() {
    let mut topology = with_transit_gateway();
    topology.props("tgw-rtb-1")["routes"]
        .as_array_mut()
        .unwrap()
        .remove(1);
    blocked(
        &trace_app_to_peer(&topology),
        Disposition::NoRoute,
        "transit_gateway",
        "NO_ROUTE_TO_DESTINATION",
    );

    // A more specific blackhole route wins over the /16 by longest prefix.
    let mut topology = with_transit_gateway();
    topology.props("tgw-rtb-1")["routes"]
        .as_array_mut()
        .unwrap()
        .push(json!({"destination_cidr": "10.1.1.0/24", "state": "blackhole"}));
    blocked(
        &trace_app_to_peer(&topology),
        Disposition::Blackhole,
        "transit_gateway",
        "ROUTE_BLACKHOLE",
    );
}

#[test]
fn transit_gateway_needs_an_association_and_a_route_back_in_the_peer_table() {
    let mut topology = with_transit_gateway();
    topology.props("att-1")["association_route_table_id"] = Value::Null;
    blocked(
        &trace_app_to_peer(&topology),
        Disposition::NoRoute,
        "transit_gateway",
        "NO_ROUTE_TO_DESTINATION",
    );

    // Separate tables: att-2's table has no route back to 10.0.0.0/16, then gets one.
    let mut topology = with_transit_gateway();
    topology.props("att-2")["association_route_table_id"] = json!("tgw-rtb-2");
    topology.add(
        NodeType::TransitGatewayRouteTable,
        "tgw-rtb-2",
        json!({"route_table_id": "tgw-rtb-2", "transit_gateway_id": "tgw-1", "routes": []}),
    );
    blocked(
        &trace_app_to_peer(&topology),
        Disposition::NoRoute,
        "route_table_return",
        "NO_ROUTE_TO_DESTINATION",
    );
    topology.props("tgw-rtb-2")["routes"] =
        json!([{"destination_cidr": "10.0.0.0/16", "attachment_id": "att-1", "state": "active"}]);
    assert_eq!(
        trace_app_to_peer(&topology).disposition,
        Disposition::Accepted
    );
}
