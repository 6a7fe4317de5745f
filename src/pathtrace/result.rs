//! The answer of a trace: a verdict, hop-by-hop evidence both ways, stable reason codes.

use serde::Serialize;
use serde_json::Value;

/// How a trace ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Disposition {
    /// Delivered to the destination resource and the return path is open.
    Accepted,
    /// Left the network (internet gateway, NAT) with the return path open.
    ExitsNetwork,
    DeniedOut,
    DeniedIn,
    NoRoute,
    Blackhole,
    /// We could not decide: data was missing or the path uses a component we do not model.
    InsufficientInfo,
}

impl Disposition {
    pub fn is_reachable(self) -> bool {
        matches!(self, Disposition::Accepted | Disposition::ExitsNetwork)
    }
}

/// What a hop did to the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Allow,
    Deny,
    Forward,
    Skip,
    Unknown,
}

/// One step of the path, with the exact rule or route that decided it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hop {
    pub seq: usize,
    pub node_id: String,
    /// `security_group_egress`, `network_acl_outbound`, `route_table`, `internet_gateway`, …
    pub component: &'static str,
    pub verdict: Verdict,
    pub matched: Option<Value>,
    pub reason_code: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub reason_code: &'static str,
    pub text: String,
}

/// Where a blocked trace stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockedAt {
    pub seq: usize,
    pub component: &'static str,
    pub node_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceResult {
    pub reachable: bool,
    pub disposition: Disposition,
    pub forward_hops: Vec<Hop>,
    pub return_hops: Vec<Hop>,
    pub explanations: Vec<Explanation>,
    pub assumptions: Vec<String>,
    pub blocked_at: Option<BlockedAt>,
}

/// Collects hops while a trace walks, and turns them into a result.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    pub forward: Vec<Hop>,
    pub returning: Vec<Hop>,
    pub assumptions: Vec<String>,
}

impl Recorder {
    pub fn hop(
        &mut self,
        node_id: &str,
        component: &'static str,
        verdict: Verdict,
        matched: Option<Value>,
        reason_code: &'static str,
        text: String,
    ) {
        let seq = self.forward.len() + 1;
        self.forward.push(Hop {
            seq,
            node_id: node_id.to_string(),
            component,
            verdict,
            matched,
            reason_code,
            text,
        });
    }

    pub fn return_hop(
        &mut self,
        node_id: &str,
        component: &'static str,
        verdict: Verdict,
        matched: Option<Value>,
        reason_code: &'static str,
        text: String,
    ) {
        let seq = self.returning.len() + 1;
        self.returning.push(Hop {
            seq,
            node_id: node_id.to_string(),
            component,
            verdict,
            matched,
            reason_code,
            text,
        });
    }

    pub fn assume(&mut self, text: impl Into<String>) {
        self.assumptions.push(text.into());
    }

    /// Ends the trace with `disposition`; the last hop (forward, or return when one was recorded
    /// after it) is where it stopped when not reachable.
    pub fn finish(self, disposition: Disposition) -> TraceResult {
        let reachable = disposition.is_reachable();
        let blocking = if reachable {
            None
        } else if let Some(hop) = self
            .returning
            .iter()
            .rev()
            .find(|hop| hop.verdict != Verdict::Allow && hop.verdict != Verdict::Skip)
        {
            Some(hop.clone())
        } else {
            self.forward.last().cloned()
        };
        let mut explanations: Vec<Explanation> = Vec::new();
        if let Some(hop) = &blocking {
            explanations.push(Explanation {
                reason_code: hop.reason_code,
                text: hop.text.clone(),
            });
        } else if let Some(last) = self.forward.last() {
            explanations.push(Explanation {
                reason_code: last.reason_code,
                text: last.text.clone(),
            });
        }
        TraceResult {
            reachable,
            disposition,
            blocked_at: blocking.map(|hop| BlockedAt {
                seq: hop.seq,
                component: hop.component,
                node_id: hop.node_id,
            }),
            forward_hops: self.forward,
            return_hops: self.returning,
            explanations,
            assumptions: self.assumptions,
        }
    }
}
