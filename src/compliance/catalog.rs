//! The catalog: the rule pack and the frameworks scored against it, parsed and validated together
//! once per process and shared (cheap `Arc` clones) by the API, the workers and the OpenAPI
//! document. Pure: the shipped files are embedded in the binary, so loading them does no IO.
//!
//! A broken rule or framework file is an error naming the file (and the rule): the process
//! refuses to start with it instead of serving with an empty or partial pack.

use std::sync::{Arc, OnceLock};

use super::{Framework, LoadError};
use crate::rules::{self, RuleSet};

/// The rule pack and the frameworks checked against it.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub rules: Arc<RuleSet>,
    pub frameworks: Arc<Vec<Framework>>,
}

/// Why the catalog does not load: the file, the rule when there is one, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("rule pack: {0}")]
    Rules(#[from] rules::LoadError),
    #[error("frameworks: {0}")]
    Frameworks(#[from] LoadError),
}

impl Catalog {
    /// Parses rule files and framework files given as (path, text); every control must name rules
    /// of this pack.
    pub fn from_sources(
        rule_files: impl IntoIterator<Item = (String, String)>,
        framework_files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Catalog, CatalogError> {
        let rules = RuleSet::from_sources(rule_files)?;
        let frameworks = super::load(framework_files, &rules)?;
        Ok(Catalog {
            rules: Arc::new(rules),
            frameworks: Arc::new(frameworks),
        })
    }

    /// The pack and frameworks shipped in the binary, parsed on the first call and shared by every
    /// later one (startup calls it first, so a broken file stops the process there).
    pub fn builtin() -> Result<Catalog, CatalogError> {
        static BUILTIN: OnceLock<Result<Catalog, CatalogError>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                let rules = RuleSet::builtin()?;
                let frameworks = super::builtin(&rules)?;
                Ok(Catalog {
                    rules: Arc::new(rules),
                    frameworks: Arc::new(frameworks),
                })
            })
            .clone()
    }

    /// The ids of the frameworks, in their sorted order.
    pub fn framework_ids(&self) -> Vec<String> {
        self.frameworks
            .iter()
            .map(|framework| framework.id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_file(id: &str, condition: &str) -> String {
        format!(
            "[[rule]]\nid = \"{id}\"\nversion = 1\ntitle = \"t\"\nseverity = \"high\"\n\
             resource = \"aws.ec2.instance\"\ncondition = '{condition}'\ndescription = \"d\"\n\
             reason = \"r\"\nremediation = {{ text = \"fix it\" }}\n"
        )
    }

    #[test]
    fn the_shipped_catalog_loads_once_and_is_shared() {
        let first = Catalog::builtin().expect("the shipped catalog loads");
        let second = Catalog::builtin().expect("the shipped catalog loads");
        assert!(!first.rules.rules().is_empty());
        assert!(!first.frameworks.is_empty());
        assert!(Arc::ptr_eq(&first.rules, &second.rules));
        assert!(Arc::ptr_eq(&first.frameworks, &second.frameworks));
    }

    #[test]
    fn a_bad_rule_names_its_file_and_rule() {
        let good = rule_file("aws.ec2.good", "true");
        let bad = rule_file("aws.ec2.broken", "properties.state ==");
        let catalog =
            Catalog::from_sources([("rules/aws/good.toml".to_string(), good.clone())], [])
                .expect("a valid rule file loads");
        assert_eq!(catalog.rules.rules().len(), 1);
        let error = Catalog::from_sources(
            [
                ("rules/aws/good.toml".to_string(), good),
                ("rules/aws/broken.toml".to_string(), bad),
            ],
            [],
        )
        .expect_err("a condition that does not compile stops the load");
        let message = error.to_string();
        assert!(message.contains("rules/aws/broken.toml"), "{message}");
        assert!(message.contains("aws.ec2.broken"), "{message}");
        assert!(message.contains("does not compile"), "{message}");
    }

    #[test]
    fn a_framework_naming_an_unknown_rule_names_its_file() {
        let framework = "id = \"demo\"\nname = \"Demo\"\nrevision = \"1\"\n\n[[control]]\n\
                         id = \"1.1\"\ntitle = \"t\"\nrules = [\"aws.ec2.missing\"]\n";
        let error = Catalog::from_sources(
            [(
                "rules/aws/good.toml".to_string(),
                rule_file("aws.ec2.good", "true"),
            )],
            [("frameworks/demo-1.toml".to_string(), framework.to_string())],
        )
        .expect_err("an unknown rule id stops the load");
        let message = error.to_string();
        assert!(message.contains("frameworks/demo-1.toml"), "{message}");
        assert!(message.contains("aws.ec2.missing"), "{message}");
    }
}
