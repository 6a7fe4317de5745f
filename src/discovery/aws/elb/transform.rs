//! Pure conversion of a classic load balancer (and its attributes) to a node, keyed by name.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancing::types as elb;

use super::super::service::Origin;
use crate::model::properties::{ClassicListener, ClassicLoadBalancerProperties};
use crate::model::{Node, NodeId, NodeType};

/// A classic load balancer; `attributes` is `None` when they could not be read (then cross-zone,
/// access logs and connection draining read as off, which the gap explains).
pub fn transform_load_balancer(
    origin: &Origin,
    description: &elb::LoadBalancerDescription,
    attributes: Option<&elb::LoadBalancerAttributes>,
) -> Option<Node> {
    let name = description.load_balancer_name()?;
    let properties = ClassicLoadBalancerProperties {
        name: name.to_string(),
        dns_name: description.dns_name().map(str::to_string),
        scheme: description.scheme().unwrap_or_default().to_string(),
        vpc_id: description.vpc_id().map(str::to_string),
        subnet_ids: description.subnets().to_vec(),
        security_group_ids: description.security_groups().to_vec(),
        listeners: description
            .listener_descriptions()
            .iter()
            .filter_map(|listener| listener.listener())
            .map(|listener| ClassicListener {
                protocol: listener.protocol().to_ascii_uppercase(),
                load_balancer_port: listener.load_balancer_port(),
                instance_protocol: listener.instance_protocol().map(str::to_ascii_uppercase),
                instance_port: Some(listener.instance_port()),
                ssl_certificate_id: listener.ssl_certificate_id().map(str::to_string),
            })
            .collect(),
        instance_ids: description
            .instances()
            .iter()
            .filter_map(|instance| instance.instance_id().map(str::to_string))
            .collect(),
        cross_zone_load_balancing: attributes
            .and_then(|attributes| attributes.cross_zone_load_balancing())
            .is_some_and(|setting| setting.enabled()),
        access_logs_enabled: attributes
            .and_then(|attributes| attributes.access_log())
            .is_some_and(|setting| setting.enabled()),
        connection_draining: attributes
            .and_then(|attributes| attributes.connection_draining())
            .is_some_and(|setting| setting.enabled()),
    };
    Some(Node {
        id: NodeId::aws(&origin.region, NodeType::ClassicLoadBalancer, name),
        node_type: NodeType::ClassicLoadBalancer,
        provider: "aws".to_string(),
        region: origin.region.clone(),
        account: origin.account.clone(),
        name: name.to_string(),
        tags: BTreeMap::new(),
        properties: crate::model::properties::to_json(&properties),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_classic_load_balancer_reads_listeners_instances_and_attributes() {
        let description = elb::LoadBalancerDescription::builder()
            .load_balancer_name("legacy")
            .scheme("internet-facing")
            .vpc_id("vpc-1")
            .subnets("subnet-a")
            .security_groups("sg-elb")
            .listener_descriptions(
                elb::ListenerDescription::builder()
                    .listener(
                        elb::Listener::builder()
                            .protocol("http")
                            .load_balancer_port(80)
                            .instance_protocol("http")
                            .instance_port(8080)
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .instances(elb::Instance::builder().instance_id("i-1").build())
            .build();
        let attributes = elb::LoadBalancerAttributes::builder()
            .cross_zone_load_balancing(
                elb::CrossZoneLoadBalancing::builder()
                    .enabled(false)
                    .build(),
            )
            .access_log(elb::AccessLog::builder().enabled(true).build())
            .build();
        let origin = Origin {
            account: "1".into(),
            region: "us-east-1".into(),
        };
        let node = transform_load_balancer(&origin, &description, Some(&attributes)).unwrap();
        assert_eq!(
            node.id.as_str(),
            "aws:us-east-1:aws.elb.load_balancer:legacy"
        );
        let properties: ClassicLoadBalancerProperties = node.properties_as().unwrap();
        assert_eq!(properties.scheme, "internet-facing");
        assert_eq!(properties.listeners[0].protocol, "HTTP");
        assert_eq!(properties.listeners[0].instance_port, Some(8080));
        assert_eq!(properties.instance_ids, vec!["i-1"]);
        assert!(!properties.cross_zone_load_balancing);
        assert!(properties.access_logs_enabled);
        assert!(!properties.connection_draining);
    }
}
