//! Findings as the rest of the crate sees them: the closed vocabularies of their lifecycle
//! (status, acceptance kind), the finding itself, and the evidence it carries.
//!
//! The evidence is written by the evaluation job and read back by reports and the API; it is
//! stored as JSON, so its shape is a contract with every row already stored: every field is
//! optional (the column's default is `{}`) and fields are only ever added. Plain data: no IO,
//! nothing from the rest of the crate.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{Severity, UnknownName};

/// Where a finding is in its lifecycle: `open → accepted → resolved → open (reopened)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    Open,
    Accepted,
    Resolved,
}

impl FindingStatus {
    pub const ALL: [FindingStatus; 3] = [
        FindingStatus::Open,
        FindingStatus::Accepted,
        FindingStatus::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Open => "open",
            FindingStatus::Accepted => "accepted",
            FindingStatus::Resolved => "resolved",
        }
    }

    /// Parses the stored (lower-case) name.
    pub fn parse(value: &str) -> Result<Self, UnknownName> {
        FindingStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
            .ok_or_else(|| UnknownName {
                what: "finding status",
                value: value.to_string(),
                expected: "open, accepted, resolved".to_string(),
            })
    }
}

impl fmt::Display for FindingStatus {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// How a finding is accepted.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AcceptanceKind {
    /// The risk is known and accepted (the default).
    #[default]
    RiskAccepted,
    /// The rule is wrong about this resource.
    FalsePositive,
}

impl AcceptanceKind {
    pub const ALL: [AcceptanceKind; 2] =
        [AcceptanceKind::RiskAccepted, AcceptanceKind::FalsePositive];

    pub fn as_str(self) -> &'static str {
        match self {
            AcceptanceKind::RiskAccepted => "risk_accepted",
            AcceptanceKind::FalsePositive => "false_positive",
        }
    }

    pub fn parse(value: &str) -> Result<Self, UnknownName> {
        AcceptanceKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
            .ok_or_else(|| UnknownName {
                what: "acceptance kind",
                value: value.to_string(),
                expected: "risk_accepted, false_positive".to_string(),
            })
    }
}

