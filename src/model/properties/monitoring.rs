//! Property shapes of the monitoring node types (CloudWatch Logs, CloudWatch alarms, SNS, Security
//! Hub, and the per-region CIS section 4 summary). Plain data, re-exported by `model::properties`;
//! the CIS judgement is computed by discovery (`discovery::aws::logs::cis_patterns` and the
//! `cloudwatch` service's `link`), so the rules only read these fields.

use serde::{Deserialize, Serialize};

use super::NodeProperties;

/// `aws.logs.log_group`: node id `aws:<region>:aws.logs.log_group:<log group name>` (the id a
/// CloudTrail trail's edge points at).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogGroupProperties {
    pub log_group_name: String,
    pub arn: Option<String>,
    /// `None`: events never expire.
    pub retention_in_days: Option<i32>,
    pub kms_key_id: Option<String>,
    pub stored_bytes: Option<i64>,
    pub metric_filter_count: i64,
}

impl NodeProperties for LogGroupProperties {
    fn defaults() -> Self {
        // AWS's defaults: events never expire and are encrypted with a service key.
        LogGroupProperties {
            log_group_name: "app".into(),
            ..Default::default()
        }
    }

    fn example() -> Self {
        LogGroupProperties {
            log_group_name: "cloudtrail-events".into(),
            arn: Some("arn:aws:logs:us-east-1:123456789012:log-group:cloudtrail-events:*".into()),
            retention_in_days: Some(365),
            kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/example".into()),
            stored_bytes: Some(1024),
            metric_filter_count: 2,
        }
    }
}

/// One metric transformation of a metric filter: the metric the filter publishes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricTransformation {
    pub metric_namespace: String,
    pub metric_name: String,
}

/// `aws.logs.metric_filter`: node id `aws:<region>:aws.logs.metric_filter:<log group>:<filter>`
/// (a colon, which log group names cannot contain, separates the two, so the id is unambiguous).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricFilterProperties {
    pub filter_name: String,
    pub log_group_name: String,
    pub filter_pattern: String,
    pub metric_transformations: Vec<MetricTransformation>,
    /// The CIS AWS Foundations 3.0.0 section 4 controls (`"4.3"`) whose pattern this filter
    /// matches, judged on the pattern's terms, not its text (`cis_patterns`).
    pub cis_controls: Vec<String>,
    /// The same, as Prowler-style check names (`root_usage`), for people who compare.
    pub cis_checks: Vec<String>,
}

impl NodeProperties for MetricFilterProperties {
    fn defaults() -> Self {
        MetricFilterProperties::default()
    }

    fn example() -> Self {
        MetricFilterProperties {
            filter_name: "root-usage".into(),
            log_group_name: "cloudtrail-events".into(),
            filter_pattern: "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT \
                             EXISTS && $.eventType != \"AwsServiceEvent\" }"
                .into(),
            metric_transformations: vec![MetricTransformation {
                metric_namespace: "CISBenchmark".into(),
                metric_name: "RootUsage".into(),
            }],
            cis_controls: vec!["4.3".into()],
            cis_checks: vec!["root_usage".into()],
        }
    }

    fn list_item_defaults(field: &str) -> Option<serde_json::Value> {
        (field == "metric_transformations")
            .then(|| super::to_json(&MetricTransformation::default()))
    }
}

/// `aws.cloudwatch.alarm`: node id `aws:<region>:aws.cloudwatch.alarm:<alarm name>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlarmProperties {
    pub alarm_name: String,
    pub arn: Option<String>,
    pub metric_namespace: Option<String>,
    pub metric_name: Option<String>,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    pub state: Option<String>,
    pub actions_enabled: bool,
    /// Every alarm action's ARN (SNS topics, Auto Scaling policies, …).
    pub alarm_actions: Vec<String>,
    /// The alarm actions that are SNS topics.
    pub sns_topic_arns: Vec<String>,
}

impl NodeProperties for AlarmProperties {
    fn defaults() -> Self {
        AlarmProperties {
            actions_enabled: true,
            ..Default::default()
        }
    }

