//! Pure: analyzers into `aws.accessanalyzer.analyzer` nodes and the region's settings node.

use std::collections::BTreeMap;

use super::super::node_builder::regional_node;
use super::super::service::Origin;
use crate::model::properties::{AccessAnalyzerProperties, AccessAnalyzerRegionSettingsProperties};
use crate::model::{Node, NodeType};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnalyzerFacts {
    pub name: String,
    pub arn: String,
    pub analyzer_type: String,
    pub status: String,
}

pub fn transform_region(origin: &Origin, analyzers: &[AnalyzerFacts]) -> Vec<Node> {
    let mut nodes: Vec<Node> = analyzers
        .iter()
        .map(|analyzer| {
            let properties = AccessAnalyzerProperties {
                name: analyzer.name.clone(),
                arn: analyzer.arn.clone(),
                analyzer_type: analyzer.analyzer_type.clone(),
                status: analyzer.status.clone(),
            };
            regional_node(
                origin,
                NodeType::AccessAnalyzer,
                &analyzer.name,
                &analyzer.name,
                BTreeMap::new(),
                &properties,
            )
        })
        .collect();
    let settings = AccessAnalyzerRegionSettingsProperties {
        analyzer_count: analyzers.len() as u32,
        active_analyzer_count: analyzers
            .iter()
            .filter(|analyzer| analyzer.status == "ACTIVE")
            .count() as u32,
    };
    nodes.push(regional_node(
        origin,
        NodeType::AccessAnalyzerRegionSettings,
        &origin.account,
        "IAM Access Analyzer coverage",
        BTreeMap::new(),
        &settings,
    ));
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_active_analyzers_count_as_enabled() {
        let origin = Origin {
            account: "123456789012".into(),
            region: "us-east-1".into(),
        };
        let analyzers = [
            AnalyzerFacts {
                name: "a".into(),
                status: "ACTIVE".into(),
                ..AnalyzerFacts::default()
            },
            AnalyzerFacts {
                name: "b".into(),
                status: "DISABLED".into(),
                ..AnalyzerFacts::default()
            },
        ];
        let nodes = transform_region(&origin, &analyzers);
        assert_eq!(nodes.len(), 3);
        let settings: AccessAnalyzerRegionSettingsProperties = nodes[2].properties_as().unwrap();
        assert_eq!(
            (settings.analyzer_count, settings.active_analyzer_count),
            (2, 1)
        );
    }
}
