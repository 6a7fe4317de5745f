//! Turns an AWS SDK error into one line a tenant can act on ("access denied listing instances in
//! us-east-1", "endpoint unreachable", "throttled", "no AWS credentials found"), and writes the
//! full detail to the server log. Never puts a remote body, headers or the SDK's debug dump into
//! what a tenant reads: that is how an endpoint's or a metadata service's answer would leak.

use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// What went wrong, as a closed vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    AccessDenied,
    BadCredentials,
    NoCredentials,
    Throttled,
    Unreachable,
    TimedOut,
    NotSupported,
    UnexpectedAnswer(u16),
    Other,
}

impl Failure {
    /// The sentence for `what` (e.g. "listing instances") in `region`.
    pub fn describe(self, what: &str, region: &str) -> String {
        match self {
            Failure::AccessDenied => format!("access denied {what} in {region}"),
            Failure::BadCredentials => {
                format!("AWS rejected the credentials {what} in {region}")
            }
            Failure::NoCredentials => format!(
                "no AWS credentials found {what} in {region}: set AWS_PROFILE or \
                 AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for the server, or give the job a role_arn"
            ),
            Failure::Throttled => format!("throttled by AWS {what} in {region}"),
            Failure::Unreachable => format!("endpoint unreachable {what} in {region}"),
            Failure::TimedOut => format!("timed out {what} in {region}"),
            Failure::NotSupported => format!("not supported by the endpoint: {what} in {region}"),
            Failure::UnexpectedAnswer(status) => {
                format!("unexpected answer (HTTP {status}) {what} in {region}")
            }
            Failure::Other => format!("request failed {what} in {region}"),
        }
    }
}

/// Classifies `error` and logs its detail; returns the tenant-facing line.
pub fn describe_sdk_error<E, R>(what: &str, region: &str, error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HasStatus,
{
    let failure = classify(error);
    tracing::warn!(
        what,
        region,
        failure = ?failure,
        detail = %DisplayErrorContext(error),
        "aws call failed"
    );
    failure.describe(what, region)
}

/// The HTTP status of a raw response, whatever the response type.
pub trait HasStatus {
    fn status_code(&self) -> u16;
}

impl HasStatus for aws_sdk_ec2::config::http::HttpResponse {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

pub fn classify<E, R>(error: &SdkError<E, R>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HasStatus,
{
    match error {
        SdkError::ServiceError(service) => {
            let status = service.raw().status_code();
            classify_code(service.err().code(), status)
        }
        SdkError::TimeoutError(_) => Failure::TimedOut,
        SdkError::DispatchFailure(dispatch) => {
            if dispatch.is_timeout() {
                return Failure::TimedOut;
            }
            if dispatch.is_io() {
                return Failure::Unreachable;
            }
            classify_chain(&DisplayErrorContext(error).to_string())
        }
        SdkError::ResponseError(response) => {
            Failure::UnexpectedAnswer(response.raw().status_code())
        }
        SdkError::ConstructionFailure(_) => classify_chain(&DisplayErrorContext(error).to_string()),
        _ => Failure::Other,
    }
}

/// For a service's listing call: an endpoint that does not implement the service (a local test
/// server without it) is a recorded gap (`Ok(Some(line))`), anything else fails the scope
/// (`Err(line)`), as a failed EC2 listing does.
pub fn gap_if_unsupported<E, R>(
    what: &str,
    region: &str,
    error: &SdkError<E, R>,
) -> Result<String, String>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HasStatus,
{
    let line = describe_sdk_error(what, region, error);
    match classify(error) {
        Failure::NotSupported => Ok(line),
        _ => Err(line),
    }
}

/// An error code and status from the service.
pub fn classify_code(code: Option<&str>, status: u16) -> Failure {
    match code.unwrap_or("") {
        "UnauthorizedOperation"
        | "AccessDenied"
        | "AccessDeniedException"
        | "AuthFailure"
        | "Blocked" => Failure::AccessDenied,
        "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "ExpiredToken"
        | "UnrecognizedClientException"
        | "InvalidAccessKeyId" => Failure::BadCredentials,
        "RequestLimitExceeded"
        | "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException"
        | "SlowDown" => Failure::Throttled,
        "InvalidAction" | "UnsupportedOperation" | "NotImplemented" | "InternalFailure"
            if status >= 400 =>
        {
            Failure::NotSupported
        }
        "" if status == 500 || status == 501 => Failure::NotSupported,
        "" if status == 429 || status == 503 => Failure::Throttled,
        "" if status == 401 || status == 403 => Failure::AccessDenied,
        _ if status >= 400 => Failure::UnexpectedAnswer(status),
        _ => Failure::Other,
    }
}

/// Errors raised before any answer (credential resolution, building the request) are known only
/// by their message chain; the chain is read here and never shown.
fn classify_chain(chain: &str) -> Failure {
    let lower = chain.to_ascii_lowercase();
    if lower.contains("accessdenied")
        || lower.contains("access denied")
        || lower.contains("unauthorizedoperation")
    {
        Failure::AccessDenied
    } else if lower.contains("throttl") {
        Failure::Throttled
    } else if lower.contains("credential") || lower.contains("identity") {
        Failure::NoCredentials
    } else if lower.contains("timeout") || lower.contains("timed out") {
        Failure::TimedOut
    } else if lower.contains("connect") || lower.contains("dns") {
        Failure::Unreachable
    } else {
        Failure::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_map_to_actionable_sentences() {
        assert_eq!(
            classify_code(Some("UnauthorizedOperation"), 403),
            Failure::AccessDenied
        );
        assert_eq!(
            classify_code(Some("RequestLimitExceeded"), 503),
            Failure::Throttled
        );
        assert_eq!(
            classify_code(Some("AuthFailure"), 401),
            Failure::AccessDenied
        );
        assert_eq!(
            classify_code(Some("InvalidClientTokenId"), 403),
            Failure::BadCredentials
        );
        assert_eq!(classify_code(None, 500), Failure::NotSupported);
        assert_eq!(classify_code(None, 418), Failure::UnexpectedAnswer(418));
        assert_eq!(
            Failure::AccessDenied.describe("listing instances", "us-east-1"),
            "access denied listing instances in us-east-1"
        );
    }

    #[test]
    fn chains_are_classified_without_being_repeated() {
        let chain = "dispatch failure: other: the credential provider was not enabled: \
                     no providers in chain provided credentials";
        assert_eq!(classify_chain(chain), Failure::NoCredentials);
        let sentence = classify_chain(chain).describe("listing vpcs", "eu-west-1");
        assert!(!sentence.contains("dispatch"), "{sentence}");
        assert_eq!(
            classify_chain("io error: Connection refused (os error 111)"),
            Failure::Unreachable
        );
    }
}
