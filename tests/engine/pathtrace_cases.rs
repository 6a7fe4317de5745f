//! Data-driven path tracer cases: one base topology, a mutation per case, one `check`.
//!
//! Base: VPC A (10.0.0.0/16) with public subnet 10.0.1.0/24 (route table `rtb-public`: local,
//! 0.0.0.0/0 and ::/0 to `igw-a`, 10.1.0.0/16 to `pcx-ab`), private 10.0.2.0/24 and db
//! 10.0.3.0/24 (main table `rtb-main`: local, 0.0.0.0/0 to `nat-a`, 10.1.0.0/16 to `pcx-ab`), an
//! allow-all NACL, NAT `nat-a` in the public subnet. Instances: `web` (10.0.1.10, public
//! 54.0.0.10, sg-web: 443 and 80 from anywhere), `app` and `app2` (10.0.2.20/21, sg-app: 8080 from
//! sg-web), `db` (10.0.3.30, sg-db: 5432 from sg-app). VPC B (10.1.0.0/16) with `peer`
//! (10.1.1.40, sg-peer: 5432 from 10.0.0.0/16) routing 10.0.0.0/16 back over `pcx-ab`.

use std::collections::BTreeMap;

use infracast::graph::TenantGraph;
use infracast::model::{Node, NodeId, NodeType};
use infracast::pathtrace::{self, Disposition, TraceError, TraceQuery};
use serde_json::{Value, json};

const REGION: &str = "us-east-1";

struct Topology {
    nodes: BTreeMap<String, Node>,
}

fn node_id(node_type: NodeType, raw: &str) -> NodeId {
    NodeId::aws(REGION, node_type, raw)
}

impl Topology {
    fn add(&mut self, node_type: NodeType, raw: &str, properties: Value) {
        let id = node_id(node_type, raw);
        self.nodes.insert(
            raw.to_string(),
            Node {
                id,
                node_type,
                provider: "aws".into(),
                region: REGION.into(),
                account: "1".into(),
                name: raw.into(),
                tags: BTreeMap::new(),
                properties,
            },
        );
    }

    fn props(&mut self, raw: &str) -> &mut Value {
        &mut self
            .nodes
            .get_mut(raw)
            .unwrap_or_else(|| panic!("no node {raw}"))
            .properties
    }

    fn remove(&mut self, raw: &str) {
        self.nodes.remove(raw);
    }

    fn graph(&self) -> TenantGraph {
        TenantGraph::build(self.nodes.values().cloned().collect(), Vec::new())
    }

    fn instance(
        &mut self,
        raw: &str,
        subnet: &str,
        vpc: &str,
        ip: &str,
        public_ip: Option<&str>,
        groups: &[&str],
    ) {
        let eni = format!("eni-{raw}");
        self.add(NodeType::Instance, raw, json!({"instance_id": raw, "state": "running", "private_ip": ip, "public_ip": public_ip, "subnet_id": subnet, "vpc_id": vpc, "security_group_ids": groups, "network_interface_ids": [eni]}));
        self.add(NodeType::NetworkInterface, &eni, json!({"network_interface_id": eni, "private_ip": ip, "private_ips": [ip], "public_ip": public_ip, "subnet_id": subnet, "vpc_id": vpc, "security_group_ids": groups, "attached_instance_id": raw}));
    }

    fn group(&mut self, raw: &str, vpc: &str, ingress: Value) {
        self.add(NodeType::SecurityGroup, raw, json!({"group_id": raw, "group_name": raw, "vpc_id": vpc, "ingress": ingress, "egress": [{"protocol": "-1", "ipv4_ranges": ["0.0.0.0/0"]}]}));
    }
}

fn allow_all_acl(raw: &str, vpc: &str, subnets: &[&str]) -> Value {
    json!({"network_acl_id": raw, "vpc_id": vpc, "is_default": true, "subnet_ids": subnets, "entries": [
        {"rule_number": 100, "egress": false, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"},
        {"rule_number": 101, "egress": false, "action": "allow", "protocol": "-1", "ipv6_cidr_block": "::/0"},
        {"rule_number": 100, "egress": true, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"},
        {"rule_number": 101, "egress": true, "action": "allow", "protocol": "-1", "ipv6_cidr_block": "::/0"},
        {"rule_number": 32767, "egress": false, "action": "deny", "protocol": "-1", "cidr_block": "0.0.0.0/0"},
        {"rule_number": 32767, "egress": true, "action": "deny", "protocol": "-1", "cidr_block": "0.0.0.0/0"}
    ]})
}

fn route(destination: &str, target_type: &str, target_id: &str) -> Value {
    if destination.contains(':') {
        json!({"destination_ipv6_cidr": destination, "target_type": target_type, "target_id": target_id, "state": "active"})
    } else {
        json!({"destination_cidr": destination, "target_type": target_type, "target_id": target_id, "state": "active"})
    }
}

fn base() -> Topology {
    let mut topology = Topology {
        nodes: BTreeMap::new(),
    };
    topology.add(NodeType::Vpc, "vpc-a", json!({"vpc_id": "vpc-a", "cidr_block": "10.0.0.0/16", "cidr_blocks": ["10.0.0.0/16"], "ipv6_cidr_blocks": ["2600:1f18::/56"], "main_route_table_id": "rtb-main", "default_network_acl_id": "acl-a"}));
    topology.add(NodeType::Vpc, "vpc-b", json!({"vpc_id": "vpc-b", "cidr_block": "10.1.0.0/16", "cidr_blocks": ["10.1.0.0/16"], "main_route_table_id": "rtb-b", "default_network_acl_id": "acl-b"}));
    topology.add(NodeType::InternetGateway, "igw-a", json!({"internet_gateway_id": "igw-a", "attachments": [{"vpc_id": "vpc-a", "state": "available"}]}));
    for (raw, cidr, table) in [
        ("subnet-pub", "10.0.1.0/24", Some("rtb-public")),
        ("subnet-priv", "10.0.2.0/24", None),
        ("subnet-db", "10.0.3.0/24", None),
    ] {
        topology.add(NodeType::Subnet, raw, json!({"subnet_id": raw, "vpc_id": "vpc-a", "cidr_block": cidr, "route_table_id": table, "network_acl_id": "acl-a"}));
    }
    topology.add(NodeType::Subnet, "subnet-b", json!({"subnet_id": "subnet-b", "vpc_id": "vpc-b", "cidr_block": "10.1.1.0/24", "network_acl_id": "acl-b"}));
    topology.add(
        NodeType::NetworkAcl,
        "acl-a",
        allow_all_acl(
            "acl-a",
            "vpc-a",
            &["subnet-pub", "subnet-priv", "subnet-db"],
        ),
    );
    topology.add(
        NodeType::NetworkAcl,
        "acl-b",
        allow_all_acl("acl-b", "vpc-b", &["subnet-b"]),
    );
    topology.add(NodeType::RouteTable, "rtb-public", json!({"route_table_id": "rtb-public", "vpc_id": "vpc-a", "is_main": false, "subnet_ids": ["subnet-pub"], "routes": [
        route("10.0.0.0/16", "local", "local"), route("0.0.0.0/0", "internet_gateway", "igw-a"), route("::/0", "internet_gateway", "igw-a"), route("10.1.0.0/16", "vpc_peering_connection", "pcx-ab")]}));
    topology.add(NodeType::RouteTable, "rtb-main", json!({"route_table_id": "rtb-main", "vpc_id": "vpc-a", "is_main": true, "routes": [
        route("10.0.0.0/16", "local", "local"), route("0.0.0.0/0", "nat_gateway", "nat-a"), route("10.1.0.0/16", "vpc_peering_connection", "pcx-ab")]}));
    topology.add(NodeType::RouteTable, "rtb-b", json!({"route_table_id": "rtb-b", "vpc_id": "vpc-b", "is_main": true, "routes": [
        route("10.1.0.0/16", "local", "local"), route("10.0.0.0/16", "vpc_peering_connection", "pcx-ab")]}));
    topology.add(NodeType::NatGateway, "nat-a", json!({"nat_gateway_id": "nat-a", "subnet_id": "subnet-pub", "vpc_id": "vpc-a", "state": "available", "connectivity_type": "public", "public_ip": "54.0.0.99", "private_ip": "10.0.1.99"}));
    topology.add(NodeType::VpcPeeringConnection, "pcx-ab", json!({"peering_connection_id": "pcx-ab", "status": "active", "requester_vpc_id": "vpc-a", "requester_cidr_blocks": ["10.0.0.0/16"], "accepter_vpc_id": "vpc-b", "accepter_cidr_blocks": ["10.1.0.0/16"]}));
    topology.add(
        NodeType::ManagedPrefixList,
        "pl-office",
        json!({"prefix_list_id": "pl-office", "cidrs": ["203.0.113.0/24"]}),
    );
    topology.group("sg-web", "vpc-a", json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "ipv4_ranges": ["0.0.0.0/0"], "ipv6_ranges": ["::/0"]}, {"protocol": "tcp", "from_port": 80, "to_port": 80, "ipv4_ranges": ["0.0.0.0/0"]}]));
    topology.group("sg-app", "vpc-a", json!([{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "referenced_group_ids": ["sg-web"]}]));
    topology.group("sg-db", "vpc-a", json!([{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "referenced_group_ids": ["sg-app"]}]));
    topology.group("sg-peer", "vpc-b", json!([{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "ipv4_ranges": ["10.0.0.0/16"]}]));
    topology.group("sg-legacy", "vpc-a", json!([{"protocol": "tcp", "from_port": 3389, "to_port": 3389, "ipv4_ranges": ["0.0.0.0/0"]}]));
    topology.instance(
        "web",
        "subnet-pub",
        "vpc-a",
        "10.0.1.10",
        Some("54.0.0.10"),
        &["sg-web"],
    );
    topology.instance(
        "app",
        "subnet-priv",
        "vpc-a",
        "10.0.2.20",
        None,
        &["sg-app"],
    );
    topology.instance(
        "app2",
        "subnet-priv",
        "vpc-a",
        "10.0.2.21",
        None,
        &["sg-app"],
    );
    topology.instance("db", "subnet-db", "vpc-a", "10.0.3.30", None, &["sg-db"]);
    topology.instance("peer", "subnet-b", "vpc-b", "10.1.1.40", None, &["sg-peer"]);
    topology.instance(
        "legacy",
        "subnet-priv",
        "vpc-a",
        "10.0.2.50",
        None,
        &["sg-legacy"],
    );
    topology
}

