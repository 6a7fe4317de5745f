//! Pure: CloudTrail answers into `aws.cloudtrail.trail` and `aws.cloudtrail.region_settings`
//! nodes. Event selectors (basic or advanced) are read for two facts: which management events
//! are recorded, and whether object-level reads / writes of every S3 bucket are.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_cloudtrail::types::{AdvancedEventSelector, EventSelector, Trail};

use super::super::node_builder::regional_node;
use super::super::service::Origin;
use crate::model::properties::{CloudTrailRegionSettingsProperties, CloudTrailTrailProperties};
use crate::model::{Node, NodeType};

/// What a trail's selectors record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SelectorFacts {
    pub management_read: bool,
    pub management_write: bool,
    pub s3_object_read: bool,
    pub s3_object_write: bool,
}

impl SelectorFacts {
    pub fn management_events(&self) -> &'static str {
        match (self.management_read, self.management_write) {
            (true, true) => "All",
            (true, false) => "ReadOnly",
            (false, true) => "WriteOnly",
            (false, false) => "None",
        }
    }
}

/// A trail that covers the region (its own or another region's multi-region trail).
#[derive(Debug, Clone, PartialEq)]
pub struct CoveringTrail {
    pub arn: String,
    pub is_multi_region: bool,
    pub is_logging: Option<bool>,
    /// `None` when the selectors could not be read.
    pub selectors: Option<SelectorFacts>,
    /// The CloudWatch Logs group the trail delivers to, when it delivers to one.
    pub cloud_watch_logs_log_group_arn: Option<String>,
}

/// (read, write) for a basic selector's `ReadWriteType` (`All` or absent: both).
fn read_write(kind: Option<&str>) -> (bool, bool) {
    match kind {
        Some("ReadOnly") => (true, false),
        Some("WriteOnly") => (false, true),
        _ => (true, true),
    }
}

/// An S3 data resource value that means every bucket (`arn:aws:s3` or `arn:aws:s3:::`).
fn all_buckets(value: &str) -> bool {
    let partition_free = value.split(':').collect::<Vec<_>>();
    matches!(
        partition_free.as_slice(),
        ["arn", _, "s3"] | ["arn", _, "s3", "", "", ""]
    )
}

pub fn selector_facts(
    basic: &[EventSelector],
    advanced: &[AdvancedEventSelector],
) -> SelectorFacts {
    let mut facts = SelectorFacts::default();
    if basic.is_empty() && advanced.is_empty() {
        // A trail without selectors records all management events (the AWS default).
        facts.management_read = true;
        facts.management_write = true;
        return facts;
    }
    for selector in basic {
        let (read, write) = read_write(selector.read_write_type().map(|kind| kind.as_str()));
        if selector.include_management_events().unwrap_or(true) {
            facts.management_read |= read;
            facts.management_write |= write;
        }
        let every_bucket = selector.data_resources().iter().any(|resource| {
            resource.r#type() == Some("AWS::S3::Object")
                && resource.values().iter().any(|value| all_buckets(value))
        });
        if every_bucket {
            facts.s3_object_read |= read;
            facts.s3_object_write |= write;
        }
    }
    for selector in advanced {
        let fields: HashMap<&str, &[String]> = selector
            .field_selectors()
            .iter()
            .map(|field| (field.field(), field.equals()))
            .collect();
        let equals = |name: &str, value: &str| {
            fields
                .get(name)
                .is_some_and(|values| values.iter().any(|item| item == value))
        };
        let (read, write) = match fields.get("readOnly") {
            Some(values) if values.iter().any(|value| value == "true") => (true, false),
            Some(values) if values.iter().any(|value| value == "false") => (false, true),
            _ => (true, true),
        };
        if equals("eventCategory", "Management") {
            facts.management_read |= read;
            facts.management_write |= write;
        }
        // Every bucket: S3 objects, with no ARN narrowing them to some buckets.
        let narrowed = selector
            .field_selectors()
            .iter()
            .any(|field| field.field() == "resources.ARN");
        if equals("eventCategory", "Data")
            && equals("resources.type", "AWS::S3::Object")
            && !narrowed
        {
            facts.s3_object_read |= read;
            facts.s3_object_write |= write;
        }
    }
    facts
}

