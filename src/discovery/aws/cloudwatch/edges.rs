//! Alarm → metric filter (`alarms_on`, matched on the metric's namespace and name), alarm → SNS
//! topic (`notifies`), and the region's CIS section 4 verdicts written into its
//! `aws.cloudwatch.cis_monitoring` node. Pure: no SDK types, no IO.
//!
//! A control is monitored in this region when a metric filter implementing it (`cis_controls`)
//! sits on a log group that receives a multi-region, logging CloudTrail trail, and an alarm with
//! actions enabled on that filter's metric notifies a topic with at least one confirmed
//! subscription. Trails are read as JSON by their type name (`aws.cloudtrail.trail`), taking only
//! `is_multi_region`, `is_logging` and `cloud_watch_logs_log_group_arn`: the trail's discovery is
//! another service's and may be absent, in which case no log group counts as the trail's.
//!
//! A multi-region trail is a node in its home region only. Every other region learns of it from
//! its `aws.cloudtrail.region_settings` (`multi_region_log_group_arns`, read from the trail's
//! shadow copy), so its summary says the controls are judged in the log group's region
//! (`judged_in_regions`) instead of failing them for want of a filter it could never hold.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::model::properties::*;
use crate::model::{Edge, EdgeKind, Node, NodeId, NodeType};

/// The trail node type's dotted name (owned by the CloudTrail service).
const TRAIL_TYPE: &str = "aws.cloudtrail.trail";
/// The region's CloudTrail coverage node type (owned by the CloudTrail service).
const TRAIL_COVERAGE_TYPE: &str = "aws.cloudtrail.region_settings";

pub fn link(region: &str, nodes: &mut [Node]) -> Vec<Edge> {
    let mut trails: Vec<serde_json::Value> = nodes
        .iter()
        .filter(|node| node.node_type.as_str() == TRAIL_TYPE)
        .map(|node| node.properties.clone())
        .collect();
    trails.extend(covering_multi_region_trails(nodes));
    link_with_trails(region, nodes, &trails)
}

/// The multi-region, logging trails that cover the region as the CloudTrail coverage node lists
/// them (their log groups), in the shape of a trail's properties.
fn covering_multi_region_trails(nodes: &[Node]) -> Vec<serde_json::Value> {
    nodes
        .iter()
        .filter(|node| node.node_type.as_str() == TRAIL_COVERAGE_TYPE)
        .filter_map(|node| {
            node.properties
                .get("multi_region_log_group_arns")?
                .as_array()
        })
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .map(|arn| {
            serde_json::json!({
                "is_multi_region": true,
                "is_logging": true,
                "cloud_watch_logs_log_group_arn": arn,
            })
        })
        .collect()
}

