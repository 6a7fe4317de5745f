//! SDK calls only: page through every Describe call of one region, checking for cancellation
//! between pages and reporting progress. Required calls fail the scope; optional ones (features an
//! endpoint may not support) are recorded as gaps.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{PermissionGroup, SnapshotAttributeName};

use super::super::classify::describe_sdk_error;
use super::super::service::{FetchError, Origin};
use super::transform;
use crate::discovery::{DiscoveryControl, ProgressEvent};
use crate::model::{Node, Scope};

/// Pages through `$stream`, running `$body` (which returns the item count) on each page.
macro_rules! pages {
    ($control:expr, $scope:expr, $resource:literal, $stream:expr, |$page:ident| $body:expr) => {{
        let mut stream = $stream;
        let mut outcome: Result<(), String> = Ok(());
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
                    outcome = Err(describe_sdk_error(
                        concat!("listing ", $resource),
                        &$scope.region,
                        &error,
                    ));
                    break;
                }
            }
        }
        outcome
    }};
}

/// Collects every resource of one region. Returns the nodes and the gaps (unsupported calls).
pub async fn collect_region(
    client: &Client,
    origin: &Origin,
    scope: &Scope,
    control: &DiscoveryControl,
) -> Result<(Vec<Node>, Vec<String>), FetchError> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut gaps: Vec<String> = Vec::new();
    let required = |result: Result<(), String>| result.map_err(FetchError::Failed);

    required(pages!(
        control,
        scope,
        "vpcs",
        client.describe_vpcs().into_paginator().send(),
        |page| {
            nodes.extend(
                page.vpcs()
                    .iter()
                    .filter_map(|vpc| transform::transform_vpc(origin, vpc)),
            );
            page.vpcs().len()
        }
    ))?;
    required(pages!(
        control,
        scope,
        "subnets",
        client.describe_subnets().into_paginator().send(),
        |page| {
            nodes.extend(
                page.subnets()
                    .iter()
                    .filter_map(|subnet| transform::transform_subnet(origin, subnet)),
            );
            page.subnets().len()
        }
    ))?;
    required(pages!(
        control,
        scope,
        "route tables",
        client.describe_route_tables().into_paginator().send(),
        |page| {
            nodes.extend(
                page.route_tables()
                    .iter()
                    .filter_map(|table| transform::transform_route_table(origin, table)),
            );
            page.route_tables().len()
        }
    ))?;
    required(pages!(
        control,
        scope,
        "internet gateways",
        client.describe_internet_gateways().into_paginator().send(),
        |page| {
            nodes.extend(
                page.internet_gateways()
                    .iter()
                    .filter_map(|gateway| transform::transform_internet_gateway(origin, gateway)),
            );
            page.internet_gateways().len()
        }
    ))?;
    required(pages!(
        control,
        scope,
        "nat gateways",
        client.describe_nat_gateways().into_paginator().send(),
        |page| {
            nodes.extend(
                page.nat_gateways()
                    .iter()
                    .filter_map(|gateway| transform::transform_nat_gateway(origin, gateway)),
            );
            page.nat_gateways().len()
        }
    ))?;
    required(pages!(
        control,
        scope,
        "vpc peering connections",
        client
            .describe_vpc_peering_connections()
            .into_paginator()
            .send(),
        |page| {
            nodes.extend(
                page.vpc_peering_connections()
                    .iter()
                    .filter_map(|peering| transform::transform_peering(origin, peering)),
            );
            page.vpc_peering_connections().len()
        }
    ))?;
    required(pages!(
        control,
        scope,
        "security groups",
        client.describe_security_groups().into_paginator().send(),
        |page| {
            nodes.extend(
                page.security_groups()
                    .iter()
                    .filter_map(|group| transform::transform_security_group(origin, group)),
            );
            page.security_groups().len()
        }
    ))?;
    required(pages!(
        control,
        scope,
        "network acls",
        client.describe_network_acls().into_paginator().send(),
        |page| {
            nodes.extend(
                page.network_acls()
                    .iter()
                    .filter_map(|acl| transform::transform_network_acl(origin, acl)),
            );
            page.network_acls().len()
        }
    ))?;
    required(pages!(
        control,
        scope,
        "network interfaces",
        client.describe_network_interfaces().into_paginator().send(),
        |page| {
            nodes.extend(
                page.network_interfaces().iter().filter_map(|interface| {
                    transform::transform_network_interface(origin, interface)
                }),
            );
            page.network_interfaces().len()
        }
    ))?;
    required(pages!(
        control,
        scope,
        "instances",
        client.describe_instances().into_paginator().send(),
        |page| {
            let instances: Vec<_> = page
                .reservations()
                .iter()
                .flat_map(|reservation| reservation.instances())
                .collect();
            nodes.extend(
                instances
                    .iter()
                    .filter_map(|instance| transform::transform_instance(origin, instance)),
            );
            instances.len()
        }
    ))?;
    required(pages!(
        control,
        scope,
        "volumes",
        client.describe_volumes().into_paginator().send(),
        |page| {
            nodes.extend(
                page.volumes()
                    .iter()
                    .filter_map(|volume| transform::transform_volume(origin, volume)),
            );
            page.volumes().len()
        }
    ))?;
    let mut snapshots = Vec::new();
    required(pages!(
        control,
        scope,
        "snapshots",
        client
            .describe_snapshots()
            .owner_ids("self")
            .into_paginator()
            .send(),
        |page| {
            snapshots.extend(page.snapshots().iter().cloned());
            page.snapshots().len()
        }
    ))?;
    // `OwnerIds=self` is not honoured by every endpoint (moto lists its public catalogue): keep
    // only the scanned account's own, so an endpoint cannot flood a tenant with foreign resources.
    keep_own_snapshots(&mut snapshots, &origin.account);
    let addresses = client.describe_addresses().send().await.map_err(|error| {
        FetchError::Failed(describe_sdk_error(
            "listing elastic ips",
            &scope.region,
            &error,
        ))
    })?;
    nodes.extend(
        addresses
            .addresses()
            .iter()
            .filter_map(|address| transform::transform_address(origin, address)),
    );

    // Optional: features some endpoints (and some accounts) do not offer.
    let optional = |gaps: &mut Vec<String>, result: Result<(), String>| {
        if let Err(message) = result {
            gaps.push(message);
        }
    };
    let result = pages!(
        control,
        scope,
        "egress-only internet gateways",
        client
            .describe_egress_only_internet_gateways()
            .into_paginator()
            .send(),
        |page| {
            nodes.extend(
                page.egress_only_internet_gateways()
                    .iter()
                    .filter_map(|gateway| {
                        transform::transform_egress_only_gateway(origin, gateway)
                    }),
            );
            page.egress_only_internet_gateways().len()
        }
    );
    optional(&mut gaps, result);
    let result = pages!(
        control,
        scope,
        "transit gateways",
        client.describe_transit_gateways().into_paginator().send(),
        |page| {
            nodes.extend(
                page.transit_gateways()
                    .iter()
                    .filter_map(|gateway| transform::transform_transit_gateway(origin, gateway)),
            );
            page.transit_gateways().len()
        }
    );
    optional(&mut gaps, result);
    let result = pages!(
        control,
        scope,
        "transit gateway attachments",
        client
            .describe_transit_gateway_attachments()
            .into_paginator()
            .send(),
        |page| {
            nodes.extend(
                page.transit_gateway_attachments()
                    .iter()
                    .filter_map(|attachment| {
                        transform::transform_transit_gateway_attachment(origin, attachment)
                    }),
            );
            page.transit_gateway_attachments().len()
        }
    );
    optional(&mut gaps, result);
    // Transit gateway route tables and their routes (static and propagated): the tracer routes
    // through the table an attachment is associated with.
    let mut tgw_route_tables = Vec::new();
    let result = pages!(
        control,
        scope,
        "transit gateway route tables",
        client
            .describe_transit_gateway_route_tables()
            .into_paginator()
            .send(),
        |page| {
            tgw_route_tables.extend(page.transit_gateway_route_tables().iter().cloned());
            page.transit_gateway_route_tables().len()
        }
    );
    optional(&mut gaps, result);
    for table in &tgw_route_tables {
        if control.is_cancelled() {
            return Err(FetchError::Cancelled);
        }
        let Some(table_id) = table.transit_gateway_route_table_id() else {
            continue;
        };
        let answer = client
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(table_id)
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("type")
                    .values("static")
                    .values("propagated")
                    .build(),
            )
            .send()
            .await;
        match answer {
            Ok(answer) => {
                if answer.additional_routes_available() == Some(true) {
                    // A table with more routes than one answer holds: its routes are incomplete,
                    // so it is left out (the tracer then says it lacks the table) and noted.
                    gaps.push(format!(
                        "transit gateway route table {table_id} has more routes than one search returns in {}",
                        scope.region
                    ));
                    continue;
                }
                nodes.extend(transform::transform_transit_gateway_route_table(
                    origin,
                    table,
                    answer.routes(),
                ));
            }
            Err(error) => gaps.push(describe_sdk_error(
                "searching transit gateway routes",
                &scope.region,
                &error,
            )),
        }
    }
    let result = pages!(
        control,
        scope,
        "vpc endpoints",
        client.describe_vpc_endpoints().into_paginator().send(),
        |page| {
            nodes.extend(
                page.vpc_endpoints()
                    .iter()
                    .filter_map(|endpoint| transform::transform_vpc_endpoint(origin, endpoint)),
            );
            page.vpc_endpoints().len()
        }
    );
    optional(&mut gaps, result);
    let result = pages!(
        control,
        scope,
        "flow logs",
        client.describe_flow_logs().into_paginator().send(),
        |page| {
            nodes.extend(
                page.flow_logs()
                    .iter()
                    .filter_map(|flow_log| transform::transform_flow_log(origin, flow_log)),
            );
            page.flow_logs().len()
        }
    );
    optional(&mut gaps, result);
    let mut prefix_lists = Vec::new();
    let result = pages!(
        control,
        scope,
        "managed prefix lists",
        client
            .describe_managed_prefix_lists()
            .into_paginator()
            .send(),
        |page| {
            prefix_lists.extend(page.prefix_lists().iter().cloned());
            page.prefix_lists().len()
        }
    );
    optional(&mut gaps, result);
    for list in &prefix_lists {
        let Some(list_id) = list.prefix_list_id() else {
            continue;
        };
        let mut cidrs = Vec::new();
        let result = pages!(
            control,
            scope,
            "prefix list entries",
            client
                .get_managed_prefix_list_entries()
                .prefix_list_id(list_id)
                .into_paginator()
                .send(),
            |page| {
                cidrs.extend(
                    page.entries()
                        .iter()
                        .filter_map(|entry| entry.cidr().map(str::to_string)),
                );
                page.entries().len()
            }
        );
        optional(&mut gaps, result);
        nodes.extend(transform::transform_prefix_list(origin, list, cidrs));
    }

    // One attribute call per snapshot, a few at a time.
    let mut public_flags: Vec<(usize, Result<bool, String>)> = Vec::new();
    for (chunk_index, chunk) in snapshots.chunks(8).enumerate() {
        let answers = futures::future::join_all(chunk.iter().map(|snapshot| {
            snapshot_is_public(
                client,
                &origin.region,
                snapshot.snapshot_id().unwrap_or_default(),
            )
        }))
        .await;
        public_flags.extend(
            answers
                .into_iter()
                .enumerate()
                .map(|(offset, answer)| (chunk_index * 8 + offset, answer)),
        );
    }
    let mut public_by_index = vec![false; snapshots.len()];
    for (index, public) in public_flags {
        match public {
            Ok(public) => public_by_index[index] = public,
            Err(message) => gaps.push(message),
        }
    }
    nodes.extend(
        snapshots
            .iter()
            .zip(public_by_index)
            .filter_map(|(snapshot, public)| {
                transform::transform_snapshot(origin, snapshot, public)
            }),
    );

    let mut unsupported = Vec::new();
    let ebs_default = match client.get_ebs_encryption_by_default().send().await {
        Ok(output) => output.ebs_encryption_by_default(),
        Err(error) => {
            unsupported.push("GetEbsEncryptionByDefault".to_string());
            gaps.push(describe_sdk_error(
                "reading ebs encryption by default",
                &origin.region,
                &error,
            ));
            None
        }
    };
    nodes.push(transform::transform_region_settings(
        origin,
        ebs_default,
        unsupported,
    ));
    Ok((nodes, gaps))
}

