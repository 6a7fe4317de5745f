//! Which CIS AWS Foundations 3.0.0 section 4 controls (4.1–4.15) a CloudWatch Logs metric filter
//! pattern implements, judged on what the pattern means rather than on its text. Pure: no IO.
//!
//! A pattern is parsed into terms (`$.eventName = "CreateTrail"`, `$.userIdentity.invokedBy NOT
//! EXISTS`) joined by `&&`, `||` and parentheses. A filter implements a control when
//! 1. every term the benchmark's pattern requires is present with the same operator and value
//!    (whitespace, quotes, parentheses and order do not matter; extra terms are allowed), and
//! 2. the filter, evaluated as CloudWatch Logs would, matches every event the control is about
//!    (one representative CloudTrail event per required event name), so a required term that is
//!    present but joined the wrong way (`&&` between two event names) or contradicted by another
//!    term (`$.eventSource = "s3.amazonaws.com"` on a KMS control) does not count.
//!
//! Prowler decides with one regular expression over the pattern text per check; the term set plus
//! evaluation accepts the same filters and rejects near misses a regex can let through.

use std::collections::BTreeMap;

/// A comparison in a filter pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equals,
    NotEquals,
    NotExists,
    Exists,
    IsNull,
    /// `<`, `>`, `IS TRUE`, …: never required by CIS; evaluates to "no match".
    Other,
}

/// One `selector operator value` term, normalised (selector without `$.`, value unquoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub selector: String,
    pub operator: Operator,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expression {
    Term(Term),
    And(Box<Expression>, Box<Expression>),
    Or(Box<Expression>, Box<Expression>),
}

/// One CIS section 4 control: the terms its pattern requires and the events it must catch.
pub struct CisPattern {
    pub control: &'static str,
    /// Prowler's check name without its `cloudwatch_log_metric_filter_` prefix.
    pub check: &'static str,
    required: &'static [(&'static str, Operator, &'static str)],
    /// Fields every representative event carries besides its event name.
    context: &'static [(&'static str, &'static str)],
    /// Events given in full, for controls not about a list of event names (4.1).
    explicit_events: &'static [&'static [(&'static str, &'static str)]],
}

use Operator::{Equals as EQ, NotEquals as NE, NotExists as NX};

const API_CALL: [(&str, &str); 3] = [
    ("eventType", "AwsApiCall"),
    ("userIdentity.type", "IAMUser"),
    ("sourceIPAddress", "198.51.100.7"),
];

macro_rules! event_names {
    ($($name:literal),* $(,)?) => { &[$(("eventName", EQ, $name),)*] };
}

