//! Pure transforms from aws-sdk-sns types to nodes, unit-tested with SDK builders.

use aws_sdk_sns::types as sns;

use crate::model::properties::*;
use crate::model::{Node, NodeType};

pub use super::super::service::Origin;

/// AWS lists an unconfirmed subscription with this in place of its ARN.
const PENDING: &str = "PendingConfirmation";

pub fn transform_topic(
    origin: &Origin,
    topic_arn: &str,
    kms_master_key_id: Option<String>,
    subscriptions: &[sns::Subscription],
) -> Option<Node> {
    let topic_name = topic_arn
        .rsplit(':')
        .next()
        .filter(|name| !name.is_empty())?;
    let subscriptions: Vec<SnsSubscription> = subscriptions
        .iter()
        .map(|subscription| SnsSubscription {
            protocol: subscription.protocol().unwrap_or_default().to_string(),
            endpoint: subscription.endpoint().unwrap_or_default().to_string(),
            confirmed: subscription
                .subscription_arn()
                .is_some_and(|arn| arn != PENDING && arn.starts_with("arn:")),
        })
        .collect();
    let properties = SnsTopicProperties {
        topic_arn: topic_arn.to_string(),
        topic_name: topic_name.to_string(),
        kms_master_key_id,
        confirmed_subscription_count: subscriptions
            .iter()
            .filter(|subscription| subscription.confirmed)
            .count() as i64,
        subscriptions,
    };
    let mut node = Node::aws(
        &origin.region,
        NodeType::SnsTopic,
        topic_arn,
        to_json(&properties),
    );
    node.account = origin.account.clone();
    node.name = topic_name.to_string();
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_subscriptions_are_not_confirmed() {
        let origin = Origin {
            account: "123456789012".into(),
            region: "us-east-1".into(),
        };
        let arn = "arn:aws:sns:us-east-1:123456789012:alerts";
        let confirmed = sns::Subscription::builder()
            .topic_arn(arn)
            .protocol("email")
            .endpoint("sec@example.com")
            .subscription_arn(format!("{arn}:4f1c"))
            .build();
        let pending = sns::Subscription::builder()
            .topic_arn(arn)
            .protocol("email")
            .endpoint("new@example.com")
            .subscription_arn(PENDING)
            .build();
        let node = transform_topic(&origin, arn, None, &[confirmed, pending]).unwrap();
        assert_eq!(
            node.id.as_str(),
            format!("aws:us-east-1:aws.sns.topic:{arn}")
        );
        assert_eq!(node.name, "alerts");
        let properties = node.properties_as::<SnsTopicProperties>().unwrap();
        assert_eq!(properties.confirmed_subscription_count, 1);
        assert_eq!(
            properties
                .subscriptions
                .iter()
                .map(|subscription| subscription.confirmed)
                .collect::<Vec<_>>(),
            vec![true, false]
        );
    }
}
