//! Property shapes of the load balancers (issue 13): Elastic Load Balancing v2 (application and
//! network load balancers, their listeners and target groups) and classic ELB. Plain data, read
//! by the path tracer (`pathtrace::load_balancer`) and the rules (`rules/aws/elbv2.toml`,
//! `rules/aws/elb.toml`). No IO.

use serde::{Deserialize, Serialize};

use super::NodeProperties;

/// `internet-facing`: the scheme of a load balancer reachable from the internet.
pub const INTERNET_FACING: &str = "internet-facing";

/// A listener as its load balancer summarises it, so rules over the load balancer see every
/// listener without walking edges.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListenerSummary {
    pub port: Option<i32>,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP`, `GENEVE`.
    pub protocol: String,
    pub ssl_policy: Option<String>,
    /// The default action redirects to HTTPS.
    pub redirects_to_https: bool,
}

/// `aws.elbv2.load_balancer`: an application, network or gateway load balancer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoadBalancerV2Properties {
    pub load_balancer_arn: String,
    pub name: String,
    pub dns_name: Option<String>,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    /// `application`, `network` or `gateway`.
    pub load_balancer_type: String,
    pub state: Option<String>,
    pub vpc_id: Option<String>,
    pub subnet_ids: Vec<String>,
    /// Empty for a network load balancer created without groups (then nothing filters at it).
    pub security_group_ids: Vec<String>,
    pub ip_address_type: Option<String>,
    /// From the `access_logs.s3.enabled` attribute.
    pub access_logs_enabled: bool,
    /// From the `deletion_protection.enabled` attribute.
    pub deletion_protection_enabled: bool,
    /// From `routing.http.drop_invalid_header_fields.enabled` (application load balancers).
    pub drop_invalid_header_fields: bool,
    /// Every listener of the load balancer (filled from its listener nodes).
    pub listeners: Vec<ListenerSummary>,
}

impl NodeProperties for LoadBalancerV2Properties {
    fn defaults() -> Self {
        LoadBalancerV2Properties {
            scheme: "internal".into(),
            load_balancer_type: "application".into(),
            state: Some("active".into()),
            access_logs_enabled: true,
            deletion_protection_enabled: true,
            drop_invalid_header_fields: true,
            ..Default::default()
        }
    }

    fn example() -> Self {
        LoadBalancerV2Properties {
            load_balancer_arn:
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
                    .into(),
            name: "web".into(),
            dns_name: Some("web-1234.us-east-1.elb.amazonaws.com".into()),
            scheme: INTERNET_FACING.into(),
            vpc_id: Some("vpc-0a1".into()),
            subnet_ids: vec!["subnet-0a1".into(), "subnet-0a2".into()],
            security_group_ids: vec!["sg-0a1".into()],
            ip_address_type: Some("ipv4".into()),
            listeners: vec![ListenerSummary {
                port: Some(443),
                protocol: "HTTPS".into(),
                ssl_policy: Some("ELBSecurityPolicy-TLS13-1-2-2021-06".into()),
                redirects_to_https: false,
            }],
            ..Self::defaults()
        }
    }

    fn list_item_defaults(field: &str) -> Option<serde_json::Value> {
        (field == "listeners").then(|| super::to_json(&ListenerSummary::default()))
    }
}

/// One action of a listener (its default actions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListenerAction {
    /// `forward`, `redirect`, `fixed-response`, `authenticate-oidc`, `authenticate-cognito`.
    pub action_type: String,
    pub target_group_arns: Vec<String>,
    pub redirect_protocol: Option<String>,
    pub redirect_port: Option<String>,
}

/// `aws.elbv2.listener`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListenerProperties {
    pub listener_arn: String,
    pub load_balancer_arn: String,
    pub port: Option<i32>,
    pub protocol: String,
    pub ssl_policy: Option<String>,
    pub certificate_arns: Vec<String>,
    pub default_actions: Vec<ListenerAction>,
}

impl ListenerProperties {
    /// Target groups its default actions forward to.
    pub fn forwarded_target_groups(&self) -> impl Iterator<Item = &String> {
        self.default_actions
            .iter()
            .filter(|action| action.action_type == "forward")
            .flat_map(|action| action.target_group_arns.iter())
    }

    pub fn redirects_to_https(&self) -> bool {
        self.default_actions.iter().any(|action| {
            action.action_type == "redirect"
                && action
                    .redirect_protocol
                    .as_deref()
                    .is_some_and(|protocol| protocol.eq_ignore_ascii_case("https"))
        })
    }

    pub fn summary(&self) -> ListenerSummary {
        ListenerSummary {
            port: self.port,
            protocol: self.protocol.clone(),
            ssl_policy: self.ssl_policy.clone(),
            redirects_to_https: self.redirects_to_https(),
        }
    }
}

impl NodeProperties for ListenerProperties {
    fn defaults() -> Self {
        ListenerProperties::default()
    }

    fn example() -> Self {
        ListenerProperties {
            listener_arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2".into(),
            load_balancer_arn: LoadBalancerV2Properties::example().load_balancer_arn,
            port: Some(443),
            protocol: "HTTPS".into(),
            ssl_policy: Some("ELBSecurityPolicy-TLS13-1-2-2021-06".into()),
            certificate_arns: vec!["arn:aws:acm:us-east-1:123456789012:certificate/abc".into()],
            default_actions: vec![ListenerAction {
                action_type: "forward".into(),
                target_group_arns: vec![TargetGroupProperties::example().target_group_arn],
                ..Default::default()
            }],
        }
    }

    fn list_item_defaults(field: &str) -> Option<serde_json::Value> {
        (field == "default_actions").then(|| super::to_json(&ListenerAction::default()))
    }
}

/// One registered target of a target group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegisteredTarget {
    /// An instance id, an IP address or a Lambda function ARN, per the group's target type.
    pub id: String,
    /// The port traffic goes to (the group's port when not overridden).
    pub port: Option<i32>,
    pub availability_zone: Option<String>,
    /// `healthy`, `unhealthy`, `initial`, `unused`, `draining`, `unavailable`.
    pub health_state: Option<String>,
}

/// `aws.elbv2.target_group`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetGroupProperties {
    pub target_group_arn: String,
    pub name: String,
    pub protocol: Option<String>,
    pub port: Option<i32>,
    /// `instance`, `ip`, `lambda` or `alb`.
    pub target_type: String,
    pub vpc_id: Option<String>,
    pub load_balancer_arns: Vec<String>,
    /// The `preserve_client_ip.enabled` attribute; `None` when not reported (then the AWS default
    /// applies: on for instance targets, and for IP targets only over UDP and TCP_UDP).
    pub preserve_client_ip: Option<bool>,
    pub targets: Vec<RegisteredTarget>,
}

impl TargetGroupProperties {
    /// Whether a network load balancer in front of this group passes the client's own address
    /// to the targets (AWS defaults when the attribute is not reported).
    pub fn preserves_client_ip(&self) -> bool {
        self.preserve_client_ip
            .unwrap_or(match self.target_type.as_str() {
                "instance" => true,
                "ip" => matches!(self.protocol.as_deref(), Some("UDP" | "TCP_UDP")),
                _ => false,
            })
    }

    /// The port a target receives traffic on.
    pub fn target_port(&self, target: &RegisteredTarget) -> Option<u16> {
        target
            .port
            .or(self.port)
            .and_then(|port| u16::try_from(port).ok())
    }
}

impl NodeProperties for TargetGroupProperties {
    fn defaults() -> Self {
        TargetGroupProperties {
            target_type: "instance".into(),
            ..Default::default()
        }
    }

    fn example() -> Self {
        TargetGroupProperties {
            target_group_arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067".into(),
            name: "web".into(),
            protocol: Some("HTTP".into()),
            port: Some(8080),
            vpc_id: Some("vpc-0a1".into()),
            load_balancer_arns: vec![LoadBalancerV2Properties::example().load_balancer_arn],
            targets: vec![RegisteredTarget {
                id: "i-0abc1234def567890".into(),
                port: Some(8080),
                availability_zone: Some("us-east-1a".into()),
                health_state: Some("healthy".into()),
            }],
            ..Self::defaults()
        }
    }

    fn list_item_defaults(field: &str) -> Option<serde_json::Value> {
        (field == "targets").then(|| super::to_json(&RegisteredTarget::default()))
    }
}

/// One listener of a classic load balancer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClassicListener {
    /// `HTTP`, `HTTPS`, `TCP` or `SSL`.
    pub protocol: String,
    pub load_balancer_port: i32,
    pub instance_protocol: Option<String>,
    pub instance_port: Option<i32>,
    pub ssl_certificate_id: Option<String>,
}

/// `aws.elb.load_balancer`: a classic load balancer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClassicLoadBalancerProperties {
    pub name: String,
    pub dns_name: Option<String>,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    pub vpc_id: Option<String>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub listeners: Vec<ClassicListener>,
    pub instance_ids: Vec<String>,
    pub cross_zone_load_balancing: bool,
    pub access_logs_enabled: bool,
    pub connection_draining: bool,
}

impl NodeProperties for ClassicLoadBalancerProperties {
    fn defaults() -> Self {
        ClassicLoadBalancerProperties {
            scheme: "internal".into(),
            cross_zone_load_balancing: true,
            access_logs_enabled: true,
            connection_draining: true,
            ..Default::default()
        }
    }

    fn example() -> Self {
        ClassicLoadBalancerProperties {
            name: "legacy-web".into(),
            dns_name: Some("legacy-web-1234.us-east-1.elb.amazonaws.com".into()),
            scheme: INTERNET_FACING.into(),
            vpc_id: Some("vpc-0a1".into()),
            subnet_ids: vec!["subnet-0a1".into()],
            security_group_ids: vec!["sg-0a1".into()],
            listeners: vec![ClassicListener {
                protocol: "HTTPS".into(),
                load_balancer_port: 443,
                instance_protocol: Some("HTTP".into()),
                instance_port: Some(8080),
                ssl_certificate_id: Some(
                    "arn:aws:acm:us-east-1:123456789012:certificate/abc".into(),
                ),
            }],
            instance_ids: vec!["i-0abc1234def567890".into()],
            ..Self::defaults()
        }
    }

    fn list_item_defaults(field: &str) -> Option<serde_json::Value> {
        (field == "listeners").then(|| super::to_json(&ClassicListener::default()))
    }
}
