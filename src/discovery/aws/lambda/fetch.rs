//! SDK calls only: every function (paginated), then per function its resource policy and its
//! function URL configuration. "Not found" answers mean "none"; any other failure of those two
//! calls leaves the fact unknown (`None`) and records a gap. The listing fails the scope unless
//! the endpoint does not offer Lambda at all (a gap).

use aws_sdk_lambda::Client;

use super::super::classify::{describe_sdk_error, gap_if_unsupported};
use super::super::service::{FetchError, Origin};
use super::transform::{self, FunctionExtras};
use crate::discovery::{DiscoveryControl, ProgressEvent};
use crate::model::{Node, Scope};

pub async fn collect_region(
    client: &Client,
    origin: &Origin,
    scope: &Scope,
    control: &DiscoveryControl,
) -> Result<(Vec<Node>, Vec<String>), FetchError> {
    let mut nodes = Vec::new();
    let mut gaps = Vec::new();
    let mut functions = Vec::new();
    let mut stream = client.list_functions().into_paginator().send();
    while let Some(page) = stream.next().await {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        match page {
            Ok(page) => {
                functions.extend(page.functions().iter().cloned());
                control.report(ProgressEvent::PageFetched {
                    scope: scope.clone(),
                    resource: "lambda functions",
                    items: page.functions().len(),
                });
            }
            Err(error) => {
                match gap_if_unsupported("listing lambda functions", &scope.region, &error) {
                    Ok(gap) => gaps.push(gap),
                    Err(line) => return Err(FetchError::Failed(line)),
                }
                return Ok((nodes, gaps));
            }
        }
    }
    // Discovery time decides whether a runtime counts as deprecated (see `runtimes`).
    let today = chrono::Utc::now().date_naive();
    for function in &functions {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        let Some(name) = function.function_name() else {
            continue;
        };
        let mut extras = FunctionExtras {
            policy_known: true,
            url_known: true,
            ..Default::default()
        };
        match client.get_policy().function_name(name).send().await {
            Ok(answer) => extras.policy = answer.policy().map(str::to_string),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|service| service.is_resource_not_found_exception()) => {}
            Err(error) => {
                extras.policy_known = false;
                gaps.push(describe_sdk_error(
                    "reading a lambda function policy",
                    &scope.region,
                    &error,
                ));
            }
        }
        match client
            .get_function_url_config()
            .function_name(name)
            .send()
            .await
        {
            Ok(answer) => {
                extras.url = Some((
                    answer.function_url().to_string(),
                    answer.auth_type().as_str().to_string(),
                ))
            }
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|service| service.is_resource_not_found_exception()) => {}
            Err(error) => {
                extras.url_known = false;
                gaps.push(describe_sdk_error(
                    "reading a lambda function URL",
                    &scope.region,
                    &error,
                ));
            }
        }
        nodes.extend(transform::transform_function(
            origin, function, &extras, today,
        ));
    }
    Ok((nodes, gaps))
}
