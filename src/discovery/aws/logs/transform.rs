//! Pure transforms from aws-sdk-cloudwatchlogs types to nodes, unit-tested with SDK builders. The
//! metric filter's CIS judgement (`cis_patterns`) happens here, once, so rules read typed fields.

use aws_sdk_cloudwatchlogs::types as logs;

use super::cis_patterns;
use crate::model::properties::*;
use crate::model::{Node, NodeType};

pub use super::super::service::Origin;

/// The raw id of a metric filter: log group and filter name joined by `:` (log group names cannot
/// contain one, so the id is unambiguous).
pub fn metric_filter_raw_id(log_group_name: &str, filter_name: &str) -> String {
    format!("{log_group_name}:{filter_name}")
}

fn node(
    origin: &Origin,
    node_type: NodeType,
    raw_id: &str,
    name: &str,
    properties: serde_json::Value,
) -> Node {
    let mut node = Node::aws(&origin.region, node_type, raw_id, properties);
    node.account = origin.account.clone();
    node.name = name.to_string();
    node
}

pub fn transform_log_group(origin: &Origin, group: &logs::LogGroup) -> Option<Node> {
    let name = group.log_group_name()?;
    let properties = LogGroupProperties {
        log_group_name: name.to_string(),
        arn: group.arn().map(str::to_string),
        retention_in_days: group.retention_in_days(),
        kms_key_id: group.kms_key_id().map(str::to_string),
        stored_bytes: group.stored_bytes(),
        metric_filter_count: i64::from(group.metric_filter_count().unwrap_or(0)),
    };
    Some(node(
        origin,
        NodeType::LogGroup,
        name,
        name,
        to_json(&properties),
    ))
}

pub fn transform_metric_filter(origin: &Origin, filter: &logs::MetricFilter) -> Option<Node> {
    let filter_name = filter.filter_name()?;
    let log_group_name = filter.log_group_name()?;
    let pattern = filter.filter_pattern().unwrap_or_default();
    let matched = cis_patterns::matching_controls(pattern);
    let properties = MetricFilterProperties {
        filter_name: filter_name.to_string(),
        log_group_name: log_group_name.to_string(),
        filter_pattern: pattern.to_string(),
        metric_transformations: filter
            .metric_transformations()
            .iter()
            .map(|transformation| MetricTransformation {
                metric_namespace: transformation.metric_namespace().to_string(),
                metric_name: transformation.metric_name().to_string(),
            })
            .collect(),
        cis_controls: matched.iter().map(|cis| cis.control.to_string()).collect(),
        cis_checks: matched.iter().map(|cis| cis.check.to_string()).collect(),
    };
    Some(node(
        origin,
        NodeType::MetricFilter,
        &metric_filter_raw_id(log_group_name, filter_name),
        filter_name,
        to_json(&properties),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            account: "123456789012".into(),
            region: "eu-west-1".into(),
        }
    }

    #[test]
    fn a_log_group_keeps_retention_and_key_and_its_id_is_the_trail_edge_target() {
        let group = logs::LogGroup::builder()
            .log_group_name("/aws/cloudtrail/main")
            .retention_in_days(90)
            .kms_key_id("arn:aws:kms:eu-west-1:123456789012:key/k1")
            .metric_filter_count(3)
            .build();
        let node = transform_log_group(&origin(), &group).unwrap();
        assert_eq!(
            node.id.as_str(),
            "aws:eu-west-1:aws.logs.log_group:/aws/cloudtrail/main"
        );
        let properties = node.properties_as::<LogGroupProperties>().unwrap();
        assert_eq!(properties.retention_in_days, Some(90));
        assert_eq!(properties.metric_filter_count, 3);
        assert!(properties.kms_key_id.unwrap().ends_with("key/k1"));
        let bare = logs::LogGroup::builder().log_group_name("bare").build();
        let properties = transform_log_group(&origin(), &bare)
            .unwrap()
            .properties_as::<LogGroupProperties>()
            .unwrap();
        assert_eq!(
            (properties.retention_in_days, properties.kms_key_id),
            (None, None)
        );
    }

    #[test]
    fn a_metric_filter_records_its_metric_and_the_cis_controls_its_pattern_implements() {
        let filter = logs::MetricFilter::builder()
            .filter_name("root")
            .log_group_name("trail")
            .filter_pattern(
                "{$.userIdentity.type=\"Root\" && $.userIdentity.invokedBy NOT EXISTS && \
                 $.eventType!=\"AwsServiceEvent\"}",
            )
            .metric_transformations(
                logs::MetricTransformation::builder()
                    .metric_name("RootUsage")
                    .metric_namespace("CIS")
                    .metric_value("1")
                    .build()
                    .unwrap(),
            )
            .build();
        let node = transform_metric_filter(&origin(), &filter).unwrap();
        assert_eq!(
            node.id.as_str(),
            "aws:eu-west-1:aws.logs.metric_filter:trail:root"
        );
        let properties = node.properties_as::<MetricFilterProperties>().unwrap();
        assert_eq!(properties.cis_controls, vec!["4.3"]);
        assert_eq!(properties.cis_checks, vec!["root_usage"]);
        assert_eq!(
            properties.metric_transformations[0].metric_name,
            "RootUsage"
        );
        let plain = logs::MetricFilter::builder()
            .filter_name("errors")
            .log_group_name("app")
            .filter_pattern("ERROR")
            .build();
        let properties = transform_metric_filter(&origin(), &plain)
            .unwrap()
            .properties_as::<MetricFilterProperties>()
            .unwrap();
        assert!(properties.cis_controls.is_empty());
    }
}
