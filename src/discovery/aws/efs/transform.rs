//! Pure: an EFS file system description into an `aws.efs.file_system` node.

use aws_sdk_efs::types::FileSystemDescription;

use super::super::node_builder::regional_node;
use super::super::service::Origin;
use crate::model::properties::EfsFileSystemProperties;
use crate::model::{Node, NodeType};

pub fn transform_file_system(origin: &Origin, file_system: &FileSystemDescription) -> Node {
    let id = file_system.file_system_id();
    let properties = EfsFileSystemProperties {
        file_system_id: id.to_string(),
        arn: file_system.file_system_arn().map(str::to_string),
        encrypted: file_system.encrypted().unwrap_or(false),
        kms_key_id: file_system.kms_key_id().map(str::to_string),
        life_cycle_state: file_system.life_cycle_state().as_str().to_string(),
    };
    let tags = file_system
        .tags()
        .iter()
        .map(|tag| (tag.key().to_string(), tag.value().to_string()))
        .collect();
    let name = file_system.name().unwrap_or(id);
    regional_node(origin, NodeType::EfsFileSystem, id, name, tags, &properties)
}

#[cfg(test)]
mod tests {
    use aws_sdk_efs::types::{FileSystemSize, LifeCycleState, PerformanceMode, Tag};

    use super::*;

    #[test]
    fn an_unencrypted_file_system_reads_as_unencrypted_with_its_name_tag() {
        let description = FileSystemDescription::builder()
            .owner_id("123456789012")
            .creation_token("t")
            .file_system_id("fs-1")
            .creation_time(aws_sdk_efs::primitives::DateTime::from_secs(0))
            .life_cycle_state(LifeCycleState::Available)
            .number_of_mount_targets(0)
            .size_in_bytes(FileSystemSize::builder().value(0).build())
            .performance_mode(PerformanceMode::GeneralPurpose)
            .encrypted(false)
            .tags(Tag::builder().key("Name").value("shared").build().unwrap())
            .build()
            .unwrap();
        let node = transform_file_system(
            &Origin {
                account: "123456789012".into(),
                region: "us-east-1".into(),
            },
            &description,
        );
        assert_eq!(node.name, "shared");
        let properties: EfsFileSystemProperties = node.properties_as().unwrap();
        assert!(!properties.encrypted);
        assert_eq!(properties.life_cycle_state, "available");
    }
}