/// What a case expects: disposition, the component that decided (blocked, or last forward hop),
/// and its reason code.
struct Expected {
    disposition: Disposition,
    component: &'static str,
    reason: &'static str,
}

fn to_cidr(source: &str, cidr: &str, port: Option<i64>, protocol: &str) -> TraceQuery {
    pathtrace::parse_query(
        node_id(NodeType::Instance, source).as_str(),
        Some(cidr),
        None,
        port,
        protocol,
    )
    .unwrap()
}

fn to_node(source: &str, destination: &str, port: Option<i64>, protocol: &str) -> TraceQuery {
    pathtrace::parse_query(
        node_id(NodeType::Instance, source).as_str(),
        None,
        Some(node_id(NodeType::Instance, destination).as_str()),
        port,
        protocol,
    )
    .unwrap()
}

#[track_caller]
fn check(topology: &Topology, query: TraceQuery, expected: Expected) -> pathtrace::TraceResult {
    let graph = topology.graph();
    let result = pathtrace::trace(&graph, &query).expect("trace runs");
    let dump = serde_json::to_string_pretty(&result).unwrap();
    assert_eq!(result.disposition, expected.disposition, "{dump}");
    assert_eq!(
        result.reachable,
        matches!(
            expected.disposition,
            Disposition::Accepted | Disposition::ExitsNetwork
        )
    );
    let deciding = if result.reachable {
        result.forward_hops.last().cloned()
    } else {
        let blocked = result
            .blocked_at
            .clone()
            .expect("a blocked trace says where");
        result
            .forward_hops
            .iter()
            .chain(result.return_hops.iter())
            .find(|hop| hop.seq == blocked.seq && hop.component == blocked.component)
            .cloned()
    }
    .expect("a deciding hop");
    assert_eq!(deciding.component, expected.component, "{dump}");
    assert_eq!(deciding.reason_code, expected.reason, "{dump}");
    assert!(!result.explanations.is_empty() && !deciding.text.is_empty());
    result
}

fn expect(disposition: Disposition, component: &'static str, reason: &'static str) -> Expected {
    Expected {
        disposition,
        component,
        reason,
    }
}

fn set_nacl(topology: &mut Topology, acl: &str, entries: Value) {
    topology.props(acl)["entries"] = entries;
}

#[test]
fn web_reaches_the_internet_through_the_igw() {
    let result = check(
        &base(),
        to_cidr("web", "0.0.0.0/0", Some(443), "tcp"),
        expect(
            Disposition::ExitsNetwork,
            "internet_gateway",
            "IGW_FORWARDS",
        ),
    );
    let components: Vec<&str> = result
        .forward_hops
        .iter()
        .map(|hop| hop.component.as_str())
        .collect();
    assert_eq!(
        components,
        vec![
            "security_group_egress",
            "network_acl_outbound",
            "route_table",
            "internet_gateway"
        ]
    );
    assert_eq!(
        result.forward_hops[2].matched.as_ref().unwrap()["prefix_length"],
        0
    );
    assert_eq!(result.return_hops.len(), 1);
}

#[test]
fn private_app_reaches_the_internet_through_the_nat() {
    let result = check(
        &base(),
        to_cidr("app", "8.8.8.8/32", Some(443), "tcp"),
        expect(
            Disposition::ExitsNetwork,
            "internet_gateway",
            "IGW_FORWARDS",
        ),
    );
    assert!(
        result
            .forward_hops
            .iter()
            .any(|hop| hop.reason_code == "NAT_TRANSLATES")
    );
    assert_eq!(
        result.forward_hops[2].matched.as_ref().unwrap()["association"],
        "main"
    );
}

