//! SDK calls only: DescribeConfigurationRecorders and DescribeConfigurationRecorderStatus (neither
//! pages). An endpoint without the API is a gap and writes no region settings.

use std::collections::HashMap;

use aws_sdk_config::Client;

use super::super::classify::describe_sdk_error;
use super::super::optional_call::is_unsupported;
use super::super::service::{FetchError, RegionContext};
use super::transform::{self, RecorderFacts};
use crate::discovery::ProgressEvent;
use crate::model::Node;

pub async fn collect_region(
    client: &Client,
    context: &RegionContext<'_>,
) -> Result<(Vec<Node>, Vec<String>), FetchError> {
    let (origin, scope, control) = (context.origin, context.scope, context.control);
    let region = origin.region.as_str();
    let recorders = match client.describe_configuration_recorders().send().await {
        Ok(output) => output.configuration_recorders().to_vec(),
        Err(error) if is_unsupported(&error) => {
            let line = describe_sdk_error("listing config recorders", region, &error);
            return Ok((Vec::new(), vec![line]));
        }
        Err(error) => {
            return Err(FetchError::Failed(describe_sdk_error(
                "listing config recorders",
                region,
                &error,
            )));
        }
    };
    if control.is_cancelled() {
        return Err(FetchError::Cancelled);
    }
    let mut gaps = Vec::new();
    let mut status: HashMap<String, (bool, Option<String>)> = HashMap::new();
    if !recorders.is_empty() {
        match client.describe_configuration_recorder_status().send().await {
            Ok(output) => {
                for entry in output.configuration_recorders_status() {
                    status.insert(
                        entry.name().unwrap_or_default().to_string(),
                        (
                            entry.recording(),
                            entry.last_status().map(|last| last.as_str().to_string()),
                        ),
                    );
                }
            }
            Err(error) => gaps.push(describe_sdk_error(
                "reading config recorder status",
                region,
                &error,
            )),
        }
    }
    control.report(ProgressEvent::PageFetched {
        scope: scope.clone(),
        resource: "config recorders",
        items: recorders.len(),
    });
    let facts: Vec<RecorderFacts> = recorders
        .iter()
        .map(|recorder| {
            let name = recorder.name().unwrap_or_default().to_string();
            let (recording, last_status) = status.get(&name).cloned().unwrap_or((false, None));
            let group = recorder.recording_group();
            RecorderFacts {
                name,
                role_arn: recorder.role_arn().map(str::to_string),
                all_supported: group.is_some_and(|group| group.all_supported()),
                include_global_resource_types: group
                    .is_some_and(|group| group.include_global_resource_types()),
                recording,
                last_status,
            }
        })
        .collect();
    Ok((transform::transform_region(origin, &facts), gaps))
}
