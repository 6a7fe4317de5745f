//! The three answers of a call that reads a resource's optional configuration (a bucket policy, a
//! key's rotation status): the value, "not configured" (S3 answers `NoSuchBucketPolicy`,
//! `ServerSideEncryptionConfigurationNotFoundError`, …: a fact, not a failure), or unavailable
//! (the endpoint does not implement it, or refused it: a recorded gap, never read as "off").

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};

use super::classify::{Failure, classify, describe_sdk_error};

/// What an optional call answered.
#[derive(Debug)]
pub enum Answer<T> {
    Value(T),
    NotConfigured,
    /// The tenant-facing line saying why the value is unknown.
    Unavailable(String),
}

/// Sorts `result` into an `Answer`: the error codes in `not_configured` mean "nothing set".
pub fn settle<T, E>(
    result: Result<T, SdkError<E, HttpResponse>>,
    not_configured: &[&str],
    what: &str,
    region: &str,
) -> Answer<T>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(value) => Answer::Value(value),
        Err(error) => {
            let code = error.as_service_error().and_then(|service| service.code());
            if code.is_some_and(|code| not_configured.contains(&code)) {
                return Answer::NotConfigured;
            }
            Answer::Unavailable(describe_sdk_error(what, region, &error))
        }
    }
}

/// True when an error is the endpoint saying it does not implement the call (moto without an
/// API answers 404/500 with no code, or `InvalidAction`): the region's data is a gap, not a fault.
pub fn is_unsupported<E>(error: &SdkError<E, HttpResponse>) -> bool
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    matches!(
        classify(error),
        Failure::NotSupported | Failure::UnexpectedAnswer(404)
    )
}
