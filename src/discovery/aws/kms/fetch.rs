//! SDK calls only: ListKeys (paged), then per key DescribeKey, GetKeyRotationStatus (enabled
//! symmetric keys) and GetKeyPolicy (`default`).

use aws_sdk_kms::Client;
use aws_sdk_kms::types::KeyManagerType;

use super::super::classify::describe_sdk_error;
use super::super::optional_call::{Answer, is_unsupported, settle};
use super::super::service::{FetchError, RegionContext};
use super::transform::{self, KeyFacts};
use crate::discovery::ProgressEvent;
use crate::model::Node;

pub async fn collect_region(
    client: &Client,
    context: &RegionContext<'_>,
) -> Result<(Vec<Node>, Vec<String>), FetchError> {
    let (origin, scope, control) = (context.origin, context.scope, context.control);
    let region = origin.region.as_str();
    let mut gaps = Vec::new();
    let mut key_ids = Vec::new();
    let mut pages = client.list_keys().into_paginator().send();
    while let Some(page) = pages.next().await {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        match page {
            Ok(page) => {
                key_ids.extend(
                    page.keys()
                        .iter()
                        .filter_map(|key| key.key_id().map(str::to_string)),
                );
                control.report(ProgressEvent::PageFetched {
                    scope: scope.clone(),
                    resource: "kms keys",
                    items: page.keys().len(),
                });
            }
            Err(error) if is_unsupported(&error) => {
                gaps.push(describe_sdk_error("listing kms keys", region, &error));
                return Ok((Vec::new(), gaps));
            }
            Err(error) => {
                return Err(FetchError::Failed(describe_sdk_error(
                    "listing kms keys",
                    region,
                    &error,
                )));
            }
        }
    }
    let mut nodes = Vec::new();
    for key_id in key_ids {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        let metadata = match settle(
            client.describe_key().key_id(&key_id).send().await,
            &["NotFoundException"],
            "describing a kms key",
            region,
        ) {
            Answer::Value(output) => match output.key_metadata() {
                Some(metadata) => metadata.clone(),
                None => continue,
            },
            Answer::NotConfigured => continue,
            Answer::Unavailable(line) => {
                push_gap(&mut gaps, line);
                continue;
            }
        };
        if metadata.key_manager() == Some(&KeyManagerType::Aws) {
            continue;
        }
        let key_state = metadata
            .key_state()
            .map(|state| state.as_str().to_string())
            .unwrap_or_default();
        let key_spec = metadata
            .key_spec()
            .map(|spec| spec.as_str().to_string())
            .unwrap_or_default();
        let rotation_enabled = if key_state == "Enabled" && key_spec == "SYMMETRIC_DEFAULT" {
            match settle(
                client
                    .get_key_rotation_status()
                    .key_id(&key_id)
                    .send()
                    .await,
                &[],
                "reading a kms key's rotation",
                region,
            ) {
                Answer::Value(output) => Some(output.key_rotation_enabled()),
                Answer::NotConfigured => None,
                Answer::Unavailable(line) => {
                    push_gap(&mut gaps, line);
                    None
                }
            }
        } else {
            None
        };
        let policy = match settle(
            client
                .get_key_policy()
                .key_id(&key_id)
                .policy_name("default")
                .send()
                .await,
            &[],
            "reading a kms key policy",
            region,
        ) {
            Answer::Value(output) => output.policy().map(str::to_string),
            Answer::NotConfigured => None,
            Answer::Unavailable(line) => {
                push_gap(&mut gaps, line);
                None
            }
        };
        nodes.push(transform::transform_key(
            origin,
            KeyFacts {
                key_id: key_id.clone(),
                arn: metadata.arn().unwrap_or_default().to_string(),
                description: metadata
                    .description()
                    .filter(|text| !text.is_empty())
                    .map(str::to_string),
                key_state,
                key_spec,
                key_usage: metadata
                    .key_usage()
                    .map(|usage| usage.as_str().to_string())
                    .unwrap_or_default(),
                rotation_enabled,
                policy,
            },
        ));
    }
    Ok((nodes, gaps))
}

fn push_gap(gaps: &mut Vec<String>, line: String) {
    if !gaps.contains(&line) {
        gaps.push(line);
    }
}
