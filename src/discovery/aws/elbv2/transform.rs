//! Pure conversions from Elastic Load Balancing v2 SDK values to nodes. Unit-tested with values
//! built by the SDK's builders. Nodes are keyed by ARN (listeners and target groups name their
//! load balancers by ARN, so edges need no lookup table).

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types as elbv2;
use serde::Serialize;

use super::super::node_builder::regional_node;
use super::super::service::Origin;
use crate::model::properties::{
    ListenerAction, ListenerProperties, LoadBalancerV2Properties, RegisteredTarget,
    TargetGroupProperties,
};
use crate::model::{Node, NodeType};

fn node(
    origin: &Origin,
    node_type: NodeType,
    raw_id: &str,
    name: &str,
    properties: &impl Serialize,
) -> Node {
    let name = if name.is_empty() { raw_id } else { name };
    regional_node(origin, node_type, raw_id, name, BTreeMap::new(), properties)
}

fn attribute<'a>(
    pairs: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>,
    key: &str,
) -> Option<&'a str> {
    pairs
        .filter(|(name, _)| *name == Some(key))
        .find_map(|(_, value)| value)
}

fn enabled(value: Option<&str>) -> bool {
    value.is_some_and(|value| value.eq_ignore_ascii_case("true"))
}

/// A load balancer and the attributes read for it (empty when the call was not supported).
pub fn transform_load_balancer(
    origin: &Origin,
    load_balancer: &elbv2::LoadBalancer,
    attributes: &[elbv2::LoadBalancerAttribute],
) -> Option<Node> {
    let arn = load_balancer.load_balancer_arn()?;
    let pairs = || attributes.iter().map(|pair| (pair.key(), pair.value()));
    let properties = LoadBalancerV2Properties {
        load_balancer_arn: arn.to_string(),
        name: load_balancer
            .load_balancer_name()
            .unwrap_or_default()
            .to_string(),
        dns_name: load_balancer.dns_name().map(str::to_string),
        scheme: load_balancer
            .scheme()
            .map(|scheme| scheme.as_str().to_string())
            .unwrap_or_default(),
        load_balancer_type: load_balancer
            .r#type()
            .map(|kind| kind.as_str().to_string())
            .unwrap_or_default(),
        state: load_balancer
            .state()
            .and_then(|state| state.code())
            .map(|code| code.as_str().to_string()),
        vpc_id: load_balancer.vpc_id().map(str::to_string),
        subnet_ids: load_balancer
            .availability_zones()
            .iter()
            .filter_map(|zone| zone.subnet_id().map(str::to_string))
            .collect(),
        security_group_ids: load_balancer.security_groups().to_vec(),
        ip_address_type: load_balancer
            .ip_address_type()
            .map(|kind| kind.as_str().to_string()),
        access_logs_enabled: enabled(attribute(pairs(), "access_logs.s3.enabled")),
        deletion_protection_enabled: enabled(attribute(pairs(), "deletion_protection.enabled")),
        drop_invalid_header_fields: enabled(attribute(
            pairs(),
            "routing.http.drop_invalid_header_fields.enabled",
        )),
        listeners: Vec::new(),
    };
    Some(node(
        origin,
        NodeType::LoadBalancerV2,
        arn,
        &properties.name.clone(),
        &properties,
    ))
}

fn action(action: &elbv2::Action) -> ListenerAction {
    let mut target_group_arns: Vec<String> = action
        .target_group_arn()
        .map(str::to_string)
        .into_iter()
        .collect();
    if let Some(forward) = action.forward_config() {
        for group in forward.target_groups() {
            if let Some(arn) = group.target_group_arn()
                && !target_group_arns.iter().any(|known| known == arn)
            {
                target_group_arns.push(arn.to_string());
            }
        }
    }
    ListenerAction {
        action_type: action
            .r#type()
            .map(|kind| kind.as_str().to_string())
            .unwrap_or_default(),
        target_group_arns,
        redirect_protocol: action
            .redirect_config()
            .and_then(|redirect| redirect.protocol())
            .map(str::to_string),
        redirect_port: action
            .redirect_config()
            .and_then(|redirect| redirect.port())
            .map(str::to_string),
    }
}

