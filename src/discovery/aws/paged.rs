//! `each_page!`: pages through one SDK paginator, checking for cancellation between pages and
//! reporting progress, for the services that share it (logs, cloudwatch, sns). A failed page ends
//! the listing with one classified line (`classify::describe_sdk_error`); the caller decides
//! whether that fails the scope or is a gap.

/// Runs `$body` (which returns the item count) on each page of `$stream`; evaluates to
/// `Result<(), String>`, and returns `Err(FetchError::Cancelled)` from the caller when cancelled.
macro_rules! each_page {
    ($control:expr, $scope:expr, $resource:literal, $stream:expr, |$page:ident| $body:expr) => {{
        let mut stream = $stream;
        let mut outcome: Result<(), String> = Ok(());
        while let Some(page) = stream.next().await {
            if $control.is_cancelled() {
                return Err($crate::discovery::aws::service::FetchError::Cancelled);
            }
            match page {
                Ok($page) => {
                    let items: usize = $body;
                    $control.report($crate::discovery::ProgressEvent::PageFetched {
                        scope: $scope.clone(),
                        resource: $resource,
                        items,
                    });
                }
                Err(error) => {
                    outcome = Err($crate::discovery::aws::classify::describe_sdk_error(
                        concat!("listing ", $resource),
                        &$scope.region,
                        &error,
                    ));
                    break;
                }
            }
        }
        outcome
    }};
}

pub(crate) use each_page;
