//! [`WebhookReceiver`]: a minimal HTTP/1.1 receiver on 127.0.0.1 for tests, examples and
//! benchmarks of the webhook path. It understands what [`WebhookMessenger`](crate::WebhookMessenger)
//! sends (requests with a `Content-Length` body, keep-alive connections), records each
//! request and answers with the [`Reply`] its responder chooses, or, for batches
//! ([`WebhookReceiver::start_batch`]), with one [`BatchItemAnswer`] per notice. It is not a
//! production server.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use gridserve_core::ports::OutboundMessage;
use serde::de::IgnoredAny;

use crate::{BatchItemAnswer, BatchItemStatus};

/// One request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The request target, e.g. `/notices`.
    pub path: String,
    /// The headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl ReceivedRequest {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
    /// How long to wait before answering (to provoke client timeouts).
    pub delay: Duration,
    /// Close the connection instead of answering (a connection reset as the client sees
    /// it: the request may or may not have been acted on).
    pub drop_connection: bool,
    /// Notices this answer answers in a batch (counted by [`WebhookReceiver::items`]).
    items: usize,
}

impl Reply {
    /// An answer with `status` and an empty body, at once.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: String::new(),
            delay: Duration::ZERO,
            drop_connection: false,
            items: 0,
        }
    }

    /// No answer: the connection is closed after the request was read.
    pub fn reset() -> Self {
        Self {
            drop_connection: true,
            ..Self::status(200)
        }
    }

    /// The same answer with a header added.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The same answer with a body.
    pub fn with_body(mut self, body: &str) -> Self {
        self.body = body.to_string();
        self
    }

    /// The same answer given only after `delay`.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Responder = dyn Fn(&ReceivedRequest) -> Reply + Send + Sync;

struct Shared {
    stop: AtomicBool,
    count: AtomicUsize,
    items: AtomicUsize,
    connections: AtomicUsize,
    keep: bool,
    received: Mutex<Vec<ReceivedRequest>>,
    respond: Box<Responder>,
}

/// A receiver listening on 127.0.0.1 (a free port) until dropped.
///
/// ```
/// use gridserve_messengers::receiver::{Reply, WebhookReceiver};
///
/// let receiver = WebhookReceiver::start(|req| {
///     if req.header("Idempotency-Key").is_some() { Reply::status(204) } else { Reply::status(400) }
/// })?;
/// assert!(receiver.url().starts_with("http://127.0.0.1:"));
/// assert_eq!(receiver.count(), 0);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct WebhookReceiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("addr", &self.addr)
            .field("count", &self.count())
            .finish_non_exhaustive()
    }
}

impl WebhookReceiver {
    /// Starts a receiver that records every request and answers with `respond`'s reply.
    ///
    /// # Errors
    /// The operating system's error when 127.0.0.1 cannot be bound.
    pub fn start(
        respond: impl Fn(&ReceivedRequest) -> Reply + Send + Sync + 'static,
    ) -> io::Result<Self> {
        Self::start_with(true, respond)
    }

    /// A receiver that answers `200 OK` to everything and only counts requests (for
    /// benchmarks: it keeps no bodies). A batch (a JSON array) is answered under the batch
    /// contract with a `delivered` item per notice (counted in [`WebhookReceiver::items`]).
    ///
    /// # Errors
    /// As [`WebhookReceiver::start`].
    pub fn counting() -> io::Result<Self> {
        Self::start_with(false, |req| {
            if !is_batch(&req.body) {
                return Reply::status(200);
            }
            match serde_json::from_slice::<Vec<IgnoredAny>>(&req.body) {
                Ok(items) => {
                    let one = r#"{"status":"delivered"}"#;
                    let mut body = String::with_capacity(2 + items.len() * (one.len() + 1));
                    body.push('[');
                    for k in 0..items.len() {
                        if k > 0 {
                            body.push(',');
                        }
                        body.push_str(one);
                    }
                    body.push(']');
                    Reply {
                        items: items.len(),
                        ..Reply::status(200).with_body(&body)
                    }
                }
                Err(e) => Reply::status(400).with_body(&e.to_string()),
            }
        })
    }