pub fn transform_trail(
    origin: &Origin,
    trail: &Trail,
    is_logging: Option<bool>,
    selectors: SelectorFacts,
    s3_bucket_region: Option<String>,
) -> Node {
    let name = trail.name().unwrap_or_default().to_string();
    let properties = CloudTrailTrailProperties {
        name: name.clone(),
        arn: trail.trail_arn().unwrap_or_default().to_string(),
        home_region: trail.home_region().unwrap_or(&origin.region).to_string(),
        is_multi_region: trail.is_multi_region_trail().unwrap_or(false),
        is_organization_trail: trail.is_organization_trail().unwrap_or(false),
        is_logging,
        log_file_validation_enabled: trail.log_file_validation_enabled().unwrap_or(false),
        kms_key_id: trail.kms_key_id().map(str::to_string),
        s3_bucket_name: trail.s3_bucket_name().map(str::to_string),
        s3_bucket_region,
        cloud_watch_logs_log_group_arn: trail.cloud_watch_logs_log_group_arn().map(str::to_string),
        include_global_service_events: trail.include_global_service_events().unwrap_or(false),
        management_events: selectors.management_events().to_string(),
        s3_object_read_events: selectors.s3_object_read,
        s3_object_write_events: selectors.s3_object_write,
    };
    regional_node(
        origin,
        NodeType::CloudTrailTrail,
        &name,
        &name,
        BTreeMap::new(),
        &properties,
    )
}

