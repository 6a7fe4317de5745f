//! The answer of a trace: a verdict, hop-by-hop evidence both ways, stable reason codes.

use serde::Serialize;
use serde_json::Value;

/// How a trace ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Allow,
    Deny,
    Forward,
    Skip,
    Unknown,
}

/// The part of the network a hop passed through (`security_group_egress`, `route_table`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HopComponent {
    Source,
    Destination,
    SecurityGroupEgress,
    SecurityGroupIngress,
    NetworkAcl,
    NetworkAclInbound,
    NetworkAclOutbound,
    NetworkAclInboundReturn,
    NetworkAclOutboundReturn,
    RouteTable,
    RouteTableReturn,
    RouteTarget,
    InternetGateway,
    NatGateway,
    VpcPeeringConnection,
    TransitGateway,
    /// An AWS-managed endpoint's own access control (an EKS API endpoint, a Lambda function URL,
    /// an RDS instance's public accessibility).
    ManagedEndpoint,
    /// A load balancer's front end (its scheme: internet-facing or internal).
    LoadBalancer,
    /// A load balancer's listener on the traced port.
    LoadBalancerListener,
    /// The target group (or classic listener) that hands the flow to a target.
    TargetGroup,
}

impl HopComponent {
    /// The name sent in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            HopComponent::Source => "source",
            HopComponent::Destination => "destination",
            HopComponent::SecurityGroupEgress => "security_group_egress",
            HopComponent::SecurityGroupIngress => "security_group_ingress",
            HopComponent::NetworkAcl => "network_acl",
            HopComponent::NetworkAclInbound => "network_acl_inbound",
            HopComponent::NetworkAclOutbound => "network_acl_outbound",
            HopComponent::NetworkAclInboundReturn => "network_acl_inbound_return",
            HopComponent::NetworkAclOutboundReturn => "network_acl_outbound_return",
            HopComponent::RouteTable => "route_table",
            HopComponent::RouteTableReturn => "route_table_return",
            HopComponent::RouteTarget => "route_target",
            HopComponent::InternetGateway => "internet_gateway",
            HopComponent::NatGateway => "nat_gateway",
            HopComponent::VpcPeeringConnection => "vpc_peering_connection",
            HopComponent::TransitGateway => "transit_gateway",
            HopComponent::ManagedEndpoint => "managed_endpoint",
            HopComponent::LoadBalancer => "load_balancer",
            HopComponent::LoadBalancerListener => "load_balancer_listener",
            HopComponent::TargetGroup => "target_group",
        }
    }
}