    /// A receiver implementing the webhook's batch contract (see
    /// [`WebhookMessenger`](crate::WebhookMessenger)), with faults chosen per request and per
    /// notice. `whole` sees each request first: a [`Reply`] it returns is the answer to the
    /// whole request (a 429 with `Retry-After`, a 5xx, [`Reply::reset`]); `None` goes on to
    /// the notices. A JSON array of notices is then answered `200` with `item`'s answer for
    /// each, in order; a single notice (a JSON object, as posted when the batch has one) is
    /// answered with the status of `item`'s answer as a single post would be classified
    /// (`delivered`/`accepted` 200, `throttled` 429, `transient` 503, `auth` 401, the others
    /// 422). A body that is not a notice or an array of notices is answered 400.
    ///
    /// ```
    /// use gridserve_messengers::receiver::WebhookReceiver;
    /// use gridserve_messengers::{BatchItemAnswer, BatchItemStatus};
    ///
    /// let receiver = WebhookReceiver::start_batch(
    ///     |_req| None,
    ///     |notice| if notice.address.starts_with("138") {
    ///         BatchItemAnswer::new(BatchItemStatus::Delivered)
    ///     } else {
    ///         BatchItemAnswer::new(BatchItemStatus::Unreachable).with_detail("not a mobile number")
    ///     },
    /// )?;
    /// assert_eq!(receiver.items(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`WebhookReceiver::start`].
    pub fn start_batch(
        whole: impl Fn(&ReceivedRequest) -> Option<Reply> + Send + Sync + 'static,
        item: impl Fn(&OutboundMessage) -> BatchItemAnswer + Send + Sync + 'static,
    ) -> io::Result<Self> {
        Self::start_with(true, move |req| {
            if let Some(reply) = whole(req) {
                return reply;
            }
            if is_batch(&req.body) {
                match serde_json::from_slice::<Vec<OutboundMessage>>(&req.body) {
                    Ok(notices) => {
                        let answers: Vec<BatchItemAnswer> = notices.iter().map(&item).collect();
                        match serde_json::to_string(&answers) {
                            Ok(body) => Reply {
                                items: answers.len(),
                                ..Reply::status(200).with_body(&body)
                            },
                            Err(e) => Reply::status(500).with_body(&e.to_string()),
                        }
                    }
                    Err(e) => Reply::status(400).with_body(&e.to_string()),
                }
            } else {
                match serde_json::from_slice::<OutboundMessage>(&req.body) {
                    Ok(notice) => single_reply(&item(&notice)),
                    Err(e) => Reply::status(400).with_body(&e.to_string()),
                }
            }
        })
    }

    fn start_with(
        keep: bool,
        respond: impl Fn(&ReceivedRequest) -> Reply + Send + Sync + 'static,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            count: AtomicUsize::new(0),
            items: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            keep,
            received: Mutex::new(Vec::new()),
            respond: Box::new(respond),
        });
        let accept_shared = shared.clone();
        let accept = std::thread::Builder::new()
            .name("webhook-receiver".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if accept_shared.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    accept_shared.connections.fetch_add(1, Ordering::SeqCst);
                    let conn_shared = accept_shared.clone();
                    // A connection thread ends when the client closes or the receiver stops.
                    let _ = std::thread::Builder::new()
                        .name("webhook-receiver-conn".into())
                        .spawn(move || serve(stream, &conn_shared));
                }
            })?;
        Ok(Self {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    /// The URL to post to: `http://127.0.0.1:PORT/notices`.
    pub fn url(&self) -> String {
        format!("http://{}/notices", self.addr)
    }

    /// The socket address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests answered so far.
    pub fn count(&self) -> usize {
        self.shared.count.load(Ordering::SeqCst)
    }

    /// Notices answered in batches so far (each notice of a batch request counts once).
    pub fn items(&self) -> usize {
        self.shared.items.load(Ordering::SeqCst)
    }

    /// Connections accepted so far (a client that reuses keep-alive connections opens few).
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The requests received so far, in order of arrival (empty for a counting receiver).
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.shared
            .received
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(500));
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }
}

