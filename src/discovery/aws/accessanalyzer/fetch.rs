//! SDK calls only: ListAnalyzers (paged). Any failure other than cancellation is a gap: Access
//! Analyzer is optional evidence, and its absence must read as unknown.

use aws_sdk_accessanalyzer::Client;

use super::super::classify::describe_sdk_error;
use super::super::service::{FetchError, RegionContext};
use super::transform::{self, AnalyzerFacts};
use crate::discovery::ProgressEvent;
use crate::model::Node;

pub async fn collect_region(
    client: &Client,
    context: &RegionContext<'_>,
) -> Result<(Vec<Node>, Vec<String>), FetchError> {
    let (origin, scope, control) = (context.origin, context.scope, context.control);
    let region = origin.region.as_str();
    let mut analyzers = Vec::new();
    let mut pages = client.list_analyzers().into_paginator().send();
    while let Some(page) = pages.next().await {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        match page {
            Ok(page) => {
                analyzers.extend(page.analyzers().iter().map(|analyzer| AnalyzerFacts {
                    name: analyzer.name().to_string(),
                    arn: analyzer.arn().to_string(),
                    analyzer_type: analyzer.r#type().as_str().to_string(),
                    status: analyzer.status().as_str().to_string(),
                }));
                control.report(ProgressEvent::PageFetched {
                    scope: scope.clone(),
                    resource: "access analyzers",
                    items: page.analyzers().len(),
                });
            }
            Err(error) => {
                let line = describe_sdk_error("listing access analyzers", region, &error);
                return Ok((Vec::new(), vec![line]));
            }
        }
    }
    Ok((transform::transform_region(origin, &analyzers), Vec::new()))
}
