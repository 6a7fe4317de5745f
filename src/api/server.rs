//! The HTTP listener: accepts TCP connections and serves the router on each with HTTP/1.1, with
//! the limits a public endpoint needs that `axum::serve` does not set.
//!
//! - A client must finish its request head within `HEADER_READ_TIMEOUT`, and an idle keep-alive
//!   connection is closed after the same time (hyper runs that timer whenever it waits for a
//!   head), so half-sent requests cannot hold connections.
//! - A first request line longer than `MAX_REQUEST_LINE_BYTES` gets a 414 in the error shape
//!   before hyper sees it (hyper's own 414, past 64 KiB, has an empty body); shorter lines that
//!   are still too long are refused by `reject_long_uris` inside the router.
//! - Every request carries the peer address (`ConnectInfo<SocketAddr>`) for per-client limits.
//! - Shutdown stops accepting, lets open requests finish, and abandons connections (SSE streams,
//!   stuck clients) still open after `SHUTDOWN_GRACE`.
//!
//! This module knows nothing about routes or the database: it is given a router.

use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::error::ApiError;

/// How long a client may take to send a request head, and how long a keep-alive connection may
/// stay idle.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest request line (method, target and version) accepted; longer ones get 414.
pub const MAX_REQUEST_LINE_BYTES: usize = 16 * 1024;
/// How long shutdown waits for open connections before abandoning them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` resolves, then drains connections for at most
/// `SHUTDOWN_GRACE`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let router = router.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let Some(stream) = read_request_line(stream).await else {
                return;
            };
            let service = hyper::service::service_fn(move |mut request: Request<_>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                tower::ServiceExt::oneshot(router.clone(), request.map(axum::body::Body::new))
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .keep_alive(true);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            if let Err(error) = watcher.watch(connection).await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_seconds = SHUTDOWN_GRACE.as_secs(),
            "connections still open after the shutdown grace period were abandoned"
        );
    }
    Ok(())
}

/// Reads until the end of the first request line (within `HEADER_READ_TIMEOUT`) and returns the
/// stream with those bytes put back, or `None` when the connection was answered or dropped here:
/// closed early, too slow, or a request line past `MAX_REQUEST_LINE_BYTES` (answered 414).
async fn read_request_line(mut stream: TcpStream) -> Option<PrefixedStream> {
    let mut buffer: Vec<u8> = Vec::with_capacity(4096);
    let reading = async {
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(line_end) = buffer.iter().position(|&byte| byte == b'\n') {
                return Ok(line_end <= MAX_REQUEST_LINE_BYTES);
            }
            if buffer.len() > MAX_REQUEST_LINE_BYTES {
                return Ok(false);
            }
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            buffer.extend_from_slice(&chunk[..read]);
        }
    };
    let within_limit: std::io::Result<bool> =
        match tokio::time::timeout(HEADER_READ_TIMEOUT, reading).await {
            Ok(outcome) => outcome,
            Err(_) => return None,
        };
    match within_limit {
        Ok(true) => Some(PrefixedStream {
            prefix: buffer,
            position: 0,
            inner: stream,
        }),
        Ok(false) => {
            answer_uri_too_long(stream).await;
            None
        }
        Err(_) => None,
    }
}

/// Writes a 414 in the error shape and closes the connection, reading (and discarding) what the
/// client is still sending for a moment so the close does not reset the answer away.
async fn answer_uri_too_long(mut stream: TcpStream) {
    let body = uri_too_long_body();
    let head = format!(
        "HTTP/1.1 414 URI Too Long\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let written = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await
    };
    if tokio::time::timeout(HEADER_READ_TIMEOUT, written)
        .await
        .is_err()
    {
        return;
    }
    let draining = async {
        let mut sink = [0u8; 8192];
        let mut drained = 0usize;
        while drained < 1024 * 1024 {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(read) => drained += read,
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), draining).await;
}

fn uri_too_long_body() -> String {
    serde_json::json!({
        "data": null,
        "error": {
            "code": "BAD_REQUEST",
            "message": uri_too_long_message(),
            "details": null,
        }
    })
    .to_string()
}

fn uri_too_long_message() -> String {
    format!(
        "the request line is longer than {MAX_REQUEST_LINE_BYTES} bytes; send long filters in fewer or shorter parameters"
    )
}

/// Refuses request targets longer than the first-line limit on later requests of a keep-alive
/// connection (the first is checked before hyper parses it).
pub async fn reject_long_uris(request: Request, next: Next) -> Response {
    let target_length = request
        .uri()
        .path_and_query()
        .map(|target| target.as_str().len())
        .unwrap_or_default();
    if target_length > MAX_REQUEST_LINE_BYTES {
        return ApiError::UriTooLong(uri_too_long_message()).into_response();
    }
    next.run(request).await
}

/// A TCP stream with bytes already read from it put back in front.
struct PrefixedStream {
    prefix: Vec<u8>,
    position: usize,
    inner: TcpStream,
}

impl AsyncRead for PrefixedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.position < this.prefix.len() {
            let remaining = &this.prefix[this.position..];
            let count = remaining.len().min(buffer.remaining());
            buffer.put_slice(&remaining[..count]);
            this.position += count;
            if this.position == this.prefix.len() {
                this.prefix = Vec::new();
                this.position = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(context, buffer)
    }
}

impl AsyncWrite for PrefixedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(context, buffer)
    }

    fn poll_flush(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(context)
    }

    fn poll_shutdown(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(context)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffers: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(context, buffers)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The peer address of a request served by `serve` (None when served some other way).
pub fn client_address(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| *address)
}
