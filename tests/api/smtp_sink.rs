//! A real SMTP server inside the test process: the `mailin` crate's SMTP state machine driven by
//! tokio sockets. It listens on 127.0.0.1, keeps every message it accepts (envelope + raw RFC 5322
//! bytes), can answer RCPT with a chosen error, and can be stopped and started again on the same
//! port to play "the SMTP server was down".

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use mailin::{Action, Handler, Response, SessionBuilder};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The DATA, dot-unstuffed, CRLF line ends: the RFC 5322 message.
    pub data: Vec<u8>,
}

#[derive(Default)]
struct Store {
    messages: Vec<ReceivedMail>,
    /// When set, RCPT TO is answered with this code and text.
    rcpt_reply: Option<(u16, String)>,
}

pub struct SmtpSink {
    addr: SocketAddr,
    store: Arc<Mutex<Store>>,
    count: watch::Sender<usize>,
    server: Option<JoinHandle<()>>,
}

impl SmtpSink {
    /// Starts on 127.0.0.1 with a free port.
    pub async fn start() -> Self {
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0)));
        let addr = listener.local_addr().expect("local addr");
        let (count, _) = watch::channel(0);
        let mut sink = Self {
            addr,
            store: Arc::default(),
            count,
            server: None,
        };
        sink.serve(listener);
        sink
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `smtp://127.0.0.1:PORT` (no TLS offered, so opportunistic STARTTLS goes plain).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Closes the listener and drops every open connection, so clients see the server gone.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = server.await;
        }
    }

    /// Listens again on the same port, keeping the messages received so far.
    pub async fn restart(&mut self) {
        self.stop().await;
        let listener = bind(self.addr);
        self.serve(listener);
    }

    /// Answer RCPT TO with `code text` (e.g. 550 or 451) until cleared with `None`.
    pub fn reject_recipients(&self, reply: Option<(u16, &str)>) {
        self.store().rcpt_reply = reply.map(|(c, t)| (c, t.to_owned()));
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.store().messages.clone()
    }

    /// Waits until at least `n` messages have arrived; panics after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let mut rx = self.count.subscribe();
        let waited = tokio::time::timeout(timeout, rx.wait_for(|count| *count >= n)).await;
        match waited {
            Ok(Ok(_)) => self.messages(),
            _ => panic!(
                "expected {n} messages within {timeout:?}, got {}",
                self.messages().len()
            ),
        }
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn serve(&mut self, listener: TcpListener) {
        let store = Arc::clone(&self.store);
        let count = self.count.clone();
        self.server = Some(tokio::spawn(async move {
            // Dropped with this task on stop(), which aborts every connection.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, peer)) = accepted else { continue };
                        let handler = SinkHandler { store: Arc::clone(&store), count: count.clone(), current: None };
                        connections.spawn(session(stream, peer.ip(), handler));
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        }));
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

fn bind(addr: SocketAddr) -> TcpListener {
    let socket = TcpSocket::new_v4().expect("socket");
    // Restarting on the same port must not wait for TIME_WAIT connections to expire.
    socket.set_reuseaddr(true).expect("SO_REUSEADDR");
    socket.bind(addr).expect("bind SMTP sink");
    socket.listen(64).expect("listen")
}

async fn session(stream: TcpStream, peer: IpAddr, handler: SinkHandler) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut session = SessionBuilder::new("smtp-sink.test").build(peer, handler);
    if write_response(&mut write, &session.greeting())
        .await
        .is_err()
    {
        return;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let response = session.process(&line);
        match response.action {
            Action::NoReply => {}
            Action::Reply => {
                if write_response(&mut write, &response).await.is_err() {
                    return;
                }
            }
            Action::Close | Action::UpgradeTls => {
                let _ = write_response(&mut write, &response).await;
                return;
            }
        }
    }
}

async fn write_response(
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    response: &Response,
) -> std::io::Result<()> {
    let bytes = response.buffer()?;
    write.write_all(&bytes).await?;
    write.flush().await
}

struct SinkHandler {
    store: Arc<Mutex<Store>>,
    count: watch::Sender<usize>,
    current: Option<ReceivedMail>,
}

impl SinkHandler {
    fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Handler for SinkHandler {
    fn rcpt(&mut self, _to: &str) -> Response {
        match self.store().rcpt_reply.clone() {
            Some((code, text)) => Response::custom(code, text),
            None => mailin::response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(ReceivedMail {
            mail_from: from.to_owned(),
            rcpt_to: to.to_vec(),
            data: Vec::new(),
        });
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(mail) = self.current.as_mut() {
            mail.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(mail) = self.current.take() {
            let total = {
                let mut store = self.store();
                store.messages.push(mail);
                store.messages.len()
            };
            self.count.send_replace(total);
        }
        mailin::response::OK
    }
}