impl std::fmt::Display for HopComponent {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Lets callers compare with the JSON name (`hop.component == "route_table"`).
impl PartialEq<&str> for HopComponent {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A stable reason code saying why a hop decided as it did (`SG_NO_MATCHING_EGRESS_RULE`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReasonCode {
    MissingData,
    SgAllowsEgress,
    SgAllowsIngress,
    SgNoMatchingEgressRule,
    SgNoMatchingIngressRule,
    NaclAllowRule,
    NaclDenyRule,
    NaclImplicitDeny,
    NaclReturnPathDenied,
    NaclSkippedSameSubnet,
    RouteMatched,
    RouteBlackhole,
    NoRouteToDestination,
    IgwForwards,
    IgwNotAttached,
    NoPublicIp,
    NatTranslates,
    NatNotAvailable,
    PeeringForwards,
    PeeringNotActive,
    PeeringNoRouteBack,
    TgwForwards,
    /// Managed endpoints (`managed.rs`).
    PubliclyAccessible,
    NotPubliclyAccessible,
    EndpointPublicAccess,
    EndpointPrivateOnly,
    EndpointCidrNotAllowed,
    EndpointPortClosed,
    FunctionUrlPublic,
    FunctionUrlRequiresIam,
    NoFunctionUrl,
    LbInternetFacing,
    LbInternal,
    ListenerForwards,
    NoListenerOnPort,
    TargetGroupForwards,
    NoLoadBalancerToTarget,
    LbInvokesFunction,
}

impl ReasonCode {
    /// The name sent in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::MissingData => "MISSING_DATA",
            ReasonCode::SgAllowsEgress => "SG_ALLOWS_EGRESS",
            ReasonCode::SgAllowsIngress => "SG_ALLOWS_INGRESS",
            ReasonCode::SgNoMatchingEgressRule => "SG_NO_MATCHING_EGRESS_RULE",
            ReasonCode::SgNoMatchingIngressRule => "SG_NO_MATCHING_INGRESS_RULE",
            ReasonCode::NaclAllowRule => "NACL_ALLOW_RULE",
            ReasonCode::NaclDenyRule => "NACL_DENY_RULE",
            ReasonCode::NaclImplicitDeny => "NACL_IMPLICIT_DENY",
            ReasonCode::NaclReturnPathDenied => "NACL_RETURN_PATH_DENIED",
            ReasonCode::NaclSkippedSameSubnet => "NACL_SKIPPED_SAME_SUBNET",
            ReasonCode::RouteMatched => "ROUTE_MATCHED",
            ReasonCode::RouteBlackhole => "ROUTE_BLACKHOLE",
            ReasonCode::NoRouteToDestination => "NO_ROUTE_TO_DESTINATION",
            ReasonCode::IgwForwards => "IGW_FORWARDS",
            ReasonCode::IgwNotAttached => "IGW_NOT_ATTACHED",
            ReasonCode::NoPublicIp => "NO_PUBLIC_IP",
            ReasonCode::NatTranslates => "NAT_TRANSLATES",
            ReasonCode::NatNotAvailable => "NAT_NOT_AVAILABLE",
            ReasonCode::PeeringForwards => "PEERING_FORWARDS",
            ReasonCode::PeeringNotActive => "PEERING_NOT_ACTIVE",
            ReasonCode::PeeringNoRouteBack => "PEERING_NO_ROUTE_BACK",
            ReasonCode::TgwForwards => "TGW_FORWARDS",
            ReasonCode::PubliclyAccessible => "PUBLICLY_ACCESSIBLE",
            ReasonCode::NotPubliclyAccessible => "NOT_PUBLICLY_ACCESSIBLE",
            ReasonCode::EndpointPublicAccess => "ENDPOINT_PUBLIC_ACCESS",
            ReasonCode::EndpointPrivateOnly => "ENDPOINT_PRIVATE_ONLY",
            ReasonCode::EndpointCidrNotAllowed => "ENDPOINT_CIDR_NOT_ALLOWED",
            ReasonCode::EndpointPortClosed => "ENDPOINT_PORT_CLOSED",
            ReasonCode::FunctionUrlPublic => "FUNCTION_URL_PUBLIC",
            ReasonCode::FunctionUrlRequiresIam => "FUNCTION_URL_REQUIRES_IAM",
            ReasonCode::NoFunctionUrl => "NO_FUNCTION_URL",
            ReasonCode::LbInternetFacing => "LB_INTERNET_FACING",
            ReasonCode::LbInternal => "LB_INTERNAL",
            ReasonCode::ListenerForwards => "LISTENER_FORWARDS",
            ReasonCode::NoListenerOnPort => "NO_LISTENER_ON_PORT",
            ReasonCode::TargetGroupForwards => "TARGET_GROUP_FORWARDS",
            ReasonCode::NoLoadBalancerToTarget => "NO_LOAD_BALANCER_TO_TARGET",
            ReasonCode::LbInvokesFunction => "LB_INVOKES_FUNCTION",
        }
    }
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Lets callers compare with the JSON name (`hop.component == "route_table"`).
impl PartialEq<&str> for ReasonCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One step of the path, with the exact rule or route that decided it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Hop {
    pub seq: usize,
    pub node_id: String,
    pub component: HopComponent,
    pub verdict: Verdict,
    pub matched: Option<Value>,
    pub reason_code: ReasonCode,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Explanation {
    pub reason_code: ReasonCode,
    pub text: String,
}

/// Where a blocked trace stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BlockedAt {
    pub seq: usize,
    pub component: HopComponent,
    pub node_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Default, Clone)]
pub(crate) struct Recorder {
    pub forward: Vec<Hop>,
    pub returning: Vec<Hop>,
    pub assumptions: Vec<String>,
}

impl Recorder {
    pub fn hop(
        &mut self,
        node_id: &str,
        component: HopComponent,
        verdict: Verdict,
        matched: Option<Value>,
        reason_code: ReasonCode,
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
        component: HopComponent,
        verdict: Verdict,
        matched: Option<Value>,
        reason_code: ReasonCode,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trace_vocabulary_serialises_to_the_names_it_displays() {
        let components = [
            (HopComponent::SecurityGroupEgress, "security_group_egress"),
            (
                HopComponent::NetworkAclOutboundReturn,
                "network_acl_outbound_return",
            ),
            (HopComponent::VpcPeeringConnection, "vpc_peering_connection"),
        ];
        for (component, name) in components {
            assert_eq!(serde_json::to_value(component).unwrap(), name);
            assert_eq!(component.to_string(), name);
        }
        let reasons = [
            (
                ReasonCode::SgNoMatchingEgressRule,
                "SG_NO_MATCHING_EGRESS_RULE",
            ),
            (ReasonCode::IgwForwards, "IGW_FORWARDS"),
            (ReasonCode::NoPublicIp, "NO_PUBLIC_IP"),
        ];
        for (reason, name) in reasons {
            assert_eq!(serde_json::to_value(reason).unwrap(), name);
            assert_eq!(reason.to_string(), name);
        }
    }
}