impl fmt::Display for AcceptanceKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Who accepted a finding, why and until when. It stays on the finding after the acceptance
/// ends (expiry, resolution), so only a finding whose status is `accepted` is excepted by it.
#[derive(Debug, Clone, PartialEq)]
pub struct Acceptance {
    pub kind: AcceptanceKind,
    pub reason: Option<String>,
    pub accepted_by: Option<String>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A finding: one rule failing on one resource, identified by `(tenant, rule_id, node_id)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub id: Uuid,
    pub rule_id: String,
    pub node_id: String,
    pub node_type: String,
    pub region: String,
    pub severity: Severity,
    pub categories: Vec<String>,
    pub status: FindingStatus,
    pub acceptance: Option<Acceptance>,
    pub resolution_reason: Option<String>,
    pub rule_version: i32,
    /// A sentence naming the resource and the offending rule or route.
    pub reason: String,
    pub evidence: FindingEvidence,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub reopen_count: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Finding {
    /// The acceptance in force: the finding's acceptance while its status is `accepted`.
    pub fn current_acceptance(&self) -> Option<&Acceptance> {
        self.acceptance
            .as_ref()
            .filter(|_| self.status == FindingStatus::Accepted)
    }
}

/// What a finding's rule saw: the rule version and condition, the resource, and for network
/// findings the path proof; for a security group, which of its members are really exposed.
///
/// The evaluation job always writes the first three; they are optional only because a row may
/// hold the column's default `{}` (written by hand or by a test), which must read back as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FindingEvidence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_version: Option<i64>,
    /// The rule's CEL condition (true = violation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<EvidenceResource>,
    /// The resource is reachable from the internet: on which ports, and the path that proves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_proof: Option<PathProof>,
    /// Security groups of internet-exposure rules: how many network interfaces are members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<usize>,
    /// Security groups of internet-exposure rules: the members reachable from the internet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_members: Option<Vec<String>>,
    /// Security groups of internet-exposure rules: whether the misconfiguration is really
    /// reachable, as a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure: Option<String>,
}

impl FindingEvidence {
    /// The sentence for a security group none of whose members is reachable.
    pub const NOT_REACHABLE: &'static str =
        "misconfigured, but no member is reachable from the internet";
    /// The sentence for a security group with at least one member reachable.
    pub const REACHABLE: &'static str = "members are reachable from the internet (path proven)";
}

/// The resource a finding is about, as it was named when the finding was last seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvidenceResource {
    pub id: String,
    pub name: String,
}

/// The tracer's proof that a resource is reachable from the internet, as it was recorded.
///
/// Kept as its own record rather than the tracer's types: a stored proof must keep reading the
/// same after the tracer's vocabulary grows, so the names are stored as the strings it sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PathProof {
    /// The port ranges open to the internet.
    pub open: Vec<ProofPorts>,
    /// The hops from the internet to the resource.
    pub hops: Vec<ProofHop>,
}

/// An open port range on one protocol (`from_port`/`to_port` null: every port).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProofPorts {
    /// `tcp`, `udp`, `icmp` or `all`.
    pub protocol: String,
    pub from_port: Option<u16>,
    pub to_port: Option<u16>,
    /// `ipv4` or `ipv6`.
    pub address_family: String,
}

/// One hop of a path proof, with the exact rule or route that decided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProofHop {
    pub seq: usize,
    pub node_id: String,
    /// `security_group_ingress`, `network_acl_inbound`, `route_table`, `internet_gateway`, …
    pub component: String,
    /// `ALLOW`, `DENY`, `FORWARD`, `SKIP` or `UNKNOWN`.
    pub verdict: String,
    /// The security-group rule, NACL entry or route that decided the hop.
    pub matched: Option<Value>,
    pub reason_code: String,
    pub text: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Evidence exactly as the evaluation job has stored it since findings exist: a security group
    /// with a member reachable from the internet, with its proof.
    fn stored_security_group_evidence() -> Value {
        json!({
            "rule_version": 2,
            "condition": "ingress.exists(rule, rule.from_port <= 22 && 22 <= rule.to_port)",
            "resource": {"id": "aws:us-east-1:aws.ec2.security_group:sg-1", "name": "web"},
            "path_proof": {
                "open": [{"protocol": "tcp", "from_port": 22, "to_port": 22, "address_family": "ipv4"},
                         {"protocol": "all", "from_port": null, "to_port": null, "address_family": "ipv6"}],
                "hops": [
                    {"seq": 1, "node_id": "aws:us-east-1:aws.ec2.internet_gateway:igw-1",
                     "component": "internet_gateway", "verdict": "FORWARD", "matched": null,
                     "reason_code": "IGW_ATTACHED", "text": "igw-1 is attached"},
                    {"seq": 2, "node_id": "aws:us-east-1:aws.ec2.route_table:rtb-1",
                     "component": "route_table", "verdict": "ALLOW",
                     "matched": {"destination": "0.0.0.0/0", "prefix_length": 0, "target": "igw-1"},
                     "reason_code": "ROUTE_MATCHED", "text": "0.0.0.0/0 via igw-1"}
                ]
            },
            "members": 2,
            "exposed_members": ["aws:us-east-1:aws.ec2.network_interface:eni-1"],
            "exposure": "members are reachable from the internet (path proven)"
        })
    }

    #[test]
    fn stored_evidence_reads_back_typed_and_writes_the_same_json() {
        let stored = stored_security_group_evidence();
        let evidence: FindingEvidence = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(evidence.rule_version, Some(2));
        assert_eq!(evidence.resource.as_ref().unwrap().name, "web");
        assert_eq!(evidence.members, Some(2));
        assert_eq!(
            evidence.exposure.as_deref(),
            Some(FindingEvidence::REACHABLE)
        );
        let proof = evidence.path_proof.as_ref().unwrap();
        assert_eq!(proof.open[1].from_port, None);
        assert_eq!(proof.hops[1].reason_code, "ROUTE_MATCHED");
        assert_eq!(proof.hops[1].matched.as_ref().unwrap()["target"], "igw-1");
        assert_eq!(serde_json::to_value(&evidence).unwrap(), stored);
    }

    #[test]
    fn evidence_without_proof_or_members_keeps_its_three_keys() {
        let stored = json!({
            "rule_version": 1,
            "condition": "!encrypted",
            "resource": {"id": "aws:us-east-1:aws.ec2.volume:vol-1", "name": ""}
        });
        let evidence: FindingEvidence = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(evidence.path_proof, None);
        assert_eq!(evidence.exposed_members, None);
        assert_eq!(serde_json::to_value(&evidence).unwrap(), stored);
    }

    #[test]
    fn the_column_default_reads_as_empty_evidence_and_writes_back_unchanged() {
        let evidence: FindingEvidence = serde_json::from_value(json!({})).unwrap();
        assert_eq!(evidence, FindingEvidence::default());
        assert_eq!(serde_json::to_value(&evidence).unwrap(), json!({}));
    }

    #[test]
    fn evidence_of_the_wrong_shape_is_refused() {
        for stored in [
            json!("not an object"),
            json!({"exposed_members": 3}),
            json!({"path_proof": {"open": []}}),
        ] {
            assert!(
                serde_json::from_value::<FindingEvidence>(stored.clone()).is_err(),
                "{stored}"
            );
        }
    }

    #[test]
    fn statuses_and_kinds_parse_their_stored_names_only() {
        for status in FindingStatus::ALL {
            assert_eq!(FindingStatus::parse(status.as_str()), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert!(FindingStatus::parse("reopened").is_err());
        assert!(FindingStatus::parse("OPEN").is_err());
        assert_eq!(
            AcceptanceKind::parse("false_positive"),
            Ok(AcceptanceKind::FalsePositive)
        );
        assert_eq!(
            serde_json::to_value(AcceptanceKind::RiskAccepted).unwrap(),
            "risk_accepted"
        );
        assert!(AcceptanceKind::parse("ignored").is_err());
    }
}
