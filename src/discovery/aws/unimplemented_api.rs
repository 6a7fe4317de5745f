//! A retry rule for endpoints that do not implement an API at all: an HTTP 501, or an HTTP 500
//! answered with an HTML page (a local AWS emulator's "no backend for this service", a web
//! server's error page), is final. The SDK's standard retries treat every 500 as transient and
//! try five times with backoff: against moto, which has no Access Analyzer, one ListAnalyzers
//! cost 6-11 s of a discovery that otherwise takes a few. AWS itself answers its errors in XML or
//! JSON, and those (500s included) stay with the SDK's own classifiers: this rule decides nothing
//! else, and must not forbid retrying a throttle, a 502/503/504 or a lost connection.

use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction};

/// Forbids retrying an answer that says the API is not there (see the module comment).
#[derive(Debug, Default, Clone, Copy)]
pub struct UnimplementedApiIsFinal;

impl ClassifyRetry for UnimplementedApiIsFinal {
    fn classify_retry(&self, context: &InterceptorContext) -> RetryAction {
        let Some(response) = context.response() else {
            return RetryAction::NoActionIndicated;
        };
        let html = || {
            response.headers().get("content-type").is_some_and(|value| {
                let value = value.trim_start().as_bytes();
                value
                    .get(..9)
                    .is_some_and(|start| start.eq_ignore_ascii_case(b"text/html"))
            })
        };
        match response.status().as_u16() {
            501 => RetryAction::RetryForbidden,
            500 if html() => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "UnimplementedApiIsFinal"
    }
}

#[cfg(test)]
mod tests {
    use aws_smithy_runtime_api::client::interceptors::context::Input;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;

    use super::*;

    fn answered(status: u16, content_type: Option<&str>) -> RetryAction {
        let mut context = InterceptorContext::new(Input::erase(()));
        let mut response = Response::new(
            StatusCode::try_from(status).expect("a status code"),
            SdkBody::empty(),
        );
        if let Some(content_type) = content_type {
            response
                .headers_mut()
                .insert("content-type", content_type.to_string());
        }
        context.set_response(response);
        UnimplementedApiIsFinal.classify_retry(&context)
    }

    #[test]
    fn an_html_server_error_or_not_implemented_is_final() {
        assert_eq!(
            answered(500, Some("text/html; charset=utf-8")),
            RetryAction::RetryForbidden
        );
        assert_eq!(
            answered(500, Some("TEXT/HTML")),
            RetryAction::RetryForbidden
        );
        assert_eq!(answered(501, None), RetryAction::RetryForbidden);
        assert_eq!(
            answered(501, Some("application/x-amz-json-1.1")),
            RetryAction::RetryForbidden
        );
    }

    #[test]
    fn aws_errors_and_transient_answers_are_left_to_the_sdk() {
        // AWS's own 500 (InternalFailure) is JSON or XML: the SDK retries it.
        assert_eq!(
            answered(500, Some("application/x-amz-json-1.1")),
            RetryAction::NoActionIndicated
        );
        assert_eq!(
            answered(500, Some("application/xml")),
            RetryAction::NoActionIndicated
        );
        assert_eq!(answered(500, None), RetryAction::NoActionIndicated);
        // A proxy's HTML 502/503/504 is transient.
        for status in [502, 503, 504] {
            assert_eq!(
                answered(status, Some("text/html")),
                RetryAction::NoActionIndicated
            );
        }
        assert_eq!(answered(429, None), RetryAction::NoActionIndicated);
        assert_eq!(
            answered(200, Some("text/html")),
            RetryAction::NoActionIndicated
        );
        // No answer at all (a lost connection): not this rule's to judge.
        let context = InterceptorContext::new(Input::erase(()));
        assert_eq!(
            UnimplementedApiIsFinal.classify_retry(&context),
            RetryAction::NoActionIndicated
        );
    }
}