#[test]
fn security_group_reference_admits_the_web_tier() {
    let result = check(
        &base(),
        to_node("web", "app", Some(8080), "tcp"),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
    let ingress = result
        .forward_hops
        .iter()
        .find(|hop| hop.component == "security_group_ingress")
        .unwrap();
    assert_eq!(
        ingress.matched.as_ref().unwrap()["source"],
        "security group sg-web"
    );
    assert_eq!(
        result.return_hops.len(),
        2,
        "both NACLs checked for the return path"
    );
}

#[test]
fn security_group_denies_an_unlisted_port() {
    check(
        &base(),
        to_node("web", "app", Some(9090), "tcp"),
        expect(
            Disposition::DeniedIn,
            "security_group_ingress",
            "SG_NO_MATCHING_INGRESS_RULE",
        ),
    );
}

#[test]
fn chained_references_admit_app_to_db() {
    check(
        &base(),
        to_node("app", "db", Some(5432), "tcp"),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
}

#[test]
fn a_group_not_referenced_is_denied() {
    check(
        &base(),
        to_node("web", "db", Some(5432), "tcp"),
        expect(
            Disposition::DeniedIn,
            "security_group_ingress",
            "SG_NO_MATCHING_INGRESS_RULE",
        ),
    );
}

#[test]
fn missing_egress_rule_denies_out() {
    let mut topology = base();
    topology.props("sg-web")["egress"] = json!([]);
    check(
        &topology,
        to_cidr("web", "0.0.0.0/0", Some(443), "tcp"),
        expect(
            Disposition::DeniedOut,
            "security_group_egress",
            "SG_NO_MATCHING_EGRESS_RULE",
        ),
    );
}

#[test]
fn nacl_allow_before_deny_by_rule_number() {
    let mut topology = base();
    set_nacl(
        &mut topology,
        "acl-a",
        json!([
            {"rule_number": 200, "egress": true, "action": "deny", "protocol": "-1", "cidr_block": "0.0.0.0/0"},
            {"rule_number": 100, "egress": true, "action": "allow", "protocol": "tcp", "port_from": 443, "port_to": 443, "cidr_block": "0.0.0.0/0"},
            {"rule_number": 100, "egress": false, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"}
        ]),
    );
    let result = check(
        &topology,
        to_cidr("web", "0.0.0.0/0", Some(443), "tcp"),
        expect(
            Disposition::ExitsNetwork,
            "internet_gateway",
            "IGW_FORWARDS",
        ),
    );
    assert_eq!(
        result.forward_hops[1].matched.as_ref().unwrap()["rule_number"],
        100
    );
}

#[test]
fn nacl_deny_before_allow_by_rule_number() {
    let mut topology = base();
    set_nacl(
        &mut topology,
        "acl-a",
        json!([
            {"rule_number": 100, "egress": true, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"},
            {"rule_number": 90, "egress": true, "action": "deny", "protocol": "tcp", "port_from": 443, "port_to": 443, "cidr_block": "0.0.0.0/0"},
            {"rule_number": 100, "egress": false, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"}
        ]),
    );
    let result = check(
        &topology,
        to_cidr("web", "0.0.0.0/0", Some(443), "tcp"),
        expect(
            Disposition::DeniedOut,
            "network_acl_outbound",
            "NACL_DENY_RULE",
        ),
    );
    assert_eq!(
        result.forward_hops[1].matched.as_ref().unwrap()["rule_number"],
        90
    );
}

#[test]
fn nacl_implicit_deny() {
    let mut topology = base();
    set_nacl(
        &mut topology,
        "acl-a",
        json!([{"rule_number": 100, "egress": true, "action": "allow", "protocol": "udp", "cidr_block": "0.0.0.0/0"}]),
    );
    check(
        &topology,
        to_cidr("web", "0.0.0.0/0", Some(443), "tcp"),
        expect(
            Disposition::DeniedOut,
            "network_acl_outbound",
            "NACL_IMPLICIT_DENY",
        ),
    );
}

#[test]
fn nacl_blocking_ephemeral_return_ports() {
    let mut topology = base();
    set_nacl(
        &mut topology,
        "acl-a",
        json!([
            {"rule_number": 100, "egress": true, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"},
            {"rule_number": 100, "egress": false, "action": "allow", "protocol": "tcp", "port_from": 22, "port_to": 22, "cidr_block": "0.0.0.0/0"}
        ]),
    );
    check(
        &topology,
        to_cidr("web", "0.0.0.0/0", Some(443), "tcp"),
        expect(
            Disposition::DeniedIn,
            "network_acl_inbound_return",
            "NACL_RETURN_PATH_DENIED",
        ),
    );
}

#[test]
fn partial_ephemeral_deny_blocks_the_return_path() {
    let mut topology = base();
    set_nacl(
        &mut topology,
        "acl-a",
        json!([
            {"rule_number": 100, "egress": true, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"},
            {"rule_number": 50, "egress": false, "action": "deny", "protocol": "tcp", "port_from": 30000, "port_to": 30010, "cidr_block": "0.0.0.0/0"},
            {"rule_number": 100, "egress": false, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"}
        ]),
    );
    check(
        &topology,
        to_cidr("web", "0.0.0.0/0", Some(443), "tcp"),
        expect(
            Disposition::DeniedIn,
            "network_acl_inbound_return",
            "NACL_RETURN_PATH_DENIED",
        ),
    );
}

#[test]
fn destination_nacl_inbound_deny() {
    let mut topology = base();
    topology.add(NodeType::NetworkAcl, "acl-priv", json!({"network_acl_id": "acl-priv", "vpc_id": "vpc-a", "subnet_ids": ["subnet-priv"], "entries": [
        {"rule_number": 10, "egress": false, "action": "deny", "protocol": "tcp", "port_from": 8080, "port_to": 8080, "cidr_block": "10.0.1.0/24"},
        {"rule_number": 100, "egress": false, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"},
        {"rule_number": 100, "egress": true, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"}]}));
    topology.props("subnet-priv")["network_acl_id"] = json!("acl-priv");
    check(
        &topology,
        to_node("web", "app", Some(8080), "tcp"),
        expect(
            Disposition::DeniedIn,
            "network_acl_inbound",
            "NACL_DENY_RULE",
        ),
    );
}

#[test]
fn destination_nacl_blocks_replies_out() {
    let mut topology = base();
    topology.add(NodeType::NetworkAcl, "acl-priv", json!({"network_acl_id": "acl-priv", "vpc_id": "vpc-a", "subnet_ids": ["subnet-priv"], "entries": [
        {"rule_number": 100, "egress": false, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"},
        {"rule_number": 100, "egress": true, "action": "allow", "protocol": "tcp", "port_from": 443, "port_to": 443, "cidr_block": "0.0.0.0/0"}]}));
    topology.props("subnet-priv")["network_acl_id"] = json!("acl-priv");
    check(
        &topology,
        to_node("web", "app", Some(8080), "tcp"),
        expect(
            Disposition::DeniedOut,
            "network_acl_outbound_return",
            "NACL_RETURN_PATH_DENIED",
        ),
    );
}

#[test]
fn same_subnet_traffic_skips_nacls() {
    let mut topology = base();
    set_nacl(&mut topology, "acl-a", json!([]));
    topology.props("sg-app")["ingress"] = json!([{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "referenced_group_ids": ["sg-app"]}]);
    let result = check(
        &topology,
        to_node("app", "app2", Some(8080), "tcp"),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
    assert!(
        result
            .forward_hops
            .iter()
            .any(|hop| hop.reason_code == "NACL_SKIPPED_SAME_SUBNET")
    );
    assert!(result.return_hops.is_empty());
}

#[test]
fn longest_prefix_match_prefers_a_24_over_a_16() {
    let mut topology = base();
    topology.props("rtb-public")["routes"] = json!([
        route("10.0.0.0/16", "local", "local"),
        route("10.1.0.0/16", "nat_gateway", "nat-a"),
        route("10.1.1.0/24", "vpc_peering_connection", "pcx-ab")
    ]);
    let result = check(
        &topology,
        to_node("web", "peer", Some(5432), "tcp"),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
    let route_hop = result
        .forward_hops
        .iter()
        .find(|hop| hop.component == "route_table")
        .unwrap();
    assert_eq!(route_hop.matched.as_ref().unwrap()["prefix_length"], 24);
    assert_eq!(route_hop.matched.as_ref().unwrap()["target_id"], "pcx-ab");
}

#[test]
fn explicit_route_table_wins_over_the_main_one() {
    let mut topology = base();
    topology.add(NodeType::RouteTable, "rtb-isolated", json!({"route_table_id": "rtb-isolated", "vpc_id": "vpc-a", "subnet_ids": ["subnet-priv"], "routes": [route("10.0.0.0/16", "local", "local")]}));
    topology.props("subnet-priv")["route_table_id"] = json!("rtb-isolated");
    let result = check(
        &topology,
        to_cidr("app", "8.8.8.8/32", Some(443), "tcp"),
        expect(
            Disposition::NoRoute,
            "route_table",
            "NO_ROUTE_TO_DESTINATION",
        ),
    );
    assert!(result.forward_hops[2].node_id.ends_with("rtb-isolated"));
}

#[test]
fn main_route_table_applies_without_an_association() {
    let result = check(
        &base(),
        to_cidr("db", "8.8.8.8/32", Some(443), "tcp"),
        expect(
            Disposition::ExitsNetwork,
            "internet_gateway",
            "IGW_FORWARDS",
        ),
    );
    assert!(result.forward_hops[2].node_id.ends_with("rtb-main"));
}

#[test]
fn blackhole_route_drops() {
    let mut topology = base();
    topology.props("rtb-public")["routes"] = json!([route("10.0.0.0/16", "local", "local"), {"destination_cidr": "0.0.0.0/0", "target_type": "nat_gateway", "target_id": "nat-gone", "state": "blackhole"}]);
    check(
        &topology,
        to_cidr("web", "8.8.8.8/32", Some(443), "tcp"),
        expect(Disposition::Blackhole, "route_table", "ROUTE_BLACKHOLE"),
    );
}

#[test]
fn no_route_to_destination() {
    let mut topology = base();
    topology.props("rtb-public")["routes"] = json!([route("10.0.0.0/16", "local", "local")]);
    check(
        &topology,
        to_cidr("web", "192.168.0.0/16", Some(443), "tcp"),
        expect(
            Disposition::NoRoute,
            "route_table",
            "NO_ROUTE_TO_DESTINATION",
        ),
    );
}

#[test]
fn igw_without_public_ip_drops() {
    let mut topology = base();
    topology.instance(
        "nopublic",
        "subnet-pub",
        "vpc-a",
        "10.0.1.11",
        None,
        &["sg-web"],
    );
    check(
        &topology,
        to_cidr("nopublic", "0.0.0.0/0", Some(443), "tcp"),
        expect(Disposition::DeniedOut, "internet_gateway", "NO_PUBLIC_IP"),
    );
}

#[test]
fn an_elastic_ip_gives_a_public_address() {
    let mut topology = base();
    topology.instance("eip", "subnet-pub", "vpc-a", "10.0.1.12", None, &["sg-web"]);
    topology.add(NodeType::ElasticIp, "eipalloc-1", json!({"allocation_id": "eipalloc-1", "public_ip": "54.0.0.12", "network_interface_id": "eni-eip"}));
    check(
        &topology,
        to_cidr("eip", "0.0.0.0/0", Some(443), "tcp"),
        expect(
            Disposition::ExitsNetwork,
            "internet_gateway",
            "IGW_FORWARDS",
        ),
    );
    // The per-snapshot index answers the same.
    let graph = topology.graph();
    let index = pathtrace::PathIndex::build(&graph);
    let query = to_cidr("eip", "0.0.0.0/0", Some(443), "tcp");
    assert_eq!(
        pathtrace::trace_indexed(&graph, Some(&index), &query)
            .unwrap()
            .disposition,
        Disposition::ExitsNetwork
    );
    assert_eq!(
        pathtrace::trace(&graph, &query).unwrap(),
        pathtrace::trace_indexed(&graph, Some(&index), &query).unwrap()
    );
}

#[test]
fn detached_igw() {
    let mut topology = base();
    topology.props("igw-a")["attachments"] = json!([{"vpc_id": "vpc-a", "state": "detached"}]);
    check(
        &topology,
        to_cidr("web", "0.0.0.0/0", Some(443), "tcp"),
        expect(Disposition::NoRoute, "internet_gateway", "IGW_NOT_ATTACHED"),
    );
}

#[test]
fn nat_not_available() {
    let mut topology = base();
    topology.props("nat-a")["state"] = json!("failed");
    check(
        &topology,
        to_cidr("app", "8.8.8.8/32", Some(443), "tcp"),
        expect(Disposition::Blackhole, "nat_gateway", "NAT_NOT_AVAILABLE"),
    );
}

#[test]
fn nat_subnet_without_internet_route() {
    let mut topology = base();
    topology.props("rtb-public")["routes"] = json!([route("10.0.0.0/16", "local", "local")]);
    check(
        &topology,
        to_cidr("app", "8.8.8.8/32", Some(443), "tcp"),
        expect(
            Disposition::NoRoute,
            "route_table",
            "NO_ROUTE_TO_DESTINATION",
        ),
    );
}

#[test]
fn peering_with_a_route_back() {
    let result = check(
        &base(),
        to_node("web", "peer", Some(5432), "tcp"),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
    assert!(
        result
            .forward_hops
            .iter()
            .any(|hop| hop.reason_code == "PEERING_FORWARDS")
    );
    assert!(
        result
            .return_hops
            .iter()
            .any(|hop| hop.component == "route_table_return")
    );
}

#[test]
fn peering_without_a_route_back() {
    let mut topology = base();
    topology.props("rtb-b")["routes"] = json!([route("10.1.0.0/16", "local", "local")]);
    check(
        &topology,
        to_node("web", "peer", Some(5432), "tcp"),
        expect(
            Disposition::NoRoute,
            "route_table_return",
            "PEERING_NO_ROUTE_BACK",
        ),
    );
}

#[test]
fn peering_not_active() {
    let mut topology = base();
    topology.props("pcx-ab")["status"] = json!("pending-acceptance");
    check(
        &topology,
        to_node("web", "peer", Some(5432), "tcp"),
        expect(
            Disposition::Blackhole,
            "vpc_peering_connection",
            "PEERING_NOT_ACTIVE",
        ),
    );
}

#[test]
fn peering_is_not_transitive() {
    let mut topology = base();
    topology.props("rtb-public")["routes"]
        .as_array_mut()
        .unwrap()
        .push(route("10.2.0.0/16", "vpc_peering_connection", "pcx-ab"));
    check(
        &topology,
        to_cidr("web", "10.2.0.0/24", Some(443), "tcp"),
        expect(
            Disposition::NoRoute,
            "vpc_peering_connection",
            "NO_ROUTE_TO_DESTINATION",
        ),
    );
}

#[test]
fn protocol_all_needs_an_all_traffic_rule() {
    check(
        &base(),
        to_node("web", "app", None, "all"),
        expect(
            Disposition::DeniedIn,
            "security_group_ingress",
            "SG_NO_MATCHING_INGRESS_RULE",
        ),
    );
    let mut topology = base();
    topology.props("sg-app")["ingress"] =
        json!([{"protocol": "-1", "referenced_group_ids": ["sg-web"]}]);
    check(
        &topology,
        to_node("web", "app", None, "all"),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
}

#[test]
fn icmp_needs_an_icmp_rule() {
    check(
        &base(),
        to_node("web", "app", None, "icmp"),
        expect(
            Disposition::DeniedIn,
            "security_group_ingress",
            "SG_NO_MATCHING_INGRESS_RULE",
        ),
    );
    let mut topology = base();
    topology.props("sg-app")["ingress"] = json!([{"protocol": "icmp", "from_port": -1, "to_port": -1, "referenced_group_ids": ["sg-web"]}]);
    check(
        &topology,
        to_node("web", "app", None, "icmp"),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
    check(
        &topology,
        to_cidr("web", "8.8.8.8/32", None, "icmp"),
        expect(
            Disposition::ExitsNetwork,
            "internet_gateway",
            "IGW_FORWARDS",
        ),
    );
}

#[test]
fn port_ranges_are_inclusive() {
    let mut topology = base();
    topology.props("sg-app")["ingress"] = json!([{"protocol": "tcp", "from_port": 8000, "to_port": 8100, "referenced_group_ids": ["sg-web"]}]);
    check(
        &topology,
        to_node("web", "app", Some(8100), "tcp"),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
    check(
        &topology,
        to_node("web", "app", Some(8101), "tcp"),
        expect(
            Disposition::DeniedIn,
            "security_group_ingress",
            "SG_NO_MATCHING_INGRESS_RULE",
        ),
    );
    check(
        &topology,
        to_node("web", "app", Some(7999), "tcp"),
        expect(
            Disposition::DeniedIn,
            "security_group_ingress",
            "SG_NO_MATCHING_INGRESS_RULE",
        ),
    );
}

#[test]
fn ipv6_to_the_internet_needs_an_ipv6_egress_rule() {
    let mut topology = base();
    topology.props("eni-web")["ipv6_addresses"] = json!(["2600:1f18::10"]);
    check(
        &topology,
        to_cidr("web", "::/0", Some(443), "tcp"),
        expect(
            Disposition::DeniedOut,
            "security_group_egress",
            "SG_NO_MATCHING_EGRESS_RULE",
        ),
    );
    topology.props("sg-web")["egress"] =
        json!([{"protocol": "-1", "ipv4_ranges": ["0.0.0.0/0"], "ipv6_ranges": ["::/0"]}]);
    let result = check(
        &topology,
        to_cidr("web", "::/0", Some(443), "tcp"),
        expect(
            Disposition::ExitsNetwork,
            "internet_gateway",
            "IGW_FORWARDS",
        ),
    );
    assert_eq!(
        result.forward_hops[2].matched.as_ref().unwrap()["destination"],
        "::/0"
    );
}

#[test]
fn ipv6_without_a_source_address_is_undecidable() {
    check(
        &base(),
        to_cidr("web", "::/0", Some(443), "tcp"),
        expect(Disposition::InsufficientInfo, "source", "MISSING_DATA"),
    );
}

#[test]
fn prefix_lists_resolve_to_their_cidrs() {
    let mut topology = base();
    topology.props("sg-web")["egress"] = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "prefix_list_ids": ["pl-office"]}]);
    let result = check(
        &topology,
        to_cidr("web", "203.0.113.0/24", Some(443), "tcp"),
        expect(
            Disposition::ExitsNetwork,
            "internet_gateway",
            "IGW_FORWARDS",
        ),
    );
    assert_eq!(
        result.forward_hops[0].matched.as_ref().unwrap()["destination"],
        "prefix list pl-office"
    );
    check(
        &topology,
        to_cidr("web", "198.51.100.0/24", Some(443), "tcp"),
        expect(
            Disposition::DeniedOut,
            "security_group_egress",
            "SG_NO_MATCHING_EGRESS_RULE",
        ),
    );
    topology.remove("pl-office");
    check(
        &topology,
        to_cidr("web", "198.51.100.0/24", Some(443), "tcp"),
        expect(
            Disposition::InsufficientInfo,
            "security_group_egress",
            "MISSING_DATA",
        ),
    );
}

#[test]
fn destination_as_a_cidr_finds_the_resource_at_that_address() {
    let result = check(
        &base(),
        to_cidr("web", "10.0.2.20/32", Some(8080), "tcp"),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
    assert!(
        result
            .forward_hops
            .iter()
            .any(|hop| hop.node_id.ends_with("sg-app"))
    );
}

#[test]
fn destination_cidr_without_a_resource_is_undecidable() {
    check(
        &base(),
        to_cidr("web", "10.0.2.200/32", Some(8080), "tcp"),
        expect(Disposition::InsufficientInfo, "destination", "MISSING_DATA"),
    );
}

#[test]
fn missing_subnet_data_is_undecidable() {
    let mut topology = base();
    topology.remove("subnet-pub");
    check(
        &topology,
        to_cidr("web", "0.0.0.0/0", Some(443), "tcp"),
        expect(Disposition::InsufficientInfo, "source", "MISSING_DATA"),
    );
}

#[test]
fn network_interface_as_source() {
    let graph = base().graph();
    let query = pathtrace::parse_query(
        node_id(NodeType::NetworkInterface, "eni-web").as_str(),
        Some("0.0.0.0/0"),
        None,
        Some(443),
        "tcp",
    )
    .unwrap();
    assert_eq!(
        pathtrace::trace(&graph, &query).unwrap().disposition,
        Disposition::ExitsNetwork
    );
}

#[test]
fn unknown_nodes_and_unsupported_sources_are_errors() {
    let graph = base().graph();
    let unknown = to_cidr("ghost", "0.0.0.0/0", Some(443), "tcp");
    assert!(matches!(
        pathtrace::trace(&graph, &unknown),
        Err(TraceError::UnknownNode(_))
    ));
    let from_vpc = pathtrace::parse_query(
        node_id(NodeType::Vpc, "vpc-a").as_str(),
        Some("0.0.0.0/0"),
        None,
        Some(443),
        "tcp",
    )
    .unwrap();
    assert!(matches!(
        pathtrace::trace(&graph, &from_vpc),
        Err(TraceError::UnsupportedSource { .. })
    ));
    let to_ghost = to_node("web", "ghost", Some(443), "tcp");
    assert!(matches!(
        pathtrace::trace(&graph, &to_ghost),
        Err(TraceError::UnknownNode(_))
    ));
}

#[test]
fn transit_gateway_to_an_attached_vpc() {
    let mut topology = base();
    topology.add(
        NodeType::TransitGateway,
        "tgw-1",
        json!({"transit_gateway_id": "tgw-1", "state": "available"}),
    );
    topology.add(NodeType::TransitGatewayAttachment, "tgw-attach-b", json!({"attachment_id": "tgw-attach-b", "transit_gateway_id": "tgw-1", "resource_type": "vpc", "resource_id": "vpc-b", "state": "available"}));
    topology.props("rtb-public")["routes"] = json!([
        route("10.0.0.0/16", "local", "local"),
        route("10.1.0.0/16", "transit_gateway", "tgw-1")
    ]);
    check(
        &topology,
        to_node("web", "peer", Some(5432), "tcp"),
        expect(
            Disposition::NoRoute,
            "route_table_return",
            "NO_ROUTE_TO_DESTINATION",
        ),
    );
    topology.props("rtb-b")["routes"] = json!([
        route("10.1.0.0/16", "local", "local"),
        route("10.0.0.0/16", "transit_gateway", "tgw-1")
    ]);
    check(
        &topology,
        to_node("web", "peer", Some(5432), "tcp"),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
}

// ---- internet exposure ----

fn open_on(report: &pathtrace::ExposureReport, raw: &str, port: u16) -> bool {
    report
        .exposed_on(
            &node_id(NodeType::Instance, raw),
            Some(port),
            pathtrace::Protocol::Tcp,
        )
        .is_some()
}

#[test]
fn exposure_lists_the_public_web_instance_with_a_path_proof() {
    let report = pathtrace::analyse_internet_exposure(&base().graph());
    assert_eq!(report.entries().len(), 1, "{:#?}", report.entries());
    let entry = &report.entries()[0];
    assert_eq!(
        entry.node_id,
        node_id(NodeType::Instance, "web").to_string()
    );
    assert!(open_on(&report, "web", 443) && open_on(&report, "web", 80));
    assert!(!open_on(&report, "web", 22));
    let components: Vec<&str> = entry
        .path
        .iter()
        .map(|hop| hop.component.as_str())
        .collect();
    assert_eq!(&components[..2], &["internet_gateway", "route_table"]);
    assert!(
        components.contains(&"security_group_ingress")
            && components.contains(&"network_acl_outbound_return")
    );
}

#[test]
fn exposure_ignores_private_instances_even_with_open_groups() {
    let report = pathtrace::analyse_internet_exposure(&base().graph());
    assert!(
        !open_on(&report, "legacy", 3389),
        "RDP open to 0.0.0.0/0 on a private instance is not exposed"
    );
    assert!(!open_on(&report, "app", 8080));
}

#[test]
fn exposure_respects_nacl_denies_and_missing_routes() {
    let mut topology = base();
    set_nacl(
        &mut topology,
        "acl-a",
        json!([
            {"rule_number": 10, "egress": false, "action": "deny", "protocol": "tcp", "port_from": 80, "port_to": 80, "cidr_block": "0.0.0.0/0"},
            {"rule_number": 100, "egress": false, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"},
            {"rule_number": 100, "egress": true, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"}
        ]),
    );
    let report = pathtrace::analyse_internet_exposure(&topology.graph());
    assert!(open_on(&report, "web", 443));
    assert!(
        !open_on(&report, "web", 80),
        "the NACL denies 80 before allowing all"
    );
    topology.props("rtb-public")["routes"] = json!([route("10.0.0.0/16", "local", "local")]);
    assert!(
        pathtrace::analyse_internet_exposure(&topology.graph())
            .entries()
            .is_empty(),
        "no route back to the internet"
    );
}

#[test]
fn exposure_honours_prefix_lists_as_the_tracer_does() {
    let mut topology = base();
    topology.props("pl-office")["cidrs"] = json!(["0.0.0.0/0"]);
    let mut ingress = topology.props("sg-web")["ingress"].clone();
    ingress
        .as_array_mut()
        .unwrap()
        .push(json!({"protocol": "tcp", "from_port": 22, "to_port": 22, "prefix_list_ids": ["pl-office"]}));
    topology.props("sg-web")["ingress"] = ingress;
    // The tracer admits the internet through the prefix list...
    topology.props("sg-web")["egress"] = json!([{"protocol": "tcp", "from_port": 22, "to_port": 22, "prefix_list_ids": ["pl-office"]}]);
    let result = check(
        &topology,
        to_cidr("web", "0.0.0.0/0", Some(22), "tcp"),
        expect(
            Disposition::ExitsNetwork,
            "internet_gateway",
            "IGW_FORWARDS",
        ),
    );
    assert_eq!(
        result.forward_hops[0].matched.as_ref().unwrap()["destination"],
        "prefix list pl-office"
    );
    // ...and so must the exposure analysis, which shares its matcher.
    let report = pathtrace::analyse_internet_exposure(&topology.graph());
    assert!(open_on(&report, "web", 22), "{:#?}", report.entries());
    let entry = &report.entries()[0];
    assert!(
        entry.path.iter().any(|hop| hop
            .matched
            .as_ref()
            .is_some_and(|matched| matched.to_string().contains("prefix list pl-office"))),
        "{:#?}",
        entry.path
    );
}

// Load balancers. The base topology plus `alb-web` (application, internet-facing, in
// `subnet-pub`, group `sg-alb`: 443 from anywhere, egress anywhere) with listener `l-443`
// (HTTPS 443, forward to `tg-app`: HTTP 8080, instance target `app`), and `sg-app` admitting
// 8080 only from `sg-alb`. Each case changes one thing; expectations follow AWS semantics: the
// internet reaches a load balancer only when it is internet-facing, listens on the port, sits in
// a subnet routed to an attached internet gateway whose NACL admits the client and lets replies
// out on the ephemeral ports, and its groups admit the client; the load balancer then reaches a
// target whose groups admit the load balancer's groups or addresses (or the client's own address
// when a network load balancer preserves it), through both subnets' NACLs both ways.

fn internet_id() -> &'static str {
    infracast::model::INTERNET_NODE_ID
}

fn from_internet(destination: NodeId, port: i64) -> TraceQuery {
    pathtrace::parse_query(
        internet_id(),
        None,
        Some(destination.as_str()),
        Some(port),
        "tcp",
    )
    .unwrap()
}

fn with_alb(scheme: &str) -> Topology {
    let mut topology = base();
    topology.group("sg-alb", "vpc-a", json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "ipv4_ranges": ["0.0.0.0/0"]}]));
    topology.props("sg-app")["ingress"] = json!([{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "referenced_group_ids": ["sg-alb"]}]);
    topology.add(NodeType::LoadBalancerV2, "alb-web", json!({"load_balancer_arn": "alb-web", "name": "web", "scheme": scheme, "load_balancer_type": "application", "vpc_id": "vpc-a", "subnet_ids": ["subnet-pub"], "security_group_ids": ["sg-alb"], "dns_name": "web.elb.example"}));
    topology.add(NodeType::Listener, "l-443", json!({"listener_arn": "l-443", "load_balancer_arn": "alb-web", "port": 443, "protocol": "HTTPS", "default_actions": [{"action_type": "forward", "target_group_arns": ["tg-app"]}]}));
    topology.add(NodeType::TargetGroup, "tg-app", json!({"target_group_arn": "tg-app", "name": "app", "protocol": "HTTP", "port": 8080, "target_type": "instance", "vpc_id": "vpc-a", "targets": [{"id": "app"}]}));
    topology
}

/// An internet-facing network load balancer `nlb-app` without groups in `subnet-pub`: TCP 443
/// to `tg-nlb` (TCP 8080, instance target `app`, client IP preservation as given).
fn with_nlb(preserve_client_ip: Option<bool>, app_ingress: Value) -> Topology {
    let mut topology = base();
    topology.props("sg-app")["ingress"] = app_ingress;
    topology.add(NodeType::LoadBalancerV2, "nlb-app", json!({"load_balancer_arn": "nlb-app", "name": "nlb", "scheme": "internet-facing", "load_balancer_type": "network", "vpc_id": "vpc-a", "subnet_ids": ["subnet-pub"], "security_group_ids": []}));
    topology.add(NodeType::Listener, "l-nlb", json!({"listener_arn": "l-nlb", "load_balancer_arn": "nlb-app", "port": 443, "protocol": "TCP", "default_actions": [{"action_type": "forward", "target_group_arns": ["tg-nlb"]}]}));
    topology.add(NodeType::TargetGroup, "tg-nlb", json!({"target_group_arn": "tg-nlb", "name": "nlb-app", "protocol": "TCP", "port": 8080, "target_type": "instance", "vpc_id": "vpc-a", "preserve_client_ip": preserve_client_ip, "targets": [{"id": "app"}]}));
    topology
}

fn app() -> NodeId {
    node_id(NodeType::Instance, "app")
}

#[test]
fn alb_in_public_subnets_reaches_a_private_instance_that_admits_only_its_group() {
    let result = check(
        &with_alb("internet-facing"),
        from_internet(app(), 443),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
    let components: Vec<&str> = result
        .forward_hops
        .iter()
        .map(|hop| hop.component.as_str())
        .collect();
    assert_eq!(
        components,
        vec![
            "load_balancer",
            "load_balancer_listener",
            "internet_gateway",
            "route_table",
            "network_acl_inbound",
            "security_group_ingress",
            "target_group",
            "security_group_egress",
            "network_acl_outbound",
            "network_acl_inbound",
            "security_group_ingress",
        ]
    );
    let target_group = &result.forward_hops[6];
    assert!(
        target_group.text.contains("through web on 443 → 8080"),
        "{}",
        target_group.text
    );
    assert_eq!(
        result.forward_hops[10].matched.as_ref().unwrap()["source"],
        "security group sg-alb"
    );
    let returns: Vec<&str> = result
        .return_hops
        .iter()
        .map(|hop| hop.component.as_str())
        .collect();
    assert_eq!(
        returns,
        vec![
            "network_acl_outbound_return",
            "network_acl_outbound_return",
            "network_acl_inbound_return"
        ]
    );
}

#[test]
fn a_target_group_admitting_only_a_cidr_the_alb_does_not_use_is_not_reached() {
    let mut topology = with_alb("internet-facing");
    topology.props("sg-app")["ingress"] = json!([{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "ipv4_ranges": ["10.0.9.0/24"]}]);
    check(
        &topology,
        from_internet(app(), 443),
        expect(
            Disposition::DeniedIn,
            "security_group_ingress",
            "SG_NO_MATCHING_INGRESS_RULE",
        ),
    );
}

#[test]
fn a_target_admitting_the_alb_subnet_is_reached() {
    let mut topology = with_alb("internet-facing");
    topology.props("sg-app")["ingress"] = json!([{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "ipv4_ranges": ["10.0.1.0/24"]}]);
    check(
        &topology,
        from_internet(app(), 443),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
}

#[test]
fn nlb_preserving_client_ips_does_not_expose_targets_that_admit_only_its_subnet() {
    let topology = with_nlb(
        None,
        json!([{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "ipv4_ranges": ["10.0.1.0/24"]}]),
    );
    let result = check(
        &topology,
        from_internet(app(), 443),
        expect(
            Disposition::DeniedIn,
            "security_group_ingress",
            "SG_NO_MATCHING_INGRESS_RULE",
        ),
    );
    assert!(
        result
            .forward_hops
            .iter()
            .any(|hop| hop.component == "target_group"
                && hop.text.contains("client IP preservation"))
    );
}

#[test]
fn nlb_preserving_client_ips_exposes_targets_open_to_the_internet() {
    let topology = with_nlb(
        None,
        json!([{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "ipv4_ranges": ["0.0.0.0/0"]}]),
    );
    check(
        &topology,
        from_internet(app(), 443),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
}

#[test]
fn nlb_without_client_ip_preservation_reaches_targets_that_admit_its_subnet() {
    let topology = with_nlb(
        Some(false),
        json!([{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "ipv4_ranges": ["10.0.1.0/24"]}]),
    );
    check(
        &topology,
        from_internet(app(), 443),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
}

#[test]
fn an_internal_alb_is_not_reachable_from_the_internet() {
    check(
        &with_alb("internal"),
        from_internet(app(), 443),
        expect(Disposition::NoRoute, "load_balancer", "LB_INTERNAL"),
    );
}

#[test]
fn an_internet_facing_alb_in_subnets_without_an_igw_route_is_not_reachable() {
    let mut topology = with_alb("internet-facing");
    topology.props("alb-web")["subnet_ids"] = json!(["subnet-priv"]);
    check(
        &topology,
        from_internet(app(), 443),
        expect(
            Disposition::NoRoute,
            "route_table",
            "NO_ROUTE_TO_DESTINATION",
        ),
    );
}

#[test]
fn a_listener_on_443_does_not_answer_a_trace_on_80() {
    check(
        &with_alb("internet-facing"),
        from_internet(app(), 80),
        expect(
            Disposition::DeniedIn,
            "load_balancer_listener",
            "NO_LISTENER_ON_PORT",
        ),
    );
}

#[test]
fn a_nacl_denying_the_load_balancers_ephemeral_return_blocks_it() {
    let mut topology = with_alb("internet-facing");
    topology.add(NodeType::NetworkAcl, "acl-pub", json!({"network_acl_id": "acl-pub", "vpc_id": "vpc-a", "subnet_ids": ["subnet-pub"], "entries": [
        {"rule_number": 100, "egress": false, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"},
        {"rule_number": 100, "egress": true, "action": "allow", "protocol": "tcp", "port_from": 8080, "port_to": 8080, "cidr_block": "10.0.0.0/16"}
    ]}));
    topology.props("subnet-pub")["network_acl_id"] = json!("acl-pub");
    check(
        &topology,
        from_internet(app(), 443),
        expect(
            Disposition::DeniedOut,
            "network_acl_outbound_return",
            "NACL_RETURN_PATH_DENIED",
        ),
    );
}

#[test]
fn a_target_subnet_nacl_without_the_return_to_the_load_balancer_blocks_it() {
    let mut topology = with_alb("internet-facing");
    topology.add(NodeType::NetworkAcl, "acl-priv", json!({"network_acl_id": "acl-priv", "vpc_id": "vpc-a", "subnet_ids": ["subnet-priv"], "entries": [
        {"rule_number": 100, "egress": false, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0"},
        {"rule_number": 100, "egress": true, "action": "allow", "protocol": "tcp", "port_from": 443, "port_to": 443, "cidr_block": "0.0.0.0/0"}
    ]}));
    topology.props("subnet-priv")["network_acl_id"] = json!("acl-priv");
    let result = check(
        &topology,
        from_internet(app(), 443),
        expect(
            Disposition::DeniedOut,
            "network_acl_outbound_return",
            "NACL_RETURN_PATH_DENIED",
        ),
    );
    assert!(result.blocked_at.unwrap().node_id.ends_with("acl-priv"));
}

#[test]
fn an_alb_group_closed_to_the_internet_blocks_the_front_leg() {
    let mut topology = with_alb("internet-facing");
    topology.props("sg-alb")["ingress"] = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "ipv4_ranges": ["10.0.0.0/8"]}]);
    check(
        &topology,
        from_internet(app(), 443),
        expect(
            Disposition::DeniedIn,
            "security_group_ingress",
            "SG_NO_MATCHING_INGRESS_RULE",
        ),
    );
}

#[test]
fn an_alb_group_without_egress_to_the_target_blocks_the_back_leg() {
    let mut topology = with_alb("internet-facing");
    topology.props("sg-alb")["egress"] = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "ipv4_ranges": ["0.0.0.0/0"]}]);
    check(
        &topology,
        from_internet(app(), 443),
        expect(
            Disposition::DeniedOut,
            "security_group_egress",
            "SG_NO_MATCHING_EGRESS_RULE",
        ),
    );
}

#[test]
fn a_detached_internet_gateway_does_not_reach_the_alb() {
    let mut topology = with_alb("internet-facing");
    topology.props("igw-a")["attachments"] = json!([]);
    check(
        &topology,
        from_internet(app(), 443),
        expect(Disposition::NoRoute, "internet_gateway", "IGW_NOT_ATTACHED"),
    );
}

#[test]
fn the_alb_itself_answers_on_its_listener() {
    check(
        &with_alb("internet-facing"),
        from_internet(node_id(NodeType::LoadBalancerV2, "alb-web"), 443),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
}

#[test]
fn an_instance_behind_no_load_balancer_is_not_traced_from_the_internet() {
    check(
        &with_alb("internet-facing"),
        from_internet(node_id(NodeType::Instance, "db"), 443),
        expect(
            Disposition::NoRoute,
            "destination",
            "NO_LOAD_BALANCER_TO_TARGET",
        ),
    );
}

#[test]
fn an_ip_target_is_followed_to_the_interface_holding_its_address() {
    let mut topology = with_alb("internet-facing");
    topology.props("tg-app")["target_type"] = json!("ip");
    topology.props("tg-app")["targets"] = json!([{"id": "10.0.2.21"}]);
    check(
        &topology,
        from_internet(node_id(NodeType::Instance, "app2"), 443),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
}

fn with_classic(scheme: &str) -> Topology {
    let mut topology = base();
    topology.group(
        "sg-elb",
        "vpc-a",
        json!([{"protocol": "tcp", "from_port": 80, "to_port": 80, "ipv4_ranges": ["0.0.0.0/0"]}]),
    );
    topology.props("sg-app")["ingress"] = json!([{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "referenced_group_ids": ["sg-elb"]}]);
    topology.add(NodeType::ClassicLoadBalancer, "legacy", json!({"name": "legacy", "scheme": scheme, "vpc_id": "vpc-a", "subnet_ids": ["subnet-pub"], "security_group_ids": ["sg-elb"], "listeners": [{"protocol": "HTTP", "load_balancer_port": 80, "instance_protocol": "HTTP", "instance_port": 8080}], "instance_ids": ["app"]}));
    topology
}

#[test]
fn a_classic_elb_reaches_its_registered_instance() {
    let result = check(
        &with_classic("internet-facing"),
        from_internet(app(), 80),
        expect(
            Disposition::Accepted,
            "security_group_ingress",
            "SG_ALLOWS_INGRESS",
        ),
    );
    assert!(
        result
            .forward_hops
            .iter()
            .any(|hop| hop.text.contains("through legacy on 80 → 8080"))
    );
}

#[test]
fn an_internal_classic_elb_is_not_reachable_from_the_internet() {
    check(
        &with_classic("internal"),
        from_internet(app(), 80),
        expect(Disposition::NoRoute, "load_balancer", "LB_INTERNAL"),
    );
}

#[test]
fn a_classic_elb_whose_instance_group_ignores_it_does_not_reach_it() {
    let mut topology = with_classic("internet-facing");
    topology.props("sg-app")["ingress"] = json!([{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "referenced_group_ids": ["sg-web"]}]);
    check(
        &topology,
        from_internet(app(), 80),
        expect(
            Disposition::DeniedIn,
            "security_group_ingress",
            "SG_NO_MATCHING_INGRESS_RULE",
        ),
    );
}

#[test]
fn a_trace_from_the_internet_needs_a_destination_node() {
    let query = pathtrace::parse_query(internet_id(), Some("10.0.2.20/32"), None, Some(443), "tcp")
        .unwrap();
    let error = pathtrace::trace(&with_alb("internet-facing").graph(), &query).unwrap_err();
    assert!(matches!(error, TraceError::FromInternet(_)), "{error}");
}

#[test]
fn exposure_lists_the_alb_and_the_instance_through_it_but_not_internal_or_nlb_guarded_ones() {
    let report = pathtrace::analyse_internet_exposure(&with_alb("internet-facing").graph());
    let alb = report
        .entries()
        .iter()
        .find(|entry| entry.node_id == node_id(NodeType::LoadBalancerV2, "alb-web").as_str())
        .expect("the ALB is exposed");
    assert_eq!(alb.node_type, "aws.elbv2.load_balancer");
    assert_eq!(alb.public_address.as_deref(), Some("web.elb.example"));
    assert_eq!(
        (alb.open[0].from_port, alb.open[0].to_port),
        (Some(443), Some(443))
    );
    assert!(open_on(&report, "app", 8080));
    assert!(!open_on(&report, "app", 443));
    assert!(!open_on(&report, "app2", 8080), "app2 is not registered");
    let app_entry = report
        .entries()
        .iter()
        .find(|entry| entry.node_id == app().as_str())
        .unwrap();
    assert!(
        app_entry
            .path
            .iter()
            .any(|hop| hop.text.contains("through web on 443 → 8080"))
    );

    let internal = pathtrace::analyse_internet_exposure(&with_alb("internal").graph());
    assert!(!open_on(&internal, "app", 8080));
    assert!(
        internal
            .entries()
            .iter()
            .all(|entry| !entry.node_id.contains("alb-web"))
    );

    let guarded = pathtrace::analyse_internet_exposure(
        &with_nlb(None, json!([{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "ipv4_ranges": ["10.0.1.0/24"]}])).graph(),
    );
    assert!(!open_on(&guarded, "app", 8080));
    assert!(
        guarded
            .entries()
            .iter()
            .any(|entry| entry.node_id.contains("nlb-app")),
        "the NLB itself answers"
    );
}

#[test]
fn the_sample_alb_exposes_its_private_targets_and_the_nlb_does_not() {
    let estate = infracast::discovery::sample::sample_estate();
    let graph = TenantGraph::build(estate.nodes.clone(), estate.edges.clone());
    let report = pathtrace::analyse_internet_exposure(&graph);
    let exposed = |raw: &str, port: u16| open_on(&report, raw, port);
    assert!(exposed("i-0a0008", 8080) && exposed("i-0a0009", 8080));
    assert!(!exposed("i-0a0010", 8080), "behind the internal ALB only");
    assert!(
        !exposed("i-0a0011", 8080),
        "the NLB's target admits only the web group"
    );
    let load_balancers: Vec<&str> = report
        .entries()
        .iter()
        .filter(|entry| entry.node_type == "aws.elbv2.load_balancer")
        .map(|entry| entry.node_id.rsplit('/').nth(1).unwrap_or_default())
        .collect();
    assert_eq!(load_balancers, vec!["prod-web", "prod-nlb"]);
}

// Lambda targets. `with_alb` plus function `hello` registered (by ARN) in `tg-fn`, which the 443
// listener also forwards to. AWS semantics: the load balancer invokes the function through the
// Lambda service, so the function's side has no security group or NACL to pass (its VPC groups,
// if any, govern its own calls out), but the front leg must still get through.

fn with_lambda_target(scheme: &str, load_balancer_type: &str) -> Topology {
    let mut topology = with_alb(scheme);
    topology.props("alb-web")["load_balancer_type"] = json!(load_balancer_type);
    topology.props("l-443")["default_actions"] =
        json!([{"action_type": "forward", "target_group_arns": ["tg-app", "tg-fn"]}]);
    topology.add(NodeType::TargetGroup, "tg-fn", json!({"target_group_arn": "tg-fn", "name": "fn", "target_type": "lambda", "targets": [{"id": "arn:aws:lambda:us-east-1:1:function:hello"}]}));
    // In a VPC, with a group that admits nothing: invocations do not pass through it.
    topology.group("sg-fn", "vpc-a", json!([]));
    topology.add(NodeType::LambdaFunction, "hello", json!({"function_name": "hello", "arn": "arn:aws:lambda:us-east-1:1:function:hello", "runtime": "python3.12", "vpc_id": "vpc-a", "subnet_ids": ["subnet-priv"], "security_group_ids": ["sg-fn"]}));
    topology
}

fn hello() -> NodeId {
    node_id(NodeType::LambdaFunction, "hello")
}

#[test]
fn an_alb_invokes_its_lambda_target_without_a_network_leg_on_the_function_side() {
    let result = check(
        &with_lambda_target("internet-facing", "application"),
        from_internet(hello(), 443),
        expect(Disposition::Accepted, "destination", "LB_INVOKES_FUNCTION"),
    );
    let components: Vec<&str> = result
        .forward_hops
        .iter()
        .map(|hop| hop.component.as_str())
        .collect();
    assert_eq!(
        components,
        vec![
            "load_balancer",
            "load_balancer_listener",
            "internet_gateway",
            "route_table",
            "network_acl_inbound",
            "security_group_ingress",
            "target_group",
            "destination",
        ]
    );
    assert!(
        result.forward_hops[6]
            .text
            .contains("through web on 443 → Lambda function hello"),
        "{}",
        result.forward_hops[6].text
    );
    // The front leg's reply still leaves through the load balancer subnet's NACL.
    let returns: Vec<&str> = result
        .return_hops
        .iter()
        .map(|hop| hop.component.as_str())
        .collect();
    assert_eq!(returns, vec!["network_acl_outbound_return"]);
}

#[test]
fn a_lambda_target_behind_an_internal_alb_or_a_closed_front_is_not_reached() {
    check(
        &with_lambda_target("internal", "application"),
        from_internet(hello(), 443),
        expect(Disposition::NoRoute, "load_balancer", "LB_INTERNAL"),
    );
    let mut closed = with_lambda_target("internet-facing", "application");
    closed.props("sg-alb")["ingress"] = json!([{"protocol": "tcp", "from_port": 443, "to_port": 443, "ipv4_ranges": ["10.0.0.0/8"]}]);
    check(
        &closed,
        from_internet(hello(), 443),
        expect(
            Disposition::DeniedIn,
            "security_group_ingress",
            "SG_NO_MATCHING_INGRESS_RULE",
        ),
    );
    check(
        &with_lambda_target("internet-facing", "application"),
        from_internet(hello(), 80),
        expect(
            Disposition::DeniedIn,
            "load_balancer_listener",
            "NO_LISTENER_ON_PORT",
        ),
    );
}

#[test]
fn a_lambda_target_of_a_network_load_balancer_is_not_a_path() {
    // AWS refuses Lambda targets behind network load balancers; the tracer does not invent one.
    check(
        &with_lambda_target("internet-facing", "network"),
        from_internet(hello(), 443),
        expect(
            Disposition::NoRoute,
            "destination",
            "NO_LOAD_BALANCER_TO_TARGET",
        ),
    );
}

#[test]
fn exposure_lists_a_lambda_function_behind_an_internet_facing_alb() {
    let exposed = |topology: &Topology| {
        pathtrace::analyse_internet_exposure(&topology.graph())
            .exposed_on(&hello(), Some(443), pathtrace::Protocol::Tcp)
            .cloned()
    };
    let entry = exposed(&with_lambda_target("internet-facing", "application"))
        .expect("the function is reachable through the ALB");
    assert_eq!(entry.node_type, "aws.lambda.function");
    assert!(
        entry
            .path
            .iter()
            .any(|hop| hop.reason_code == "LB_INVOKES_FUNCTION"),
        "{:#?}",
        entry.path
    );
    assert!(
        entry
            .path
            .iter()
            .any(|hop| hop.component == "load_balancer_listener"),
        "the proof starts at the listener"
    );
    assert!(exposed(&with_lambda_target("internal", "application")).is_none());
    let mut unregistered = with_lambda_target("internet-facing", "application");
    unregistered.props("tg-fn")["targets"] = json!([]);
    assert!(exposed(&unregistered).is_none());
}

// The internet node: derived from the exposure report, with an edge from every attached internet
// gateway and one to every exposed resource.

fn internet_edges(topology: &Topology) -> Option<Vec<String>> {
    let graph = topology.graph();
    let report = pathtrace::analyse_internet_exposure(&graph);
    let neighbourhood = pathtrace::internet_neighbourhood(&graph, &report)?;
    assert_eq!(neighbourhood.node.id.as_str(), internet_id());
    let mut described: Vec<String> = neighbourhood
        .edges
        .iter()
        .map(|edge| {
            assert_eq!(edge.kind, infracast::model::EdgeKind::RoutesTo);
            format!("{} → {}", edge.src.resource_id(), edge.dst.resource_id())
        })
        .collect();
    described.sort();
    Some(described)
}

#[test]
fn the_internet_node_leads_to_what_the_exposure_report_lists() {
    assert_eq!(
        internet_edges(&with_alb("internet-facing")).unwrap(),
        vec![
            "igw-a → internet",
            "internet → alb-web",
            "internet → app",
            "internet → web"
        ]
    );
    let graph = with_alb("internet-facing").graph();
    let report = pathtrace::analyse_internet_exposure(&graph);
    let neighbourhood = pathtrace::internet_neighbourhood(&graph, &report).unwrap();
    let to_app = neighbourhood
        .edges
        .iter()
        .find(|edge| edge.dst == app())
        .unwrap();
    assert_eq!(to_app.properties["exposure"], true);
    assert_eq!(to_app.properties["open"][0]["from_port"], 8080);
    // Internal: only the public web instance stays exposed.
    assert_eq!(
        internet_edges(&with_alb("internal")).unwrap(),
        vec!["igw-a → internet", "internet → web"]
    );
}

#[test]
fn an_estate_with_nothing_exposed_has_no_exposure_edges_and_without_gateways_no_internet_node() {
    let mut closed = base();
    closed.props("sg-web")["ingress"] = json!([]);
    assert_eq!(internet_edges(&closed).unwrap(), vec!["igw-a → internet"]);
    closed.props("igw-a")["attachments"] = json!([]);
    assert_eq!(internet_edges(&closed), None);
}
