//! Pure: recorders (and their status) into `aws.config.recorder` nodes and the region's
//! `aws.config.region_settings`.

use std::collections::BTreeMap;

use super::super::node_builder::regional_node;
use super::super::service::Origin;
use crate::model::properties::{ConfigRecorderProperties, ConfigRegionSettingsProperties};
use crate::model::{Node, NodeType};

/// One recorder joined with its status.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecorderFacts {
    pub name: String,
    pub role_arn: Option<String>,
    pub all_supported: bool,
    pub include_global_resource_types: bool,
    pub recording: bool,
    pub last_status: Option<String>,
}

/// The recorders' nodes followed by the region's settings node.
pub fn transform_region(origin: &Origin, recorders: &[RecorderFacts]) -> Vec<Node> {
    let mut nodes: Vec<Node> = recorders
        .iter()
        .map(|recorder| {
            let properties = ConfigRecorderProperties {
                name: recorder.name.clone(),
                role_arn: recorder.role_arn.clone(),
                all_supported: recorder.all_supported,
                include_global_resource_types: recorder.include_global_resource_types,
                recording: recorder.recording,
                last_status: recorder.last_status.clone(),
            };
            regional_node(
                origin,
                NodeType::ConfigRecorder,
                &recorder.name,
                &recorder.name,
                BTreeMap::new(),
                &properties,
            )
        })
        .collect();
    let settings = ConfigRegionSettingsProperties {
        recorder_count: recorders.len() as u32,
        recording_all_resources_count: recorders
            .iter()
            .filter(|recorder| recorder.recording && recorder.all_supported)
            .count() as u32,
        recording: recorders.iter().any(|recorder| recorder.recording),
    };
    nodes.push(regional_node(
        origin,
        NodeType::ConfigRegionSettings,
        &origin.account,
        "AWS Config coverage",
        BTreeMap::new(),
        &settings,
    ));
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_without_recorders_still_gets_settings_that_say_so() {
        let origin = Origin {
            account: "123456789012".into(),
            region: "eu-west-1".into(),
        };
        let nodes = transform_region(&origin, &[]);
        assert_eq!(nodes.len(), 1);
        let settings: ConfigRegionSettingsProperties = nodes[0].properties_as().unwrap();
        assert_eq!(settings.recorder_count, 0);
        assert!(!settings.recording);

        let stopped = RecorderFacts {
            name: "default".into(),
            all_supported: true,
            ..RecorderFacts::default()
        };
        let nodes = transform_region(&origin, &[stopped]);
        let settings: ConfigRegionSettingsProperties = nodes[1].properties_as().unwrap();
        assert_eq!(
            (
                settings.recorder_count,
                settings.recording_all_resources_count
            ),
            (1, 0)
        );
    }
}
