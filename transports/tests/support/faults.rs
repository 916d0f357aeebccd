//! A TCP server on 127.0.0.1 that misbehaves in one way on every connection, once it has read
//! the request head: for the fault matrix. Stops on drop; every loop is bounded in time.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(20);
/// The longest a connection is kept, stalls included.
const CONNECTION_LIMIT: Duration = Duration::from_secs(10);

/// What the server does after reading the request head.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// Resets the connection (SO_LINGER 0, then close): the client gets ECONNRESET.
    Reset,
    /// Closes the connection without a word.
    CloseEarly,
    /// Sends nothing until the server stops (or 10 s pass).
    Stall,
    /// Accepts the connection and then neither reads nor answers: a TLS client's handshake
    /// never completes.
    Silent,
    /// Answers with bytes that are not HTTP.
    Garbage,
    /// Answers 200 with a body of this many bytes.
    Oversized(usize),
}

pub struct FaultServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl FaultServer {
    pub fn start(fault: Fault) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut workers = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let stop = Arc::clone(&stop);
                            workers.push(std::thread::spawn(move || {
                                let _ = misbehave(stream, fault, &stop);
                            }));
                        }
                        Err(_) => std::thread::sleep(POLL),
                    }
                }
                for worker in workers {
                    let _ = worker.join();
                }
            })
        };
        Self {
            addr,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `https://127.0.0.1:{port}`.
    pub fn https_url(&self) -> String {
        format!("https://{}", self.addr)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn misbehave(mut stream: TcpStream, fault: Fault, stop: &AtomicBool) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(POLL))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let started = Instant::now();
    if let Fault::Silent = fault {
        while !stop.load(Ordering::SeqCst) && started.elapsed() < CONNECTION_LIMIT {
            std::thread::sleep(POLL);
        }
        return Ok(());
    }
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if stop.load(Ordering::SeqCst) || started.elapsed() > CONNECTION_LIMIT {
            return Ok(());
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e),
        }
    }
    match fault {
        Fault::Reset => {
            socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO))?;
            drop(stream);
        }
        Fault::CloseEarly => drop(stream),
        Fault::Silent | Fault::Stall => {
            while !stop.load(Ordering::SeqCst) && started.elapsed() < CONNECTION_LIMIT {
                std::thread::sleep(POLL);
            }
        }
        Fault::Garbage => {
            stream.write_all(b"this is not HTTP at all\r\n\r\n")?;
            stream.flush()?;
        }
        Fault::Oversized(size) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
            );
            stream.write_all(head.as_bytes())?;
            // The client stops reading at its cap and may reset: not an error here.
            let _ = stream.write_all(&vec![b' '; size]);
            let _ = stream.flush();
        }
    }
    Ok(())
}
