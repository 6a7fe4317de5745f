//! SDK calls only: the account's public access block, the list of buckets, and each of this
//! region's buckets' configuration (eight calls per bucket, a few buckets at a time). A bucket's
//! "not configured" answers are facts; calls the endpoint cannot answer are gaps.

use aws_sdk_s3::Client;
use futures::StreamExt;

use super::super::classify::describe_sdk_error;
use super::super::optional_call::{Answer, settle};
use super::super::service::{FetchError, RegionContext};
use super::transform::{self, BucketFacts};
use crate::discovery::ProgressEvent;
use crate::model::Node;
use crate::model::properties::PublicAccessBlock;

/// Buckets read at the same time (each is eight sequential calls).
const BUCKETS_IN_FLIGHT: usize = 8;

pub async fn collect_region(
    client: &Client,
    control_client: &aws_sdk_s3control::Client,
    context: &RegionContext<'_>,
) -> Result<(Vec<Node>, Vec<String>), FetchError> {
    let (origin, scope, control) = (context.origin, context.scope, context.control);
    let region = origin.region.as_str();
    let mut nodes = Vec::new();
    let mut gaps = Vec::new();

    match account_public_access_block(control_client, &origin.account, region).await {
        Answer::Value(block) => {
            nodes.push(transform::transform_account_settings(origin, Some(block)))
        }
        Answer::NotConfigured => nodes.push(transform::transform_account_settings(origin, None)),
        Answer::Unavailable(line) => gaps.push(line),
    }

    // ListBuckets names every bucket of the account. `bucket_region` filters on AWS and each
    // answer carries the bucket's region; an endpoint that ignores both gets GetBucketLocation.
    let mut listed: Vec<(String, Option<String>, Option<String>)> = Vec::new();
    let mut pages = client
        .list_buckets()
        .bucket_region(region)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        let page = page.map_err(|error| {
            FetchError::Failed(describe_sdk_error("listing buckets", region, &error))
        })?;
        for bucket in page.buckets() {
            let Some(name) = bucket.name() else { continue };
            listed.push((
                name.to_string(),
                bucket.bucket_region().map(str::to_string),
                bucket.creation_date().map(|date| date.to_string()),
            ));
        }
        control.report(ProgressEvent::PageFetched {
            scope: scope.clone(),
            resource: "buckets",
            items: page.buckets().len(),
        });
    }

    let mut mine = Vec::new();
    for (name, listed_region, created) in listed {
        let bucket_region = match listed_region {
            Some(listed_region) => listed_region,
            None => match bucket_location(client, &name, region).await {
                Answer::Value(location) => location,
                // Deleted since it was listed.
                Answer::NotConfigured => continue,
                Answer::Unavailable(line) => {
                    gaps.push(line);
                    continue;
                }
            },
        };
        if bucket_region == region {
            mine.push((name, created));
        }
    }

    let details: Vec<Option<BucketFacts>> = futures::stream::iter(mine)
        .map(|(name, created)| bucket_facts(client, name, created, region))
        .buffer_unordered(BUCKETS_IN_FLIGHT)
        .collect()
        .await;
    if control.is_cancelled() {
        return Err(FetchError::Cancelled);
    }
    let mut buckets: Vec<BucketFacts> = details.into_iter().flatten().collect();
    buckets.sort_by(|left, right| left.name.cmp(&right.name));
    control.report(ProgressEvent::PageFetched {
        scope: scope.clone(),
        resource: "bucket configurations",
        items: buckets.len(),
    });
    for facts in buckets {
        gaps.extend(facts.unsupported_calls.iter().cloned());
        nodes.push(transform::transform_bucket(origin, facts));
    }
    Ok((nodes, gaps))
}

async fn account_public_access_block(
    client: &aws_sdk_s3control::Client,
    account: &str,
    region: &str,
) -> Answer<PublicAccessBlock> {
    let result = client
        .get_public_access_block()
        .account_id(account)
        .send()
        .await;
    match settle(
        result,
        &["NoSuchPublicAccessBlockConfiguration"],
        "reading the account's S3 public access block",
        region,
    ) {
        Answer::Value(output) => match output.public_access_block_configuration() {
            Some(block) => Answer::Value(transform::public_access_block(
                block.block_public_acls(),
                block.ignore_public_acls(),
                block.block_public_policy(),
                block.restrict_public_buckets(),
            )),
            None => Answer::NotConfigured,
        },
        Answer::NotConfigured => Answer::NotConfigured,
        Answer::Unavailable(line) => Answer::Unavailable(line),
    }
}

