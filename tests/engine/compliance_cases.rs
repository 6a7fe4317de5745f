//! Compliance scoring against hand-computed numbers, and framework loading.

use std::collections::HashSet;

use infracast::compliance::{self, Control, ControlStatus, Framework};
use infracast::model::{NodeId, NodeType, Severity};
use infracast::rules::{Evaluation, RuleResult, RuleSet, RuleStatus};

fn result(rule: &str, node: &str, status: RuleStatus) -> RuleResult {
    RuleResult {
        rule_id: rule.into(),
        rule_version: 1,
        node_id: NodeId::aws("us-east-1", NodeType::SecurityGroup, node),
        severity: Severity::High,
        status,
        reason: format!("{node} {rule}").into(),
    }
}

fn control(id: &str, rules: &[&str]) -> Control {
    Control {
        id: id.into(),
        section: String::new(),
        title: id.into(),
        description: String::new(),
        rules: rules.iter().map(|rule| rule.to_string()).collect(),
    }
}

#[test]
fn statuses_scores_and_formulas_match_hand_computed_numbers() {
    // Rule a: sg-1 fails, sg-2 passes, sg-3 fails but is accepted, sg-4 passes.
    // Rule b: sg-1 passes, sg-2 passes. Rule c: errors on sg-5. Rule d: no resources.
    let evaluation = Evaluation {
        results: vec![
            result("a", "sg-1", RuleStatus::Fail),
            result("a", "sg-2", RuleStatus::Pass),
            result("a", "sg-3", RuleStatus::Fail),
            result("a", "sg-4", RuleStatus::Pass),
            result("b", "sg-1", RuleStatus::Pass),
            result("b", "sg-2", RuleStatus::Pass),
            result("c", "sg-5", RuleStatus::Error),
        ],
        ..Evaluation::default()
    };
    let accepted: HashSet<(String, NodeId)> = [(
        "a".to_string(),
        NodeId::aws("us-east-1", NodeType::SecurityGroup, "sg-3"),
    )]
    .into_iter()
    .collect();
    let framework = Framework {
        id: "test".into(),
        name: "Test".into(),
        revision: "1".into(),
        description: String::new(),
        controls: vec![
            control("C1", &["a", "b"]),
            control("C2", &["b"]),
            control("C3", &["c"]),
            control("C4", &["d"]),
            control("C5", &[]),
        ],
    };
    let score = compliance::score(&framework, &evaluation, &accepted);
    let by_id = |id: &str| {
        score
            .controls
            .iter()
            .find(|control| control.id == id)
            .unwrap()
    };

    // C1: resources sg-1 (fails a), sg-2 (passes), sg-3 (accepted), sg-4 (passes): 2 of 4 pass.
    let c1 = by_id("C1");
    assert_eq!(c1.status, ControlStatus::Fail);
    assert_eq!(
        (
            c1.resources_evaluated,
            c1.resources_passing,
            c1.resources_failing,
            c1.resources_accepted
        ),
        (4, 2, 1, 1)
    );
    assert_eq!(c1.score, Some(0.5));
    assert_eq!((c1.rules_failing, c1.rules_passing), (1, 1));
    assert_eq!(c1.failing_resources.len(), 1);
    assert_eq!(c1.failing_resources[0].rule_id, "a");
    // C2: sg-1 and sg-2 pass rule b.
    let c2 = by_id("C2");
    assert_eq!((c2.status, c2.score), (ControlStatus::Pass, Some(1.0)));
    // C3: only an error: no evidence is never a pass.
    assert_eq!(by_id("C3").status, ControlStatus::Fail);
    assert_eq!(by_id("C3").rules_errored, 1);
    assert_eq!(by_id("C4").status, ControlStatus::NotApplicable);
    assert_eq!(by_id("C4").score, None);
    assert_eq!(by_id("C5").status, ControlStatus::Manual);
    // Framework: PASS = {C2}, FAIL = {C1, C3}: 100 × 1 / 3.
    assert_eq!(
        (
            score.controls_passing,
            score.controls_failing,
            score.controls_manual,
            score.controls_not_applicable
        ),
        (1, 2, 1, 1)
    );
    assert!((score.score.unwrap() - 100.0 / 3.0).abs() < 1e-9);
    assert!(score.formula.contains("1 / 3"), "{}", score.formula);
}

#[test]
fn shipped_frameworks_load_and_unknown_rules_are_refused() {
    let rules = RuleSet::builtin().unwrap();
    let frameworks = compliance::builtin(&rules).unwrap();
    let ids: Vec<&str> = frameworks
        .iter()
        .map(|framework| framework.id.as_str())
        .collect();
    assert_eq!(
        ids,
        vec!["cis-aws-foundations", "nist-800-53", "pci-dss", "soc2"]
    );
    let cis = &frameworks[0];
    for control in ["5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "2.2.1", "3.7"] {
        assert!(
            cis.controls.iter().any(|candidate| candidate.id == control),
            "CIS {control} missing"
        );
    }
    let bad = "id = \"x\"\nname = \"X\"\nrevision = \"1\"\n[[control]]\nid = \"C\"\ntitle = \"t\"\nrules = [\"aws.nope\"]\n";
    let error = compliance::load(
        [("frameworks/x-1.toml".to_string(), bad.to_string())],
        &rules,
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("aws.nope") && error.path.contains("x-1"),
        "{error}"
    );
}