    fn example() -> Self {
        let topic = "arn:aws:sns:us-east-1:123456789012:security-alerts".to_string();
        AlarmProperties {
            alarm_name: "root-usage".into(),
            arn: Some("arn:aws:cloudwatch:us-east-1:123456789012:alarm:root-usage".into()),
            metric_namespace: Some("CISBenchmark".into()),
            metric_name: Some("RootUsage".into()),
            state: Some("OK".into()),
            actions_enabled: true,
            alarm_actions: vec![topic.clone()],
            sns_topic_arns: vec![topic],
        }
    }
}

/// One subscription of an SNS topic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SnsSubscription {
    /// `email`, `sqs`, `https`, `lambda`, …
    pub protocol: String,
    pub endpoint: String,
    /// False while AWS reports the subscription as `PendingConfirmation`.
    pub confirmed: bool,
}

/// `aws.sns.topic`: node id `aws:<region>:aws.sns.topic:<topic arn>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SnsTopicProperties {
    pub topic_arn: String,
    pub topic_name: String,
    pub kms_master_key_id: Option<String>,
    pub subscriptions: Vec<SnsSubscription>,
    pub confirmed_subscription_count: i64,
}

impl NodeProperties for SnsTopicProperties {
    fn defaults() -> Self {
        SnsTopicProperties {
            topic_arn: "arn:aws:sns:us-east-1:123456789012:alerts".into(),
            topic_name: "alerts".into(),
            subscriptions: vec![SnsSubscription {
                protocol: "email".into(),
                endpoint: "security@example.com".into(),
                confirmed: true,
            }],
            confirmed_subscription_count: 1,
            ..Default::default()
        }
    }

    fn example() -> Self {
        Self::defaults()
    }

    fn list_item_defaults(field: &str) -> Option<serde_json::Value> {
        (field == "subscriptions").then(|| super::to_json(&SnsSubscription::default()))
    }
}

/// `aws.securityhub.hub`: one per account and region where Security Hub answered. A region whose
/// endpoint could not say (unsupported call, access denied) has no node and a recorded gap: an
/// unknown is not "disabled".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecurityHubProperties {
    pub enabled: bool,
    pub hub_arn: Option<String>,
    pub subscribed_at: Option<String>,
}

impl NodeProperties for SecurityHubProperties {
    fn defaults() -> Self {
        SecurityHubProperties {
            enabled: true,
            ..Default::default()
        }
    }

    fn example() -> Self {
        SecurityHubProperties {
            enabled: true,
            hub_arn: Some("arn:aws:securityhub:us-east-1:123456789012:hub/default".into()),
            subscribed_at: Some("2026-01-01T00:00:00Z".into()),
        }
    }
}

/// `aws.cloudwatch.cis_monitoring`: one per account and region, the node that carries the CIS
/// 4.1–4.15 verdicts (id `aws:<region>:aws.cloudwatch.cis_monitoring:<account>`). Filled by the
/// `cloudwatch` service's `link` from the region's nodes: a control is monitored when a metric
/// filter with its pattern sits on the log group of a multi-region, logging CloudTrail trail, and
/// an alarm on that filter's metric notifies an SNS topic with at least one confirmed subscriber.
///
/// From a trail (`aws.cloudtrail.trail`, read as JSON so this side needs nothing else) it reads
/// only `is_multi_region`, `is_logging` and `cloud_watch_logs_log_group_arn`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CisMonitoringProperties {
    /// Log groups of this region that receive a multi-region, logging trail.
    pub trail_log_groups: Vec<String>,
    /// A multi-region, logging trail seen here delivers to a log group in another region: the
    /// verdict is that region's (this node is then compliant).
    pub judged_in_regions: Vec<String>,
    /// Controls with a complete chain on a trail log group of this region.
    pub monitored_controls: Vec<String>,
    /// Controls with a complete chain on any log group of this region, trail or not (what the
    /// verdict would be if that group received the trail).
    pub controls_alarmed_on_any_log_group: Vec<String>,
}

impl NodeProperties for CisMonitoringProperties {
    fn defaults() -> Self {
        CisMonitoringProperties::default()
    }

    fn example() -> Self {
        CisMonitoringProperties {
            trail_log_groups: vec!["cloudtrail-events".into()],
            judged_in_regions: Vec::new(),
            monitored_controls: vec!["4.3".into()],
            controls_alarmed_on_any_log_group: vec!["4.3".into()],
        }
    }
}
