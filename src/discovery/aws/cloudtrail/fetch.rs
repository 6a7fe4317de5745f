//! SDK calls only: DescribeTrails with shadow trails, then each trail's status and event
//! selectors from its home region, and the location of the buckets of this region's trails.

use std::collections::HashMap;

use aws_config::Region;
use aws_sdk_cloudtrail::Client;

use super::super::classify::describe_sdk_error;
use super::super::optional_call::{Answer, is_unsupported, settle};
use super::super::service::{FetchError, RegionContext};
use super::transform::{self, CoveringTrail};
use crate::discovery::ProgressEvent;
use crate::model::Node;

pub async fn collect_region(
    context: &RegionContext<'_>,
) -> Result<(Vec<Node>, Vec<String>), FetchError> {
    let (origin, scope, control) = (context.origin, context.scope, context.control);
    let region = origin.region.as_str();
    let client = Client::new(context.sdk);
    let mut gaps = Vec::new();
    let answer = client
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await;
    let trails = match answer {
        Ok(output) => output.trail_list().to_vec(),
        Err(error) if is_unsupported(&error) => {
            gaps.push(describe_sdk_error("listing trails", region, &error));
            return Ok((Vec::new(), gaps));
        }
        Err(error) => {
            return Err(FetchError::Failed(describe_sdk_error(
                "listing trails",
                region,
                &error,
            )));
        }
    };
    control.report(ProgressEvent::PageFetched {
        scope: scope.clone(),
        resource: "trails",
        items: trails.len(),
    });

    // A trail answers its status and selectors in its home region.
    let mut clients: HashMap<String, Client> = HashMap::new();
    let mut nodes = Vec::new();
    let mut covering = Vec::new();
    for trail in &trails {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        let Some(arn) = trail.trail_arn() else {
            continue;
        };
        let home = trail.home_region().unwrap_or(region).to_string();
        let home_client = clients
            .entry(home.clone())
            .or_insert_with(|| {
                let config = aws_sdk_cloudtrail::config::Builder::from(context.sdk)
                    .region(Region::new(home.clone()))
                    .build();
                Client::from_conf(config)
            })
            .clone();
        let is_logging = match settle(
            home_client.get_trail_status().name(arn).send().await,
            &[],
            "reading a trail's status",
            region,
        ) {
            Answer::Value(status) => status.is_logging(),
            Answer::NotConfigured => None,
            Answer::Unavailable(line) => {
                push_gap(&mut gaps, line);
                None
            }
        };
        let selectors = match settle(
            home_client
                .get_event_selectors()
                .trail_name(arn)
                .send()
                .await,
            &[],
            "reading a trail's event selectors",
            region,
        ) {
            Answer::Value(output) => Some(transform::selector_facts(
                output.event_selectors(),
                output.advanced_event_selectors(),
            )),
            Answer::NotConfigured => None,
            Answer::Unavailable(line) => {
                push_gap(&mut gaps, line);
                None
            }
        };
        covering.push(CoveringTrail {
            arn: arn.to_string(),
            is_multi_region: trail.is_multi_region_trail().unwrap_or(false),
            is_logging,
            selectors,
            cloud_watch_logs_log_group_arn: trail
                .cloud_watch_logs_log_group_arn()
                .map(str::to_string),
        });
        if home != region {
            continue;
        }
        let bucket_region = match trail.s3_bucket_name() {
            Some(bucket) => bucket_region(context, bucket, region, &mut gaps).await,
            None => None,
        };
        nodes.push(transform::transform_trail(
            origin,
            trail,
            is_logging,
            selectors.unwrap_or_default(),
            bucket_region,
        ));
    }
    nodes.push(transform::transform_region_settings(origin, &covering));
    Ok((nodes, gaps))
}

async fn bucket_region(
    context: &RegionContext<'_>,
    bucket: &str,
    region: &str,
    gaps: &mut Vec<String>,
) -> Option<String> {
    let config = aws_sdk_s3::config::Builder::from(context.sdk)
        .force_path_style(context.sdk.endpoint_url().is_some())
        .build();
    let client = aws_sdk_s3::Client::from_conf(config);
    match settle(
        client.get_bucket_location().bucket(bucket).send().await,
        &["NoSuchBucket"],
        "reading a trail bucket's location",
        region,
    ) {
        Answer::Value(output) => Some(super::super::s3::transform::location_region(
            output
                .location_constraint()
                .map(|location| location.as_str()),
        )),
        Answer::NotConfigured => None,
        Answer::Unavailable(line) => {
            push_gap(gaps, line);
            None
        }
    }
}

fn push_gap(gaps: &mut Vec<String>, line: String) {
    if !gaps.contains(&line) {
        gaps.push(line);
    }
}