/// Whether a body is a JSON array (a batch): its first non-blank byte is `[`.
fn is_batch(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

/// The answer to a single post carrying `answer`'s status.
fn single_reply(answer: &BatchItemAnswer) -> Reply {
    let detail = answer.detail.clone().unwrap_or_default();
    let with_retry = |r: Reply| match answer.retry_after_s {
        Some(s) => r.with_header("Retry-After", &s.to_string()),
        None => r,
    };
    match answer.status {
        BatchItemStatus::Delivered | BatchItemStatus::Accepted => Reply::status(200),
        BatchItemStatus::Throttled => with_retry(Reply::status(429)).with_body(&detail),
        BatchItemStatus::Transient => with_retry(Reply::status(503)).with_body(&detail),
        BatchItemStatus::Auth => Reply::status(401).with_body(&detail),
        BatchItemStatus::Invalid | BatchItemStatus::Unreachable | BatchItemStatus::OptedOut => {
            Reply::status(422).with_body(&detail)
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Reads one line, retrying after read timeouts until the receiver stops. `Ok(false)` at the
/// end of the stream.
fn read_line(r: &mut BufReader<TcpStream>, line: &mut String, shared: &Shared) -> io::Result<bool> {
    line.clear();
    let mut buf = Vec::new();
    loop {
        match r.read_until(b'\n', &mut buf) {
            Ok(0) => return Ok(!buf.is_empty()),
            Ok(_) if buf.ends_with(b"\n") => {
                *line = String::from_utf8_lossy(&buf).into_owned();
                return Ok(true);
            }
            Ok(_) => {}
            Err(e) if is_timeout(&e) && !shared.stop.load(Ordering::SeqCst) => {}
            Err(e) => return Err(e),
        }
    }
}

fn read_body(r: &mut BufReader<TcpStream>, len: usize, shared: &Shared) -> io::Result<Vec<u8>> {
    let mut body = vec![0; len];
    let mut filled = 0;
    while filled < len {
        match r.read(&mut body[filled..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(e) if is_timeout(&e) && !shared.stop.load(Ordering::SeqCst) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(body)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        // Request line.
        match read_line(&mut reader, &mut line, shared) {
            Ok(true) => {}
            _ => return,
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        // Headers.
        let mut headers = Vec::new();
        let mut len = 0usize;
        let mut close = false;
        loop {
            match read_line(&mut reader, &mut line, shared) {
                Ok(true) => {}
                _ => return,
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((n, v)) = l.split_once(':') {
                let (n, v) = (n.trim().to_string(), v.trim().to_string());
                if n.eq_ignore_ascii_case("content-length") {
                    len = v.parse().unwrap_or(0);
                }
                if n.eq_ignore_ascii_case("connection") && v.eq_ignore_ascii_case("close") {
                    close = true;
                }
                headers.push((n, v));
            }
        }
        let Ok(body) = read_body(&mut reader, len, shared) else {
            return;
        };
        let request = ReceivedRequest {
            method,
            path,
            headers,
            body,
        };
        let reply = (shared.respond)(&request);
        if shared.keep {
            shared
                .received
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(request);
        }
        if !reply.delay.is_zero() {
            std::thread::sleep(reply.delay);
        }
        if reply.drop_connection {
            let _ = writer.shutdown(std::net::Shutdown::Both);
            return;
        }
        shared.items.fetch_add(reply.items, Ordering::SeqCst);
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Length: {}\r\n",
            reply.status,
            reason(reply.status),
            reply.body.len()
        );
        for (n, v) in &reply.headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        head.push_str(&reply.body);
        shared.count.fetch_add(1, Ordering::SeqCst);
        if writer.write_all(head.as_bytes()).is_err() || close {
            return;
        }
    }
}