async fn snapshot_is_public(
    client: &Client,
    region: &str,
    snapshot_id: &str,
) -> Result<bool, String> {
    let answer = client
        .describe_snapshot_attribute()
        .snapshot_id(snapshot_id)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .send()
        .await;
    answer
        .map(|output| {
            output
                .create_volume_permissions()
                .iter()
                .any(|permission| permission.group() == Some(&PermissionGroup::All))
        })
        .map_err(|error| {
            describe_sdk_error(
                &format!("reading snapshot attribute {snapshot_id}"),
                region,
                &error,
            )
        })
}

/// Keeps the snapshots `account` owns, when the account is known (a 12-digit id).
fn keep_own_snapshots(snapshots: &mut Vec<aws_sdk_ec2::types::Snapshot>, account: &str) {
    if is_account_id(account) {
        snapshots.retain(|snapshot| snapshot.owner_id() == Some(account));
    }
}

/// A 12-digit AWS account id (the account may be `unknown` when STS could not be asked).
fn is_account_id(account: &str) -> bool {
    account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::Snapshot;

    fn snapshot(id: &str, owner: &str) -> Snapshot {
        Snapshot::builder().snapshot_id(id).owner_id(owner).build()
    }

    #[test]
    fn only_the_scanned_accounts_snapshots_are_kept() {
        let mut snapshots = vec![
            snapshot("snap-own", "111122223333"),
            snapshot("snap-catalogue", "099720109477"),
        ];
        keep_own_snapshots(&mut snapshots, "111122223333");
        let ids: Vec<&str> = snapshots.iter().filter_map(|s| s.snapshot_id()).collect();
        assert_eq!(ids, vec!["snap-own"]);
        // An unknown account filters nothing rather than everything.
        let mut unknown = vec![snapshot("snap-a", "099720109477")];
        keep_own_snapshots(&mut unknown, "unknown");
        assert_eq!(unknown.len(), 1);
    }
}