/// The region's coverage: only logging trails count, and only known selectors.
pub fn transform_region_settings(origin: &Origin, covering: &[CoveringTrail]) -> Node {
    let logging: Vec<&CoveringTrail> = covering
        .iter()
        .filter(|trail| trail.is_logging == Some(true))
        .collect();
    let all_management = |trail: &&&CoveringTrail| {
        trail
            .selectors
            .is_some_and(|facts| facts.management_events() == "All")
    };
    let properties = CloudTrailRegionSettingsProperties {
        trail_count: covering.len() as u32,
        multi_region_logging_trail_count: logging
            .iter()
            .filter(|trail| trail.is_multi_region)
            .filter(all_management)
            .count() as u32,
        s3_object_read_events: logging
            .iter()
            .any(|trail| trail.selectors.is_some_and(|facts| facts.s3_object_read)),
        s3_object_write_events: logging
            .iter()
            .any(|trail| trail.selectors.is_some_and(|facts| facts.s3_object_write)),
        trail_arns: covering.iter().map(|trail| trail.arn.clone()).collect(),
        multi_region_log_group_arns: logging
            .iter()
            .filter(|trail| trail.is_multi_region)
            .filter_map(|trail| trail.cloud_watch_logs_log_group_arn.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    };
    regional_node(
        origin,
        NodeType::CloudTrailRegionSettings,
        &origin.account,
        "CloudTrail coverage",
        BTreeMap::new(),
        &properties,
    )
}

#[cfg(test)]
mod tests {
    use aws_sdk_cloudtrail::types::{AdvancedFieldSelector, DataResource, ReadWriteType};

    use super::*;

    fn field(name: &str, equals: &[&str]) -> AdvancedFieldSelector {
        let mut builder = AdvancedFieldSelector::builder().field(name);
        for value in equals {
            builder = builder.equals(*value);
        }
        builder.build().unwrap()
    }

    #[test]
    fn no_selectors_means_all_management_events_and_no_data_events() {
        let facts = selector_facts(&[], &[]);
        assert_eq!(facts.management_events(), "All");
        assert!(!facts.s3_object_read && !facts.s3_object_write);
    }

    #[test]
    fn basic_selectors_for_every_bucket_record_object_level_events_by_read_write_type() {
        let write_only = EventSelector::builder()
            .read_write_type(ReadWriteType::WriteOnly)
            .include_management_events(true)
            .data_resources(
                DataResource::builder()
                    .r#type("AWS::S3::Object")
                    .values("arn:aws:s3")
                    .build(),
            )
            .build();
        let facts = selector_facts(&[write_only], &[]);
        assert_eq!(facts.management_events(), "WriteOnly");
        assert!(facts.s3_object_write && !facts.s3_object_read);

        let one_bucket = EventSelector::builder()
            .read_write_type(ReadWriteType::All)
            .data_resources(
                DataResource::builder()
                    .r#type("AWS::S3::Object")
                    .values("arn:aws:s3:::just-this-bucket/")
                    .build(),
            )
            .build();
        let facts = selector_facts(&[one_bucket], &[]);
        assert_eq!(facts.management_events(), "All");
        assert!(!facts.s3_object_read && !facts.s3_object_write);
    }

    #[test]
    fn advanced_selectors_record_s3_reads_unless_narrowed_to_some_buckets() {
        let reads = AdvancedEventSelector::builder()
            .field_selectors(field("eventCategory", &["Data"]))
            .field_selectors(field("resources.type", &["AWS::S3::Object"]))
            .field_selectors(field("readOnly", &["true"]))
            .build()
            .unwrap();
        let management = AdvancedEventSelector::builder()
            .field_selectors(field("eventCategory", &["Management"]))
            .build()
            .unwrap();
        let facts = selector_facts(&[], &[reads, management]);
        assert!(facts.s3_object_read && !facts.s3_object_write);
        assert_eq!(facts.management_events(), "All");

        let narrowed = AdvancedEventSelector::builder()
            .field_selectors(field("eventCategory", &["Data"]))
            .field_selectors(field("resources.type", &["AWS::S3::Object"]))
            .field_selectors(
                AdvancedFieldSelector::builder()
                    .field("resources.ARN")
                    .starts_with("arn:aws:s3:::one/")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let facts = selector_facts(&[], &[narrowed]);
        assert!(!facts.s3_object_read && !facts.s3_object_write);
        assert_eq!(facts.management_events(), "None");
    }

    #[test]
    fn region_coverage_counts_only_logging_multi_region_trails_with_all_management_events() {
        let origin = Origin {
            account: "123456789012".into(),
            region: "eu-west-1".into(),
        };
        let all = SelectorFacts {
            management_read: true,
            management_write: true,
            s3_object_read: false,
            s3_object_write: true,
        };
        let covering = [
            CoveringTrail {
                arn: "arn:aws:cloudtrail:us-east-1:1:trail/org".into(),
                is_multi_region: true,
                is_logging: Some(true),
                selectors: Some(all),
                cloud_watch_logs_log_group_arn: Some(
                    "arn:aws:logs:us-east-1:1:log-group:cloudtrail/org:*".into(),
                ),
            },
            CoveringTrail {
                arn: "arn:aws:cloudtrail:eu-west-1:1:trail/stopped".into(),
                is_multi_region: true,
                is_logging: Some(false),
                selectors: Some(SelectorFacts {
                    s3_object_read: true,
                    ..all
                }),
                cloud_watch_logs_log_group_arn: Some(
                    "arn:aws:logs:eu-west-1:1:log-group:stopped:*".into(),
                ),
            },
        ];
        let node = transform_region_settings(&origin, &covering);
        assert_eq!(
            node.id.as_str(),
            "aws:eu-west-1:aws.cloudtrail.region_settings:123456789012"
        );
        let settings: CloudTrailRegionSettingsProperties = node.properties_as().unwrap();
        assert_eq!(settings.trail_count, 2);
        assert_eq!(settings.multi_region_logging_trail_count, 1);
        assert!(settings.s3_object_write_events);
        assert!(
            !settings.s3_object_read_events,
            "the stopped trail's reads do not count"
        );
        assert_eq!(
            settings.multi_region_log_group_arns,
            vec!["arn:aws:logs:us-east-1:1:log-group:cloudtrail/org:*"],
            "the logging multi-region trail's group, read from another region; not the stopped one's"
        );
    }
}
