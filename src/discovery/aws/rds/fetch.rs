//! SDK calls only: DB subnet groups (to resolve a cluster's subnets), DB instances, DB clusters,
//! DB snapshots and DB cluster snapshots (each with its `restore` attribute). Listing calls fail
//! the scope unless the endpoint does not offer RDS at all (a gap); a snapshot whose attributes
//! cannot be read is kept with `public` unknown (`None`, so a rule asking errors rather than
//! passes) and the failure is recorded as a gap.

use std::collections::HashMap;

use aws_sdk_rds::Client;

use super::super::classify::{describe_sdk_error, gap_if_unsupported};
use super::super::service::{FetchError, Origin};
use super::transform;
use crate::discovery::{DiscoveryControl, ProgressEvent};
use crate::model::{Node, Scope};

/// Runs one paginated listing; `Ok(false)` when the endpoint does not offer it (gap recorded).
macro_rules! list {
    ($control:expr, $scope:expr, $gaps:expr, $resource:literal, $stream:expr, |$page:ident| $body:expr) => {{
        let mut stream = $stream;
        let mut supported = true;
        while let Some(page) = stream.next().await {
            if $control.is_cancelled() {
                return Err(FetchError::Cancelled);
            }
            match page {
                Ok($page) => {
                    let items: usize = $body;
                    $control.report(ProgressEvent::PageFetched {
                        scope: $scope.clone(),
                        resource: $resource,
                        items,
                    });
                }
                Err(error) => {
                    match gap_if_unsupported(concat!("listing ", $resource), &$scope.region, &error)
                    {
                        Ok(gap) => $gaps.push(gap),
                        Err(line) => return Err(FetchError::Failed(line)),
                    }
                    supported = false;
                    break;
                }
            }
        }
        supported
    }};
}

pub async fn collect_region(
    client: &Client,
    origin: &Origin,
    scope: &Scope,
    control: &DiscoveryControl,
) -> Result<(Vec<Node>, Vec<String>), FetchError> {
    let mut nodes = Vec::new();
    let mut gaps = Vec::new();

    let mut subnet_groups: HashMap<String, (Option<String>, Vec<String>)> = HashMap::new();
    let supported = list!(
        control,
        scope,
        gaps,
        "db subnet groups",
        client.describe_db_subnet_groups().into_paginator().send(),
        |page| {
            for group in page.db_subnet_groups() {
                if let Some(name) = group.db_subnet_group_name() {
                    subnet_groups.insert(name.to_string(), transform::subnet_group(group));
                }
            }
            page.db_subnet_groups().len()
        }
    );
    if !supported {
        // No RDS on this endpoint: the other calls would only repeat the gap.
        return Ok((nodes, gaps));
    }
    list!(
        control,
        scope,
        gaps,
        "db instances",
        client.describe_db_instances().into_paginator().send(),
        |page| {
            nodes.extend(
                page.db_instances()
                    .iter()
                    .filter_map(|instance| transform::transform_db_instance(origin, instance)),
            );
            page.db_instances().len()
        }
    );
    list!(
        control,
        scope,
        gaps,
        "db clusters",
        client.describe_db_clusters().into_paginator().send(),
        |page| {
            nodes.extend(page.db_clusters().iter().filter_map(|cluster| {
                transform::transform_db_cluster(origin, cluster, &subnet_groups)
            }));
            page.db_clusters().len()
        }
    );

    let mut snapshots = Vec::new();
    list!(
        control,
        scope,
        gaps,
        "db snapshots",
        client.describe_db_snapshots().into_paginator().send(),
        |page| {
            snapshots.extend(page.db_snapshots().iter().cloned());
            page.db_snapshots().len()
        }
    );
    for snapshot in &snapshots {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        let Some(identifier) = snapshot.db_snapshot_identifier() else {
            continue;
        };
        let restore = match client
            .describe_db_snapshot_attributes()
            .db_snapshot_identifier(identifier)
            .send()
            .await
        {
            Ok(answer) => Some(transform::restore_values(
                answer
                    .db_snapshot_attributes_result()
                    .map(|result| {
                        result
                            .db_snapshot_attributes()
                            .iter()
                            .map(|attribute| {
                                (attribute.attribute_name(), attribute.attribute_values())
                            })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default(),
            )),
            Err(error) => {
                gaps.push(describe_sdk_error(
                    "reading db snapshot attributes",
                    &scope.region,
                    &error,
                ));
                None
            }
        };
        nodes.extend(transform::transform_db_snapshot(
            origin,
            snapshot,
            restore.as_deref(),
        ));
    }

    let mut cluster_snapshots = Vec::new();
    list!(
        control,
        scope,
        gaps,
        "db cluster snapshots",
        client
            .describe_db_cluster_snapshots()
            .into_paginator()
            .send(),
        |page| {
            cluster_snapshots.extend(page.db_cluster_snapshots().iter().cloned());
            page.db_cluster_snapshots().len()
        }
    );
    for snapshot in &cluster_snapshots {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        let Some(identifier) = snapshot.db_cluster_snapshot_identifier() else {
            continue;
        };
        let restore = match client
            .describe_db_cluster_snapshot_attributes()
            .db_cluster_snapshot_identifier(identifier)
            .send()
            .await
        {
            Ok(answer) => Some(transform::restore_values(
                answer
                    .db_cluster_snapshot_attributes_result()
                    .map(|result| {
                        result
                            .db_cluster_snapshot_attributes()
                            .iter()
                            .map(|attribute| {
                                (attribute.attribute_name(), attribute.attribute_values())
                            })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default(),
            )),
            Err(error) => {
                gaps.push(describe_sdk_error(
                    "reading db cluster snapshot attributes",
                    &scope.region,
                    &error,
                ));
                None
            }
        };
        nodes.extend(transform::transform_db_cluster_snapshot(
            origin,
            snapshot,
            restore.as_deref(),
        ));
    }
    Ok((nodes, gaps))
}