/// The fifteen patterns of CIS AWS Foundations 3.0.0, 4.1 to 4.15.
pub const CIS_PATTERNS: &[CisPattern] = &[
    CisPattern {
        control: "4.1",
        check: "unauthorized_api_calls",
        required: &[
            ("errorCode", EQ, "*UnauthorizedOperation"),
            ("errorCode", EQ, "AccessDenied*"),
        ],
        context: &[],
        explicit_events: &[
            &[
                ("eventName", "RunInstances"),
                ("errorCode", "Client.UnauthorizedOperation"),
                ("sourceIPAddress", "198.51.100.7"),
            ],
            &[
                ("eventName", "GetObject"),
                ("errorCode", "AccessDenied"),
                ("sourceIPAddress", "198.51.100.7"),
            ],
        ],
    },
    CisPattern {
        control: "4.2",
        check: "sign_in_without_mfa",
        required: &[
            ("eventName", EQ, "ConsoleLogin"),
            ("additionalEventData.MFAUsed", NE, "Yes"),
        ],
        context: &[
            ("additionalEventData.MFAUsed", "No"),
            ("userIdentity.type", "IAMUser"),
            ("responseElements.ConsoleLogin", "Success"),
        ],
        explicit_events: &[],
    },
    CisPattern {
        control: "4.3",
        check: "root_usage",
        required: &[
            ("userIdentity.type", EQ, "Root"),
            ("userIdentity.invokedBy", NX, ""),
            ("eventType", NE, "AwsServiceEvent"),
        ],
        context: &[],
        explicit_events: &[&[
            ("userIdentity.type", "Root"),
            ("eventType", "AwsApiCall"),
            ("eventName", "CreateUser"),
        ]],
    },
    CisPattern {
        control: "4.4",
        check: "policy_changes",
        required: event_names!(
            "DeleteGroupPolicy",
            "DeleteRolePolicy",
            "DeleteUserPolicy",
            "PutGroupPolicy",
            "PutRolePolicy",
            "PutUserPolicy",
            "CreatePolicy",
            "DeletePolicy",
            "CreatePolicyVersion",
            "DeletePolicyVersion",
            "AttachRolePolicy",
            "DetachRolePolicy",
            "AttachUserPolicy",
            "DetachUserPolicy",
            "AttachGroupPolicy",
            "DetachGroupPolicy",
        ),
        context: &[("eventSource", "iam.amazonaws.com")],
        explicit_events: &[],
    },
    CisPattern {
        control: "4.5",
        check: "and_alarm_for_cloudtrail_configuration_changes",
        required: event_names!(
            "CreateTrail",
            "UpdateTrail",
            "DeleteTrail",
            "StartLogging",
            "StopLogging"
        ),
        context: &[("eventSource", "cloudtrail.amazonaws.com")],
        explicit_events: &[],
    },
    CisPattern {
        control: "4.6",
        check: "authentication_failures",
        required: &[
            ("eventName", EQ, "ConsoleLogin"),
            ("errorMessage", EQ, "Failed authentication"),
        ],
        context: &[("errorMessage", "Failed authentication")],
        explicit_events: &[],
    },
    CisPattern {
        control: "4.7",
        check: "disable_or_scheduled_deletion_of_kms_cmk",
        required: &[
            ("eventSource", EQ, "kms.amazonaws.com"),
            ("eventName", EQ, "DisableKey"),
            ("eventName", EQ, "ScheduleKeyDeletion"),
        ],
        context: &[("eventSource", "kms.amazonaws.com")],
        explicit_events: &[],
    },
    CisPattern {
        control: "4.8",
        check: "for_s3_bucket_policy_changes",
        required: &[
            ("eventSource", EQ, "s3.amazonaws.com"),
            ("eventName", EQ, "PutBucketAcl"),
            ("eventName", EQ, "PutBucketPolicy"),
            ("eventName", EQ, "PutBucketCors"),
            ("eventName", EQ, "PutBucketLifecycle"),
            ("eventName", EQ, "PutBucketReplication"),
            ("eventName", EQ, "DeleteBucketPolicy"),
            ("eventName", EQ, "DeleteBucketCors"),
            ("eventName", EQ, "DeleteBucketLifecycle"),
            ("eventName", EQ, "DeleteBucketReplication"),
        ],
        context: &[("eventSource", "s3.amazonaws.com")],
        explicit_events: &[],
    },
    CisPattern {
        control: "4.9",
        check: "for_aws_config_configuration_changes",
        required: &[
            ("eventSource", EQ, "config.amazonaws.com"),
            ("eventName", EQ, "StopConfigurationRecorder"),
            ("eventName", EQ, "DeleteDeliveryChannel"),
            ("eventName", EQ, "PutDeliveryChannel"),
            ("eventName", EQ, "PutConfigurationRecorder"),
        ],
        context: &[("eventSource", "config.amazonaws.com")],
        explicit_events: &[],
    },
    CisPattern {
        control: "4.10",
        check: "security_group_changes",
        required: event_names!(
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
            "CreateSecurityGroup",
            "DeleteSecurityGroup",
        ),
        context: &[("eventSource", "ec2.amazonaws.com")],
        explicit_events: &[],
    },
    CisPattern {
        control: "4.11",
        check: "changes_to_network_acls_alarm_configured",
        required: event_names!(
            "CreateNetworkAcl",
            "CreateNetworkAclEntry",
            "DeleteNetworkAcl",
            "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry",
            "ReplaceNetworkAclAssociation",
        ),
        context: &[("eventSource", "ec2.amazonaws.com")],
        explicit_events: &[],
    },
    CisPattern {
        control: "4.12",
        check: "changes_to_network_gateways_alarm_configured",
        required: event_names!(
            "CreateCustomerGateway",
            "DeleteCustomerGateway",
            "AttachInternetGateway",
            "CreateInternetGateway",
            "DeleteInternetGateway",
            "DetachInternetGateway",
        ),
        context: &[("eventSource", "ec2.amazonaws.com")],
        explicit_events: &[],
    },
    CisPattern {
        control: "4.13",
        check: "changes_to_network_route_tables_alarm_configured",
        // 3.0.0 adds `$.eventSource = ec2.amazonaws.com`; earlier revisions' filters without it
        // catch a superset of the events and still count (evaluation rejects a wrong source).
        required: event_names!(
            "CreateRoute",
            "CreateRouteTable",
            "ReplaceRoute",
            "ReplaceRouteTableAssociation",
            "DeleteRouteTable",
            "DeleteRoute",
            "DisassociateRouteTable",
        ),
        context: &[("eventSource", "ec2.amazonaws.com")],
        explicit_events: &[],
    },
    CisPattern {
        control: "4.14",
        check: "changes_to_vpcs_alarm_configured",
        required: event_names!(
            "CreateVpc",
            "DeleteVpc",
            "ModifyVpcAttribute",
            "AcceptVpcPeeringConnection",
            "CreateVpcPeeringConnection",
            "DeleteVpcPeeringConnection",
            "RejectVpcPeeringConnection",
            "AttachClassicLinkVpc",
            "DetachClassicLinkVpc",
            "DisableVpcClassicLink",
            "EnableVpcClassicLink",
        ),
        context: &[("eventSource", "ec2.amazonaws.com")],
        explicit_events: &[],
    },
    CisPattern {
        control: "4.15",
        check: "aws_organizations_changes",
        required: &[
            ("eventSource", EQ, "organizations.amazonaws.com"),
            ("eventName", EQ, "AcceptHandshake"),
            ("eventName", EQ, "AttachPolicy"),
            ("eventName", EQ, "CreateAccount"),
            ("eventName", EQ, "CreateOrganizationalUnit"),
            ("eventName", EQ, "CreatePolicy"),
            ("eventName", EQ, "DeclineHandshake"),
            ("eventName", EQ, "DeleteOrganization"),
            ("eventName", EQ, "DeleteOrganizationalUnit"),
            ("eventName", EQ, "DeletePolicy"),
            ("eventName", EQ, "DetachPolicy"),
            ("eventName", EQ, "DisablePolicyType"),
            ("eventName", EQ, "EnablePolicyType"),
            ("eventName", EQ, "InviteAccountToOrganization"),
            ("eventName", EQ, "LeaveOrganization"),
            ("eventName", EQ, "MoveAccount"),
            ("eventName", EQ, "RemoveAccountFromOrganization"),
            ("eventName", EQ, "UpdatePolicy"),
            ("eventName", EQ, "UpdateOrganizationalUnit"),
        ],
        context: &[("eventSource", "organizations.amazonaws.com")],
        explicit_events: &[],
    },
];