#[test]
fn the_cis_framework_lists_every_recommendation_of_the_benchmark() {
    // CIS Amazon Web Services Foundations Benchmark 3.0.0: 22 IAM, 9 storage, 9 logging, 16
    // monitoring and 6 networking recommendations, written out from the benchmark's contents.
    let mut expected: Vec<String> = (1..=22).map(|n| format!("1.{n}")).collect();
    expected.extend(
        [
            "2.1.1", "2.1.2", "2.1.3", "2.1.4", "2.2.1", "2.3.1", "2.3.2", "2.3.3", "2.4.1",
        ]
        .map(String::from),
    );
    expected.extend((1..=9).map(|n| format!("3.{n}")));
    expected.extend((1..=16).map(|n| format!("4.{n}")));
    expected.extend((1..=6).map(|n| format!("5.{n}")));
    assert_eq!(expected.len(), 62);
    let rules = RuleSet::builtin().unwrap();
    let frameworks = compliance::builtin(&rules).unwrap();
    let cis = frameworks
        .iter()
        .find(|framework| framework.id == "cis-aws-foundations")
        .expect("the CIS framework ships");
    let listed: Vec<String> = cis
        .controls
        .iter()
        .map(|control| control.id.clone())
        .collect();
    assert_eq!(listed, expected);
    for control in &cis.controls {
        assert!(!control.title.is_empty(), "{}", control.id);
        if control.rules.is_empty() {
            assert!(
                !control.description.trim().is_empty(),
                "manual control {} says what to check by hand",
                control.id
            );
        }
    }
    let manual: Vec<&str> = cis
        .controls
        .iter()
        .filter(|control| control.rules.is_empty())
        .map(|control| control.id.as_str())
        .collect();
    // Only what no API answers is left to a person.
    assert_eq!(manual, ["1.1", "1.2", "1.3", "1.21", "2.1.3"]);
}

/// Rules' `exposed_to_internet` as the snapshot answers it: the path tracer's report.
struct TracedExposure(infracast::pathtrace::ExposureReport);

impl infracast::rules::InternetExposure for TracedExposure {
    fn is_exposed(
        &self,
        node_id: &infracast::model::NodeId,
        port: u16,
        protocol: &str,
    ) -> infracast::rules::ExposureAnswer {
        let Ok(protocol) = infracast::pathtrace::Protocol::parse(protocol) else {
            return infracast::rules::ExposureAnswer::Unknown;
        };
        match self.0.exposed_on(node_id, Some(port), protocol) {
            Some(_) => infracast::rules::ExposureAnswer::Exposed {
                proof: serde_json::Value::Null,
            },
            None => infracast::rules::ExposureAnswer::NotExposed,
        }
    }
}

#[test]
fn the_demo_tenants_cis_iam_logging_and_monitoring_controls_pass_and_fail_as_stated() {
    use infracast::compliance::ControlStatus::{Fail, NotApplicable, Pass};
    let estate = infracast::discovery::sample::sample_estate();
    let graph = infracast::graph::TenantGraph::build(estate.nodes, estate.edges);
    let exposure = infracast::pathtrace::analyse_internet_exposure(&graph);
    let catalog = infracast::compliance::Catalog::builtin().unwrap();
    let evaluation = infracast::rules::evaluate(
        &catalog.rules,
        &graph,
        std::sync::Arc::new(TracedExposure(exposure)),
    );
    let cis = catalog
        .frameworks
        .iter()
        .find(|framework| framework.id == "cis-aws-foundations")
        .unwrap();
    let score = infracast::compliance::score_unaccepted(cis, &evaluation);
    let status = |id: &str| {
        score
            .controls
            .iter()
            .find(|control| control.id == id)
            .map(|control| control.status)
            .unwrap_or_else(|| panic!("no control {id}"))
    };
    // Each expectation follows from the module's list of misconfigurations (18, 19, 14).
    let expected = [
        ("1.4", Pass),           // no root access keys
        ("1.5", Pass),           // root MFA
        ("1.6", Fail),           // not a hardware device
        ("1.7", Pass),           // root last used 120 days ago
        ("1.8", Fail),           // 8-character minimum
        ("1.9", Pass),           // 24 passwords remembered
        ("1.10", Fail),          // legacy-admin: console without MFA
        ("1.11", Pass),          // every active key has been used
        ("1.12", Fail),          // legacy-admin's key unused for 200 days
        ("1.13", Pass),          // one key each
        ("1.14", Fail),          // a 400-day-old key
        ("1.15", Fail),          // a policy attached to legacy-admin directly
        ("1.16", Fail),          // full-admin attached to admins
        ("1.17", Pass),          // the support role holds AWSSupportAccess
        ("1.18", Fail),          // only the prod-web instances have a profile
        ("1.19", NotApplicable), // no server certificate
        ("3.1", Pass),           // org-trail: multi-region, logging
        ("3.2", Fail),           // app-trail without validation
        ("3.5", Fail),           // app-trail without KMS
        ("3.6", Fail),           // the legacy key does not rotate
        ("3.7", Fail),           // the shared VPC has no flow logs
        ("4.1", Pass),
        ("4.2", Fail), // its alarm's topic has no confirmed subscriber
        ("4.3", Pass),
        ("4.4", Pass),
        ("4.5", Pass),
        ("4.6", Fail), // a filter without an alarm
        ("4.7", Fail), // nothing
        ("4.10", Pass),
        ("4.16", Fail), // Security Hub off
    ];
    let actual: Vec<_> = expected.iter().map(|(id, _)| (*id, status(id))).collect();
    assert_eq!(actual, expected);
}
