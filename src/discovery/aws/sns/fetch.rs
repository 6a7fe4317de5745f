//! SDK calls only: every topic and subscription of one region (required), and each topic's
//! attributes for its KMS key (optional: a failure is a gap and the key reads as unknown).

use std::collections::HashMap;

use aws_sdk_sns::Client;

use super::super::classify::describe_sdk_error;
use super::super::paged::each_page;
use super::super::service::{FetchError, Origin};
use super::transform;
use crate::discovery::DiscoveryControl;
use crate::model::{Node, Scope};

pub async fn collect_region(
    client: &Client,
    origin: &Origin,
    scope: &Scope,
    control: &DiscoveryControl,
) -> Result<(Vec<Node>, Vec<String>), FetchError> {
    let mut topic_arns: Vec<String> = Vec::new();
    each_page!(
        control,
        scope,
        "sns topics",
        client.list_topics().into_paginator().send(),
        |page| {
            topic_arns.extend(
                page.topics()
                    .iter()
                    .filter_map(|topic| topic.topic_arn().map(str::to_string)),
            );
            page.topics().len()
        }
    )
    .map_err(FetchError::Failed)?;
    let mut subscriptions: HashMap<String, Vec<aws_sdk_sns::types::Subscription>> = HashMap::new();
    each_page!(
        control,
        scope,
        "sns subscriptions",
        client.list_subscriptions().into_paginator().send(),
        |page| {
            for subscription in page.subscriptions() {
                if let Some(topic) = subscription.topic_arn() {
                    subscriptions
                        .entry(topic.to_string())
                        .or_default()
                        .push(subscription.clone());
                }
            }
            page.subscriptions().len()
        }
    )
    .map_err(FetchError::Failed)?;
    let mut nodes = Vec::new();
    let mut gaps = Vec::new();
    for topic_arn in &topic_arns {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        let kms_key = match client
            .get_topic_attributes()
            .topic_arn(topic_arn)
            .send()
            .await
        {
            Ok(output) => output
                .attributes()
                .and_then(|attributes| attributes.get("KmsMasterKeyId"))
                .cloned(),
            Err(error) => {
                gaps.push(describe_sdk_error(
                    "reading sns topic attributes",
                    &origin.region,
                    &error,
                ));
                None
            }
        };
        let topic_subscriptions = subscriptions.remove(topic_arn).unwrap_or_default();
        nodes.extend(transform::transform_topic(
            origin,
            topic_arn,
            kms_key,
            &topic_subscriptions,
        ));
    }
    Ok((nodes, gaps))
}
