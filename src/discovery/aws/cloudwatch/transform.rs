//! Pure transforms from aws-sdk-cloudwatch types to nodes, unit-tested with SDK builders.

use aws_sdk_cloudwatch::types as cloudwatch;

use crate::model::properties::*;
use crate::model::{Node, NodeType};

pub use super::super::service::Origin;

pub fn transform_alarm(origin: &Origin, alarm: &cloudwatch::MetricAlarm) -> Option<Node> {
    let name = alarm.alarm_name()?;
    let alarm_actions: Vec<String> = alarm.alarm_actions().to_vec();
    let properties = AlarmProperties {
        alarm_name: name.to_string(),
        arn: alarm.alarm_arn().map(str::to_string),
        metric_namespace: alarm.namespace().map(str::to_string),
        metric_name: alarm.metric_name().map(str::to_string),
        state: alarm.state_value().map(|state| state.as_str().to_string()),
        // AWS's default when the field is absent.
        actions_enabled: alarm.actions_enabled().unwrap_or(true),
        sns_topic_arns: alarm_actions
            .iter()
            .filter(|action| action.starts_with("arn:") && action.split(':').nth(2) == Some("sns"))
            .cloned()
            .collect(),
        alarm_actions,
    };
    let mut node = Node::aws(&origin.region, NodeType::Alarm, name, to_json(&properties));
    node.account = origin.account.clone();
    Some(node)
}

/// The region's CIS section 4 summary, empty until `link` fills it in.
pub fn cis_monitoring_node(origin: &Origin) -> Node {
    let raw_id = if origin.account.is_empty() {
        "unknown"
    } else {
        origin.account.as_str()
    };
    let mut node = Node::aws(
        &origin.region,
        NodeType::CisMonitoring,
        raw_id,
        to_json(&CisMonitoringProperties::default()),
    );
    node.account = origin.account.clone();
    node.name = format!("CIS monitoring {}", origin.region);
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alarm_keeps_its_metric_state_and_only_sns_actions_as_topics() {
        let origin = Origin {
            account: "123456789012".into(),
            region: "us-east-1".into(),
        };
        let alarm = cloudwatch::MetricAlarm::builder()
            .alarm_name("root-usage")
            .namespace("CIS")
            .metric_name("RootUsage")
            .state_value(cloudwatch::StateValue::Alarm)
            .alarm_actions("arn:aws:sns:us-east-1:123456789012:alerts")
            .alarm_actions("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x")
            .build();
        let node = transform_alarm(&origin, &alarm).unwrap();
        assert_eq!(
            node.id.as_str(),
            "aws:us-east-1:aws.cloudwatch.alarm:root-usage"
        );
        let properties = node.properties_as::<AlarmProperties>().unwrap();
        assert_eq!(properties.state.as_deref(), Some("ALARM"));
        assert_eq!(properties.alarm_actions.len(), 2);
        assert_eq!(
            properties.sns_topic_arns,
            vec!["arn:aws:sns:us-east-1:123456789012:alerts"]
        );
        assert!(properties.actions_enabled);
    }
}