/// `link`, given the properties of the region's trail nodes (tests and the generator's checks
/// state trails without a trail node type).
pub fn link_with_trails(
    region: &str,
    nodes: &mut [Node],
    trails: &[serde_json::Value],
) -> Vec<Edge> {
    let ids: HashSet<&NodeId> = nodes.iter().map(|node| &node.id).collect();
    let topics_with_subscribers: HashSet<String> = nodes
        .iter()
        .filter(|node| node.node_type == NodeType::SnsTopic)
        .filter_map(|node| node.properties_as::<SnsTopicProperties>().ok())
        .filter(|topic| {
            topic
                .subscriptions
                .iter()
                .any(|subscription| subscription.confirmed)
        })
        .map(|topic| topic.topic_arn)
        .collect();
    // (namespace, metric name) → the filters that publish it.
    let mut filters_by_metric: HashMap<(String, String), Vec<(NodeId, MetricFilterProperties)>> =
        HashMap::new();
    for node in nodes
        .iter()
        .filter(|node| node.node_type == NodeType::MetricFilter)
    {
        let Ok(filter) = node.properties_as::<MetricFilterProperties>() else {
            continue;
        };
        for transformation in &filter.metric_transformations {
            filters_by_metric
                .entry((
                    transformation.metric_namespace.clone(),
                    transformation.metric_name.clone(),
                ))
                .or_default()
                .push((node.id.clone(), filter.clone()));
        }
    }

    let mut edges = Vec::new();
    // log group name → controls with a complete chain on it.
    let mut monitored_by_group: HashMap<String, BTreeSet<String>> = HashMap::new();
    for node in nodes
        .iter()
        .filter(|node| node.node_type == NodeType::Alarm)
    {
        let Ok(alarm) = node.properties_as::<AlarmProperties>() else {
            continue;
        };
        let notifies_someone = alarm.actions_enabled
            && alarm
                .sns_topic_arns
                .iter()
                .any(|topic| topics_with_subscribers.contains(topic));
        for topic in &alarm.sns_topic_arns {
            let topic_id = NodeId::aws(region, NodeType::SnsTopic, topic);
            if ids.contains(&topic_id) {
                edges.push(Edge::new(EdgeKind::Notifies, node.id.clone(), topic_id));
            }
        }
        let (Some(namespace), Some(metric)) = (&alarm.metric_namespace, &alarm.metric_name) else {
            continue;
        };
        let Some(filters) = filters_by_metric.get(&(namespace.clone(), metric.clone())) else {
            continue;
        };
        for (filter_id, filter) in filters {
            edges.push(Edge::new(
                EdgeKind::AlarmsOn,
                node.id.clone(),
                filter_id.clone(),
            ));
            if notifies_someone {
                monitored_by_group
                    .entry(filter.log_group_name.clone())
                    .or_default()
                    .extend(filter.cis_controls.iter().cloned());
            }
        }
    }

    let mut trail_log_groups = BTreeSet::new();
    let mut judged_in_regions = BTreeSet::new();
    for trail in trails {
        let Some((group_region, group_name)) = multi_region_logging_trail_group(trail) else {
            continue;
        };
        if group_region == region {
            trail_log_groups.insert(group_name);
        } else {
            judged_in_regions.insert(group_region);
        }
    }
    let controls_in = |groups: &mut dyn Iterator<Item = &String>| -> Vec<String> {
        let mut controls: BTreeSet<String> = BTreeSet::new();
        for group in groups {
            if let Some(found) = monitored_by_group.get(group) {
                controls.extend(found.iter().cloned());
            }
        }
        sort_controls(controls)
    };
    let summary = CisMonitoringProperties {
        monitored_controls: controls_in(&mut trail_log_groups.iter()),
        controls_alarmed_on_any_log_group: controls_in(&mut monitored_by_group.keys()),
        trail_log_groups: trail_log_groups.into_iter().collect(),
        judged_in_regions: judged_in_regions.into_iter().collect(),
    };
    for node in nodes
        .iter_mut()
        .filter(|node| node.node_type == NodeType::CisMonitoring)
    {
        node.properties = to_json(&summary);
    }
    edges
}

/// The (region, name) of the log group a multi-region, logging trail delivers to, read from the
/// trail's properties; `None` for any other trail.
fn multi_region_logging_trail_group(properties: &serde_json::Value) -> Option<(String, String)> {
    let flag = |name: &str| properties.get(name).and_then(serde_json::Value::as_bool) == Some(true);
    if !flag("is_multi_region") || !flag("is_logging") {
        return None;
    }
    let arn = properties.get("cloud_watch_logs_log_group_arn")?.as_str()?;
    log_group_of_arn(arn)
}

/// `arn:aws:logs:<region>:<account>:log-group:<name>[:*]` → (region, name).
fn log_group_of_arn(arn: &str) -> Option<(String, String)> {
    let mut parts = arn.splitn(7, ':');
    let (
        Some("arn"),
        Some(_partition),
        Some("logs"),
        Some(region),
        Some(_account),
        Some("log-group"),
    ) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    )
    else {
        return None;
    };
    let rest = parts.next()?;
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    (!name.is_empty()).then(|| (region.to_string(), name.to_string()))
}