pub fn transform_listener(origin: &Origin, listener: &elbv2::Listener) -> Option<Node> {
    let arn = listener.listener_arn()?;
    let properties = ListenerProperties {
        listener_arn: arn.to_string(),
        load_balancer_arn: listener.load_balancer_arn().unwrap_or_default().to_string(),
        port: listener.port(),
        protocol: listener
            .protocol()
            .map(|protocol| protocol.as_str().to_string())
            .unwrap_or_default(),
        ssl_policy: listener.ssl_policy().map(str::to_string),
        certificate_arns: listener
            .certificates()
            .iter()
            .filter_map(|certificate| certificate.certificate_arn().map(str::to_string))
            .collect(),
        default_actions: listener.default_actions().iter().map(action).collect(),
    };
    let name = format!(
        "{} {}",
        properties.protocol,
        properties
            .port
            .map(|port| port.to_string())
            .unwrap_or_default()
    );
    Some(node(origin, NodeType::Listener, arn, &name, &properties))
}

/// What the per-group calls returned (empty when not supported).
#[derive(Debug, Clone, Default)]
pub struct TargetGroupDetails {
    pub attributes: Vec<elbv2::TargetGroupAttribute>,
    pub health: Vec<elbv2::TargetHealthDescription>,
}

pub fn transform_target_group(
    origin: &Origin,
    group: &elbv2::TargetGroup,
    details: &TargetGroupDetails,
) -> Option<Node> {
    let arn = group.target_group_arn()?;
    let pairs = || {
        details
            .attributes
            .iter()
            .map(|pair| (pair.key(), pair.value()))
    };
    let properties = TargetGroupProperties {
        target_group_arn: arn.to_string(),
        name: group.target_group_name().unwrap_or_default().to_string(),
        protocol: group
            .protocol()
            .map(|protocol| protocol.as_str().to_string()),
        port: group.port(),
        target_type: group
            .target_type()
            .map(|kind| kind.as_str().to_string())
            .unwrap_or_else(|| "instance".to_string()),
        vpc_id: group.vpc_id().map(str::to_string),
        load_balancer_arns: group.load_balancer_arns().to_vec(),
        preserve_client_ip: attribute(pairs(), "preserve_client_ip.enabled")
            .map(|value| value.eq_ignore_ascii_case("true")),
        targets: details
            .health
            .iter()
            .filter_map(|description| {
                let target = description.target()?;
                Some(RegisteredTarget {
                    id: target.id()?.to_string(),
                    port: target.port(),
                    availability_zone: target.availability_zone().map(str::to_string),
                    health_state: description
                        .target_health()
                        .and_then(|health| health.state())
                        .map(|state| state.as_str().to_string()),
                })
            })
            .collect(),
    };
    Some(node(
        origin,
        NodeType::TargetGroup,
        arn,
        &properties.name.clone(),
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
    fn a_load_balancer_reads_scheme_subnets_groups_and_attributes() {
        let load_balancer = elbv2::LoadBalancer::builder()
            .load_balancer_arn("arn:lb/app/web/1")
            .load_balancer_name("web")
            .scheme(elbv2::LoadBalancerSchemeEnum::InternetFacing)
            .r#type(elbv2::LoadBalancerTypeEnum::Application)
            .vpc_id("vpc-1")
            .availability_zones(
                elbv2::AvailabilityZone::builder()
                    .subnet_id("subnet-a")
                    .build(),
            )
            .availability_zones(
                elbv2::AvailabilityZone::builder()
                    .subnet_id("subnet-b")
                    .build(),
            )
            .security_groups("sg-lb")
            .build();
        let attributes = [
            elbv2::LoadBalancerAttribute::builder()
                .key("access_logs.s3.enabled")
                .value("false")
                .build(),
            elbv2::LoadBalancerAttribute::builder()
                .key("deletion_protection.enabled")
                .value("true")
                .build(),
        ];
        let node = transform_load_balancer(&origin(), &load_balancer, &attributes).unwrap();
        assert_eq!(
            node.id.as_str(),
            "aws:us-east-1:aws.elbv2.load_balancer:arn:lb/app/web/1"
        );
        let properties: LoadBalancerV2Properties = node.properties_as().unwrap();
        assert_eq!(properties.scheme, "internet-facing");
        assert_eq!(properties.load_balancer_type, "application");
        assert_eq!(properties.subnet_ids, vec!["subnet-a", "subnet-b"]);
        assert_eq!(properties.security_group_ids, vec!["sg-lb"]);
        assert!(!properties.access_logs_enabled);
        assert!(properties.deletion_protection_enabled);
        assert_eq!(node.name, "web");
    }

    #[test]
    fn a_listener_reads_redirects_and_forwards() {
        let redirect = elbv2::Listener::builder()
            .listener_arn("arn:listener/1")
            .load_balancer_arn("arn:lb/app/web/1")
            .port(80)
            .protocol(elbv2::ProtocolEnum::Http)
            .default_actions(
                elbv2::Action::builder()
                    .r#type(elbv2::ActionTypeEnum::Redirect)
                    .redirect_config(
                        elbv2::RedirectActionConfig::builder()
                            .protocol("HTTPS")
                            .port("443")
                            .status_code(elbv2::RedirectActionStatusCodeEnum::Http301)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let properties: ListenerProperties = transform_listener(&origin(), &redirect)
            .unwrap()
            .properties_as()
            .unwrap();
        assert!(properties.redirects_to_https());
        assert_eq!(properties.forwarded_target_groups().count(), 0);

        let forward = elbv2::Listener::builder()
            .listener_arn("arn:listener/2")
            .port(443)
            .protocol(elbv2::ProtocolEnum::Https)
            .ssl_policy("ELBSecurityPolicy-2016-08")
            .certificates(
                elbv2::Certificate::builder()
                    .certificate_arn("arn:cert")
                    .build(),
            )
            .default_actions(
                elbv2::Action::builder()
                    .r#type(elbv2::ActionTypeEnum::Forward)
                    .target_group_arn("arn:tg/1")
                    .forward_config(
                        elbv2::ForwardActionConfig::builder()
                            .target_groups(
                                elbv2::TargetGroupTuple::builder()
                                    .target_group_arn("arn:tg/1")
                                    .build(),
                            )
                            .target_groups(
                                elbv2::TargetGroupTuple::builder()
                                    .target_group_arn("arn:tg/2")
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .build();
        let properties: ListenerProperties = transform_listener(&origin(), &forward)
            .unwrap()
            .properties_as()
            .unwrap();
        assert!(!properties.redirects_to_https());
        assert_eq!(
            properties.forwarded_target_groups().collect::<Vec<_>>(),
            vec!["arn:tg/1", "arn:tg/2"]
        );
        assert_eq!(properties.certificate_arns, vec!["arn:cert"]);
        assert_eq!(
            properties.ssl_policy.as_deref(),
            Some("ELBSecurityPolicy-2016-08")
        );
    }

    #[test]
    fn a_target_group_reads_targets_and_client_ip_preservation() {
        let group = elbv2::TargetGroup::builder()
            .target_group_arn("arn:tg/1")
            .target_group_name("app")
            .protocol(elbv2::ProtocolEnum::Tcp)
            .port(8080)
            .target_type(elbv2::TargetTypeEnum::Ip)
            .vpc_id("vpc-1")
            .load_balancer_arns("arn:lb/net/n/1")
            .build();
        let details = TargetGroupDetails {
            attributes: vec![
                elbv2::TargetGroupAttribute::builder()
                    .key("preserve_client_ip.enabled")
                    .value("true")
                    .build(),
            ],
            health: vec![
                elbv2::TargetHealthDescription::builder()
                    .target(
                        elbv2::TargetDescription::builder()
                            .id("10.0.2.20")
                            .port(9090)
                            .build(),
                    )
                    .target_health(
                        elbv2::TargetHealth::builder()
                            .state(elbv2::TargetHealthStateEnum::Healthy)
                            .build(),
                    )
                    .build(),
            ],
        };
        let properties: TargetGroupProperties = transform_target_group(&origin(), &group, &details)
            .unwrap()
            .properties_as()
            .unwrap();
        assert_eq!(properties.preserve_client_ip, Some(true));
        assert!(properties.preserves_client_ip());
        assert_eq!(properties.targets.len(), 1);
        assert_eq!(properties.target_port(&properties.targets[0]), Some(9090));
        assert_eq!(
            properties.targets[0].health_state.as_deref(),
            Some("healthy")
        );

        // Without the attribute, AWS's default decides: off for IP targets over TCP.
        let unknown: TargetGroupProperties =
            transform_target_group(&origin(), &group, &TargetGroupDetails::default())
                .unwrap()
                .properties_as()
                .unwrap();
        assert_eq!(unknown.preserve_client_ip, None);
        assert!(!unknown.preserves_client_ip());
        assert!(unknown.targets.is_empty());
    }
}