/// The benchmark's recommended pattern of each control, as CIS AWS Foundations 3.0.0 prints it
/// (the sample estate and the generator use them; the tests check each implements its control).
pub const BENCHMARK_PATTERNS: &[(&str, &str)] = &[
    (
        "4.1",
        r#"{($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#,
    ),
    (
        "4.2",
        r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#,
    ),
    (
        "4.3",
        r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
    ),
    (
        "4.4",
        r#"{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}"#,
    ),
    (
        "4.5",
        r#"{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"#,
    ),
    (
        "4.6",
        r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
    ),
    (
        "4.7",
        r#"{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"#,
    ),
    (
        "4.8",
        r#"{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"#,
    ),
    (
        "4.9",
        r#"{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel) ||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }"#,
    ),
    (
        "4.10",
        r#"{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }"#,
    ),
    (
        "4.11",
        r#"{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }"#,
    ),
    (
        "4.12",
        r#"{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"#,
    ),
    (
        "4.13",
        r#"{($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }"#,
    ),
    (
        "4.14",
        r#"{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }"#,
    ),
    (
        "4.15",
        r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#,
    ),
];

/// The controls (and Prowler check names) a filter pattern implements, in benchmark order. An
/// unparsable pattern implements none.
pub fn matching_controls(pattern: &str) -> Vec<&'static CisPattern> {
    let Some(expression) = parse(pattern) else {
        return Vec::new();
    };
    let mut terms = Vec::new();
    collect_terms(&expression, &mut terms);
    CIS_PATTERNS
        .iter()
        .filter(|cis| implements(cis, &expression, &terms))
        .collect()
}