/// The bucket's region (`None`/empty location means us-east-1, `EU` eu-west-1).
async fn bucket_location(client: &Client, name: &str, region: &str) -> Answer<String> {
    let result = client.get_bucket_location().bucket(name).send().await;
    match settle(
        result,
        &["NoSuchBucket"],
        "reading a bucket's location",
        region,
    ) {
        Answer::Value(output) => Answer::Value(transform::location_region(
            output
                .location_constraint()
                .map(|location| location.as_str()),
        )),
        Answer::NotConfigured => Answer::NotConfigured,
        Answer::Unavailable(line) => Answer::Unavailable(line),
    }
}

/// Every configuration call of one bucket. `None` when the bucket vanished meanwhile.
async fn bucket_facts(
    client: &Client,
    name: String,
    creation_date: Option<String>,
    region: &str,
) -> Option<BucketFacts> {
    let mut facts = BucketFacts {
        name: name.clone(),
        creation_date,
        ..BucketFacts::default()
    };
    let mut gaps: Vec<String> = Vec::new();

    match settle(
        client.get_public_access_block().bucket(&name).send().await,
        &["NoSuchPublicAccessBlockConfiguration", "NoSuchBucket"],
        "reading a bucket's public access block",
        region,
    ) {
        Answer::Value(output) => {
            facts.public_access_block = output.public_access_block_configuration().map(|block| {
                transform::public_access_block(
                    block.block_public_acls(),
                    block.ignore_public_acls(),
                    block.block_public_policy(),
                    block.restrict_public_buckets(),
                )
            });
        }
        Answer::NotConfigured => {}
        Answer::Unavailable(line) => facts_gap(&mut gaps, line),
    }
    match settle(
        client.get_bucket_policy().bucket(&name).send().await,
        &["NoSuchBucketPolicy"],
        "reading a bucket policy",
        region,
    ) {
        Answer::Value(output) => facts.policy = output.policy().map(str::to_string),
        Answer::NotConfigured => {}
        Answer::Unavailable(line) => facts_gap(&mut gaps, line),
    }
    match settle(
        client.get_bucket_acl().bucket(&name).send().await,
        &["NoSuchBucket"],
        "reading a bucket ACL",
        region,
    ) {
        Answer::Value(output) => {
            facts.acl_public_grants = transform::public_grants(output.grants())
        }
        Answer::NotConfigured => return None,
        Answer::Unavailable(line) => facts_gap(&mut gaps, line),
    }
    match settle(
        client.get_bucket_encryption().bucket(&name).send().await,
        &["ServerSideEncryptionConfigurationNotFoundError"],
        "reading a bucket's default encryption",
        region,
    ) {
        Answer::Value(output) => {
            facts.encryption = output
                .server_side_encryption_configuration()
                .and_then(transform::default_encryption);
        }
        Answer::NotConfigured => {}
        Answer::Unavailable(line) => facts_gap(&mut gaps, line),
    }
    match settle(
        client.get_bucket_versioning().bucket(&name).send().await,
        &[],
        "reading a bucket's versioning",
        region,
    ) {
        Answer::Value(output) => {
            facts.versioning = output
                .status()
                .map(|status| status.as_str().to_string())
                .unwrap_or_default();
            facts.mfa_delete = output
                .mfa_delete()
                .is_some_and(|status| status.as_str() == "Enabled");
        }
        Answer::NotConfigured => {}
        Answer::Unavailable(line) => facts_gap(&mut gaps, line),
    }
    match settle(
        client.get_bucket_logging().bucket(&name).send().await,
        &[],
        "reading a bucket's access logging",
        region,
    ) {
        Answer::Value(output) => {
            facts.logging_target = output
                .logging_enabled()
                .map(|logging| logging.target_bucket().to_string());
        }
        Answer::NotConfigured => {}
        Answer::Unavailable(line) => facts_gap(&mut gaps, line),
    }
    match settle(
        client
            .get_object_lock_configuration()
            .bucket(&name)
            .send()
            .await,
        &["ObjectLockConfigurationNotFoundError"],
        "reading a bucket's object lock",
        region,
    ) {
        Answer::Value(output) => {
            facts.object_lock = output
                .object_lock_configuration()
                .and_then(|lock| lock.object_lock_enabled())
                .is_some_and(|enabled| enabled.as_str() == "Enabled");
        }
        Answer::NotConfigured => {}
        Answer::Unavailable(line) => facts_gap(&mut gaps, line),
    }
    match settle(
        client.get_bucket_tagging().bucket(&name).send().await,
        &["NoSuchTagSet", "NoSuchTagSetError"],
        "reading a bucket's tags",
        region,
    ) {
        Answer::Value(output) => {
            facts.tags = output
                .tag_set()
                .iter()
                .map(|tag| (tag.key().to_string(), tag.value().to_string()))
                .collect();
        }
        Answer::NotConfigured => {}
        Answer::Unavailable(line) => facts_gap(&mut gaps, line),
    }
    facts.unsupported_calls = gaps;
    Some(facts)
}

fn facts_gap(gaps: &mut Vec<String>, line: String) {
    if !gaps.contains(&line) {
        gaps.push(line);
    }
}