/// "4.2" before "4.10".
fn sort_controls(controls: BTreeSet<String>) -> Vec<String> {
    let mut sorted: Vec<String> = controls.into_iter().collect();
    sorted.sort_by_key(|control| {
        control
            .split('.')
            .map(|part| part.parse::<u32>().unwrap_or(u32::MAX))
            .collect::<Vec<_>>()
    });
    sorted
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const REGION: &str = "us-east-1";
    const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:alerts";

    fn node<T: NodeProperties>(node_type: NodeType, raw_id: &str, properties: &T) -> Node {
        Node::aws(REGION, node_type, raw_id, to_json(properties))
    }

    fn filter(group: &str, name: &str, metric: &str, controls: &[&str]) -> Node {
        node(
            NodeType::MetricFilter,
            &format!("{group}:{name}"),
            &MetricFilterProperties {
                filter_name: name.into(),
                log_group_name: group.into(),
                metric_transformations: vec![MetricTransformation {
                    metric_namespace: "CIS".into(),
                    metric_name: metric.into(),
                }],
                cis_controls: controls.iter().map(|control| control.to_string()).collect(),
                ..Default::default()
            },
        )
    }

    fn alarm(name: &str, metric: &str, topic: &str) -> Node {
        node(
            NodeType::Alarm,
            name,
            &AlarmProperties {
                alarm_name: name.into(),
                metric_namespace: Some("CIS".into()),
                metric_name: Some(metric.into()),
                actions_enabled: true,
                alarm_actions: vec![topic.into()],
                sns_topic_arns: vec![topic.into()],
                ..Default::default()
            },
        )
    }

    fn topic(arn: &str, confirmed: bool) -> Node {
        node(
            NodeType::SnsTopic,
            arn,
            &SnsTopicProperties {
                topic_arn: arn.into(),
                subscriptions: vec![SnsSubscription {
                    protocol: "email".into(),
                    endpoint: "a@example.com".into(),
                    confirmed,
                }],
                ..Default::default()
            },
        )
    }

    fn trail(multi_region: bool, logging: bool, group_arn: &str) -> serde_json::Value {
        json!({
            "is_multi_region": multi_region,
            "is_logging": logging,
            "cloud_watch_logs_log_group_arn": group_arn,
        })
    }

    fn summary(nodes: &[Node]) -> CisMonitoringProperties {
        nodes
            .iter()
            .find(|node| node.node_type == NodeType::CisMonitoring)
            .unwrap()
            .properties_as()
            .unwrap()
    }

    fn estate() -> Vec<Node> {
        vec![
            node(
                NodeType::LogGroup,
                "trail-group",
                &LogGroupProperties {
                    log_group_name: "trail-group".into(),
                    ..Default::default()
                },
            ),
            filter("trail-group", "root", "RootUsage", &["4.3"]),
            filter("trail-group", "trail-changes", "TrailChanges", &["4.5"]),
            filter("other-group", "vpc", "VpcChanges", &["4.14"]),
            alarm("root-alarm", "RootUsage", TOPIC),
            alarm("vpc-alarm", "VpcChanges", TOPIC),
            topic(TOPIC, true),
            Node::aws(
                REGION,
                NodeType::CisMonitoring,
                "123456789012",
                to_json(&CisMonitoringProperties::default()),
            ),
        ]
    }

    #[test]
    fn alarms_link_to_the_filters_of_their_metric_and_to_their_topics() {
        let mut nodes = estate();
        let edges = link(REGION, &mut nodes);
        let has = |kind: EdgeKind, src: &str, dst: &str| {
            edges.iter().any(|edge| {
                edge.kind == kind && edge.src.as_str() == src && edge.dst.as_str() == dst
            })
        };
        assert!(has(
            EdgeKind::AlarmsOn,
            "aws:us-east-1:aws.cloudwatch.alarm:root-alarm",
            "aws:us-east-1:aws.logs.metric_filter:trail-group:root"
        ));
        assert!(has(
            EdgeKind::Notifies,
            "aws:us-east-1:aws.cloudwatch.alarm:root-alarm",
            &format!("aws:us-east-1:aws.sns.topic:{TOPIC}")
        ));
        assert_eq!(edges.len(), 4, "{edges:?}");
        // Without trail data, chains count only as "on any log group".
        let summary = summary(&nodes);
        assert_eq!(
            summary.controls_alarmed_on_any_log_group,
            vec!["4.3", "4.14"]
        );
        assert!(summary.monitored_controls.is_empty());
    }

    #[test]
    fn an_unconfirmed_subscriber_or_disabled_actions_break_the_chain() {
        let mut nodes = estate();
        for node in nodes
            .iter_mut()
            .filter(|node| node.node_type == NodeType::SnsTopic)
        {
            *node = topic(TOPIC, false);
        }
        link(REGION, &mut nodes);
        assert!(summary(&nodes).controls_alarmed_on_any_log_group.is_empty());

        let mut nodes = estate();
        for node in nodes
            .iter_mut()
            .filter(|node| node.id.as_str().ends_with(":root-alarm"))
        {
            let mut properties: AlarmProperties = node.properties_as().unwrap();
            properties.actions_enabled = false;
            node.properties = to_json(&properties);
        }
        link(REGION, &mut nodes);
        assert_eq!(
            summary(&nodes).controls_alarmed_on_any_log_group,
            vec!["4.14"]
        );
    }

    #[test]
    fn trail_arns_name_the_log_group_and_its_region() {
        assert_eq!(
            log_group_of_arn("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/ct/main:*"),
            Some(("eu-west-1".into(), "/aws/ct/main".into()))
        );
        assert_eq!(
            log_group_of_arn("arn:aws:logs:eu-west-1:123456789012:log-group:plain"),
            Some(("eu-west-1".into(), "plain".into()))
        );
        assert_eq!(log_group_of_arn("arn:aws:s3:::bucket"), None);
        let properties = json!({
            "is_multi_region": true,
            "is_logging": true,
            "cloud_watch_logs_log_group_arn": "arn:aws:logs:us-east-1:1:log-group:trail-group:*",
        });
        assert_eq!(
            multi_region_logging_trail_group(&properties),
            Some(("us-east-1".into(), "trail-group".into()))
        );
        let single_region = json!({
            "is_multi_region": false,
            "is_logging": true,
            "cloud_watch_logs_log_group_arn": "arn:aws:logs:us-east-1:1:log-group:trail-group:*",
        });
        assert_eq!(multi_region_logging_trail_group(&single_region), None);
        let stopped = json!({
            "is_multi_region": true,
            "is_logging": false,
            "cloud_watch_logs_log_group_arn": "arn:aws:logs:us-east-1:1:log-group:trail-group:*",
        });
        assert_eq!(multi_region_logging_trail_group(&stopped), None);
    }

    #[test]
    fn a_region_covered_only_by_another_regions_trail_is_judged_there() {
        let coverage = |arns: &[&str]| {
            Node::aws(
                REGION,
                NodeType::CloudTrailRegionSettings,
                "1",
                json!({"trail_count": arns.len(), "multi_region_log_group_arns": arns}),
            )
        };
        let mut nodes = estate();
        nodes.push(coverage(&[
            "arn:aws:logs:eu-west-1:1:log-group:trail-group:*",
        ]));
        link(REGION, &mut nodes);
        let judged = summary(&nodes);
        assert_eq!(judged.judged_in_regions, vec!["eu-west-1"]);
        assert!(judged.monitored_controls.is_empty());

        // Delivering here, the shadow-free summary sees the chain on the trail's group.
        let mut nodes = estate();
        nodes.push(coverage(&[
            "arn:aws:logs:us-east-1:1:log-group:trail-group:*",
        ]));
        link(REGION, &mut nodes);
        let judged = summary(&nodes);
        assert!(judged.judged_in_regions.is_empty());
        assert_eq!(judged.trail_log_groups, vec!["trail-group"]);
        assert_eq!(judged.monitored_controls, vec!["4.3"]);

        // No covering multi-region trail: nothing is judged elsewhere.
        let mut nodes = estate();
        nodes.push(coverage(&[]));
        link(REGION, &mut nodes);
        assert!(summary(&nodes).judged_in_regions.is_empty());
    }

    #[test]
    fn with_a_trail_the_verdict_counts_only_chains_on_its_log_group() {
        let mut nodes = estate();
        let here = trail(
            true,
            true,
            "arn:aws:logs:us-east-1:1:log-group:trail-group:*",
        );
        link_with_trails(REGION, &mut nodes, &[here]);
        let judged = summary(&nodes);
        assert_eq!(judged.trail_log_groups, vec!["trail-group"]);
        assert_eq!(judged.monitored_controls, vec!["4.3"]);
        assert!(judged.judged_in_regions.is_empty());

        let mut nodes = estate();
        let elsewhere = trail(
            true,
            true,
            "arn:aws:logs:eu-west-1:1:log-group:trail-group:*",
        );
        let single_region = trail(
            false,
            true,
            "arn:aws:logs:us-east-1:1:log-group:trail-group:*",
        );
        link_with_trails(REGION, &mut nodes, &[elsewhere, single_region]);
        let judged = summary(&nodes);
        assert!(judged.trail_log_groups.is_empty());
        assert!(judged.monitored_controls.is_empty());
        assert_eq!(judged.judged_in_regions, vec!["eu-west-1"]);
    }
}