fn implements(cis: &CisPattern, expression: &Expression, terms: &[&Term]) -> bool {
    let all_required_present = cis.required.iter().all(|(selector, operator, value)| {
        terms.iter().any(|term| {
            term.selector == *selector
                && term.operator == *operator
                && (matches!(operator, NX) || term.value == *value)
        })
    });
    if !all_required_present {
        return false;
    }
    representative_events(cis)
        .iter()
        .all(|event| evaluate(expression, event))
}

fn representative_events(cis: &CisPattern) -> Vec<BTreeMap<&'static str, &'static str>> {
    if !cis.explicit_events.is_empty() {
        return cis
            .explicit_events
            .iter()
            .map(|fields| fields.iter().copied().collect())
            .collect();
    }
    cis.required
        .iter()
        .filter(|(selector, operator, _)| *selector == "eventName" && *operator == EQ)
        .map(|(_, _, name)| {
            let mut event: BTreeMap<&str, &str> = API_CALL.iter().copied().collect();
            event.extend(cis.context.iter().copied());
            event.insert("eventName", name);
            event
        })
        .collect()
}

fn collect_terms<'a>(expression: &'a Expression, terms: &mut Vec<&'a Term>) {
    match expression {
        Expression::Term(term) => terms.push(term),
        Expression::And(left, right) | Expression::Or(left, right) => {
            collect_terms(left, terms);
            collect_terms(right, terms);
        }
    }
}

/// CloudWatch Logs semantics for the operators CIS uses: `=` matches with `*` wildcards, `!=` also
/// matches an absent field, `NOT EXISTS` only an absent one.
fn evaluate(expression: &Expression, event: &BTreeMap<&str, &str>) -> bool {
    match expression {
        Expression::And(left, right) => evaluate(left, event) && evaluate(right, event),
        Expression::Or(left, right) => evaluate(left, event) || evaluate(right, event),
        Expression::Term(term) => {
            let field = event.get(term.selector.as_str());
            match term.operator {
                Operator::Equals => field.is_some_and(|value| glob_matches(&term.value, value)),
                Operator::NotEquals => !field.is_some_and(|value| glob_matches(&term.value, value)),
                Operator::NotExists | Operator::IsNull => field.is_none(),
                Operator::Exists => field.is_some(),
                Operator::Other => false,
            }
        }
    }
}

/// `*` matches any run of characters; everything else literally.
fn glob_matches(pattern: &str, value: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == value;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !value.starts_with(first) || value.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &value[first.len()..value.len() - last.len()];
    if !value.ends_with(last) {
        return false;
    }
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(position) => rest = &rest[position + middle.len()..],
            None => return false,
        }
    }
    true
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Word(String),
    Quoted(String),
    Operator(String),
}

fn tokenize(pattern: &str) -> Option<Vec<Token>> {
    let characters: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < characters.len() {
        let character = characters[index];
        let next = characters.get(index + 1).copied();
        match character {
            ' ' | '\t' | '\n' | '\r' | '{' | '}' => index += 1,
            '(' => {
                tokens.push(Token::Open);
                index += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                index += 1;
            }
            '&' if next == Some('&') => {
                tokens.push(Token::And);
                index += 2;
            }
            '|' if next == Some('|') => {
                tokens.push(Token::Or);
                index += 2;
            }
            '!' | '=' | '<' | '>' => {
                let mut operator = character.to_string();
                if next == Some('=') {
                    operator.push('=');
                    index += 1;
                }
                tokens.push(Token::Operator(operator));
                index += 1;
            }
            '"' => {
                let start = index + 1;
                let end = characters[start..].iter().position(|c| *c == '"')? + start;
                tokens.push(Token::Quoted(characters[start..end].iter().collect()));
                index = end + 1;
            }
            _ => {
                let start = index;
                while index < characters.len() && !ends_word(&characters, index) {
                    index += 1;
                }
                tokens.push(Token::Word(characters[start..index].iter().collect()));
            }
        }
    }
    Some(tokens)
}

