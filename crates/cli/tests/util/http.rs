//! A loopback HTTP/1.1 server for download tests: serves files from memory on 127.0.0.1,
//! honours `Range: bytes=N-`, logs every request, and misbehaves when told to.
//!
//! One connection at a time, each answered with `Connection: close`. Shared by the CLI's
//! integration tests (`mod util`) and the downloader's unit tests (`#[path]`).

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// How to answer one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// The file, or the range asked for (206), or 416 past its end.
    Serve,
    /// The whole file with 200, whatever range was asked for.
    IgnoreRange,
    /// 404 Not Found.
    NotFound,
    /// As `Serve` (headers announce the full length), but only the first `k` bytes of the
    /// body are sent before the connection is closed.
    CloseAfter(usize),
    /// These bytes, with 200, instead of the file.
    Body(Vec<u8>),
}

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// The request path, e.g. `/mnist/t10k-labels-idx1-ubyte.gz`.
    pub path: String,
    /// The `Range` header, if any.
    pub range: Option<String>,
}

#[derive(Default)]
struct State {
    files: HashMap<String, Vec<u8>>,
    scripts: HashMap<String, VecDeque<Reply>>,
    log: Vec<Logged>,
}

/// A running server; it lives as long as the test process.
pub struct Server {
    url: String,
    state: Arc<Mutex<State>>,
}

impl Server {
    /// Starts a server on a free port of 127.0.0.1.
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("bound address"));
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                // A client that hangs up early is its own business.
                let _ = answer(stream, &shared);
            }
        });
        Server { url, state }
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Serves `body` at `path` (starting with `/`).
    pub fn file(&self, path: &str, body: Vec<u8>) {
        self.state
            .lock()
            .expect("server state")
            .files
            .insert(path.to_string(), body);
    }

    /// Answers the next requests for `path` with `replies`, in order; `Serve` after them.
    pub fn script(&self, path: &str, replies: Vec<Reply>) {
        self.state
            .lock()
            .expect("server state")
            .scripts
            .insert(path.to_string(), replies.into());
    }

    /// Every request so far, in order.
    pub fn log(&self) -> Vec<Logged> {
        self.state.lock().expect("server state").log.clone()
    }
}

fn answer(stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut first = String::new();
    reader.read_line(&mut first)?;
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("range") {
                range = Some(value.trim().to_string());
            }
        }
    }
    let (body, reply) = {
        let mut s = state.lock().expect("server state");
        s.log.push(Logged {
            path: path.clone(),
            range: range.clone(),
        });
        let reply = s
            .scripts
            .get_mut(&path)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Reply::Serve);
        (s.files.get(&path).cloned(), reply)
    };
    let mut out = stream;
    let Some(body) = body else {
        return respond(&mut out, "404 Not Found", &[], b"no such file", None);
    };
    let start = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<usize>().ok());
    let len = body.len();
    match (reply, start) {
        (Reply::NotFound, _) => respond(&mut out, "404 Not Found", &[], b"not here", None),
        (Reply::Body(bytes), _) => respond(&mut out, "200 OK", &[], &bytes, None),
        (Reply::IgnoreRange, _) | (Reply::Serve, None) => {
            respond(&mut out, "200 OK", &[], &body, None)
        }
        (Reply::CloseAfter(k), None) => respond(&mut out, "200 OK", &[], &body, Some(k)),
        (Reply::Serve | Reply::CloseAfter(_), Some(n)) if n >= len => {
            let cr = format!("Content-Range: bytes */{len}");
            respond(&mut out, "416 Range Not Satisfiable", &[&cr], b"", None)
        }
        (reply, Some(n)) => {
            let cut = match reply {
                Reply::CloseAfter(k) => Some(k),
                _ => None,
            };
            let cr = format!("Content-Range: bytes {n}-{}/{len}", len - 1);
            respond(&mut out, "206 Partial Content", &[&cr], &body[n..], cut)
        }
    }
}

/// Writes a response announcing `body.len()` bytes, then the body or its first `cut` bytes.
fn respond(
    out: &mut TcpStream,
    status: &str,
    headers: &[&str],
    body: &[u8],
    cut: Option<usize>,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    let sent = cut.map_or(body.len(), |k| k.min(body.len()));
    out.write_all(&body[..sent])?;
    out.flush()?;
    out.shutdown(std::net::Shutdown::Both)
}