/// Whether the word being read ends before `characters[index]` (a space, a bracket, an operator,
/// a quote, `&&` or `||`).
fn ends_word(characters: &[char], index: usize) -> bool {
    let next = characters.get(index + 1).copied();
    match characters[index] {
        ' ' | '\t' | '\n' | '\r' | '(' | ')' | '{' | '}' | '!' | '=' | '<' | '>' | '"' => true,
        '&' => next == Some('&'),
        '|' => next == Some('|'),
        _ => false,
    }
}

/// Parses a JSON filter pattern (`{ … }`); `None` for anything else (space-delimited patterns,
/// malformed text).
fn parse(pattern: &str) -> Option<Expression> {
    let trimmed = pattern.trim();
    if !(trimmed.starts_with('{') && trimmed.ends_with('}')) {
        return None;
    }
    let tokens = tokenize(trimmed)?;
    let mut parser = Parser {
        tokens: &tokens,
        position: 0,
    };
    let expression = parser.or()?;
    (parser.position == tokens.len()).then_some(expression)
}

struct Parser<'a> {
    tokens: &'a [Token],
    position: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn advance(&mut self) -> Option<&Token> {
        let token = self.tokens.get(self.position);
        self.position += 1;
        token
    }

    // `&&` binds tighter than `||`, as in the benchmark's own 4.1 pattern.
    fn or(&mut self) -> Option<Expression> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.position += 1;
            left = Expression::Or(Box::new(left), Box::new(self.and()?));
        }
        Some(left)
    }

    fn and(&mut self) -> Option<Expression> {
        let mut left = self.primary()?;
        while self.peek() == Some(&Token::And) {
            self.position += 1;
            left = Expression::And(Box::new(left), Box::new(self.primary()?));
        }
        Some(left)
    }

    fn primary(&mut self) -> Option<Expression> {
        if self.peek() == Some(&Token::Open) {
            self.position += 1;
            let inner = self.or()?;
            if self.advance() != Some(&Token::Close) {
                return None;
            }
            return Some(inner);
        }
        let Some(Token::Word(selector)) = self.advance() else {
            return None;
        };
        let selector = selector.strip_prefix("$.")?.to_string();
        let (operator, value) = match self.advance()?.clone() {
            Token::Operator(operator) => {
                let value = match self.advance()? {
                    Token::Word(value) | Token::Quoted(value) => value.clone(),
                    _ => return None,
                };
                let operator = match operator.as_str() {
                    "=" => Operator::Equals,
                    "!=" => Operator::NotEquals,
                    _ => Operator::Other,
                };
                (operator, value)
            }
            Token::Word(keyword) => {
                let keyword = keyword.to_ascii_uppercase();
                let operator = match (keyword.as_str(), self.peek()) {
                    ("NOT", Some(Token::Word(next))) if next.eq_ignore_ascii_case("EXISTS") => {
                        self.position += 1;
                        Operator::NotExists
                    }
                    ("EXISTS", _) => Operator::Exists,
                    ("IS", Some(Token::Word(next))) => {
                        let null = next.eq_ignore_ascii_case("NULL");
                        self.position += 1;
                        if null {
                            Operator::IsNull
                        } else {
                            Operator::Other
                        }
                    }
                    _ => return None,
                };
                (operator, String::new())
            }
            _ => return None,
        };
        Some(Expression::Term(Term {
            selector,
            operator,
            value,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn controls_of(pattern: &str) -> Vec<&'static str> {
        matching_controls(pattern)
            .iter()
            .map(|cis| cis.control)
            .collect()
    }

    #[test]
    fn each_benchmark_pattern_implements_exactly_its_own_control() {
        assert_eq!(BENCHMARK_PATTERNS.len(), 15);
        for (control, pattern) in BENCHMARK_PATTERNS {
            assert_eq!(controls_of(pattern), vec![*control], "pattern of {control}");
        }
    }

    #[test]
    fn spacing_quotes_parentheses_and_order_do_not_matter() {
        let variants = [
            // 4.3 without spaces, with extra parentheses, terms reordered.
            (
                "4.3",
                r#"{($.eventType!="AwsServiceEvent")&&(($.userIdentity.invokedBy NOT EXISTS)&&($.userIdentity.type="Root"))}"#,
            ),
            // 4.5 with newlines, event names reordered and unquoted/quoted mixed.
            (
                "4.5",
                "{\n  ($.eventName = \"StopLogging\") ||\n  ($.eventName = StartLogging) || ($.eventName=DeleteTrail)\n  || ($.eventName = UpdateTrail) || ($.eventName = \"CreateTrail\")\n}",
            ),
            // 4.1 as older benchmark revisions and Prowler's fixtures write it.
            (
                "4.1",
                r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#,
            ),
            // 4.2 in its short (2.0) form.
            (
                "4.2",
                r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#,
            ),
            // 4.13 without the event source clause 3.0.0 added (catches a superset).
            (
                "4.13",
                r#"{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"#,
            ),
            // 4.7 with the two names first and the source last.
            (
                "4.7",
                r#"{ (($.eventName = "ScheduleKeyDeletion") || ($.eventName = "DisableKey")) && ($.eventSource = "kms.amazonaws.com") }"#,
            ),
        ];
        for (control, pattern) in variants {
            assert_eq!(controls_of(pattern), vec![control], "{pattern}");
        }
    }

    #[test]
    fn one_filter_may_implement_several_controls() {
        let combined = format!(
            "{{ ({}) || ({}) }}",
            BENCHMARK_PATTERNS[2].1.trim_matches(['{', '}', ' ']),
            BENCHMARK_PATTERNS[4].1.trim_matches(['{', '}', ' '])
        );
        assert_eq!(controls_of(&combined), vec!["4.3", "4.5"], "{combined}");
    }

    #[test]
    fn near_misses_are_rejected() {
        let near_misses = [
            // 4.5 missing StopLogging.
            r#"{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) }"#,
            // 4.3 with `!=` instead of `=` on the identity type.
            r#"{ $.userIdentity.type != "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
            // 4.3 with EXISTS instead of NOT EXISTS.
            r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy EXISTS && $.eventType != "AwsServiceEvent" }"#,
            // 4.2 with `=` instead of `!=` on MFAUsed.
            r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "Yes") }"#,
            // 4.6 with `!=` on the event name.
            r#"{ ($.eventName != ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
            // 4.10: every name present but joined with && (matches no event).
            r#"{ ($.eventName = AuthorizeSecurityGroupIngress) && ($.eventName = AuthorizeSecurityGroupEgress) && ($.eventName = RevokeSecurityGroupIngress) && ($.eventName = RevokeSecurityGroupEgress) && ($.eventName = CreateSecurityGroup) && ($.eventName = DeleteSecurityGroup) }"#,
            // 4.13 contradicted by a wrong event source.
            r#"{($.eventSource = s3.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }"#,
            // 4.7 without its event source.
            r#"{ ($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion) }"#,
            // A match-everything filter is not a CIS filter.
            r#"{ $.eventName = "*" }"#,
            // Text patterns and malformed JSON patterns implement nothing.
            "ConsoleLogin Failed authentication",
            r#"{ ($.eventName = ConsoleLogin && ($.errorMessage = "Failed authentication") }"#,
            "",
        ];
        for pattern in near_misses {
            assert_eq!(controls_of(pattern), Vec::<&str>::new(), "{pattern}");
        }
    }

    #[test]
    fn wildcards_match_like_cloudwatch_logs() {
        assert!(glob_matches(
            "*UnauthorizedOperation",
            "Client.UnauthorizedOperation"
        ));
        assert!(glob_matches("AccessDenied*", "AccessDenied"));
        assert!(glob_matches("Access*Denied", "AccessIsDenied"));
        assert!(!glob_matches("AccessDenied*", "Client.AccessDenied"));
        assert!(!glob_matches("a*a", "a"));
        assert!(glob_matches("Root", "Root"));
        assert!(!glob_matches("Root", "RootX"));
    }
}
