//! A private CA made in the test, and a TLS server on 127.0.0.1 whose certificate it signed.
//! The server answers every request with one user, then closes the connection.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// How often the accept loop looks at the stop flag.
const POLL: Duration = Duration::from_millis(20);
/// How long one connection may take before the server drops it.
const CONNECTION_LIMIT: Duration = Duration::from_secs(5);

/// A CA and a server certificate it signed for `127.0.0.1` and `localhost`.
pub struct PrivateCa {
    /// The CA's certificate, PEM: what a client must add to trust the server.
    pub ca_pem: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Vec<u8>,
}

impl PrivateCa {
    pub fn new() -> Self {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "clerk-moderation test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");

        let server_key = KeyPair::generate().expect("server key");
        let server_params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .expect("server params");
        let issuer = Issuer::from_params(&ca_params, &ca_key);
        let server_cert = server_params
            .signed_by(&server_key, &issuer)
            .expect("server certificate");
        Self {
            ca_pem: ca_cert.pem(),
            server_chain: vec![server_cert.der().clone()],
            server_key: server_key.serialize_der(),
        }
    }

    /// A TLS server on 127.0.0.1 presenting the certificate this CA signed, answering every
    /// request with a user.
    pub fn serve(&self) -> TlsServer {
        self.serve_answering(|_path| {
            let body = super::user_json("user_tls");
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
        })
    }

    /// The same server, answering a request for a path with `answer(path)`: a whole HTTP
    /// response, after which the connection is closed.
    pub fn serve_answering(&self, answer: fn(&str) -> String) -> TlsServer {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(self.server_chain.clone(), key)
            .expect("server config");
        TlsServer::start(Arc::new(config), answer)
    }
}

/// The server. Dropping it stops it and joins its thread.
pub struct TlsServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
    acceptor: Option<JoinHandle<()>>,
}

impl TlsServer {
    fn start(config: Arc<rustls::ServerConfig>, answer: fn(&str) -> String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let acceptor = {
            let (stop, requests) = (Arc::clone(&stop), Arc::clone(&requests));
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        // One connection at a time: the tests send one request each.
                        Ok((stream, _)) => {
                            if serve_one(stream, &config, answer).is_ok() {
                                requests.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                        Err(_) => std::thread::sleep(POLL),
                    }
                }
            })
        };
        Self {
            addr,
            stop,
            requests,
            acceptor: Some(acceptor),
        }
    }

    /// `https://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Requests read and answered over TLS.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// The handshake, one request head, one answer. Fails (and counts nothing) when the client
/// gives up in the handshake, as a client that does not trust the certificate does.
fn serve_one(
    stream: TcpStream,
    config: &Arc<rustls::ServerConfig>,
    answer: fn(&str) -> String,
) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_millis(500)))?;
    stream.set_write_timeout(Some(CONNECTION_LIMIT))?;
    let connection = rustls::ServerConnection::new(Arc::clone(config)).map_err(io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(connection, stream);
    let started = Instant::now();
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if started.elapsed() > CONNECTION_LIMIT {
            return Err(io::ErrorKind::TimedOut.into());
        }
        match tls.read(&mut chunk) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split(' ').nth(1).unwrap_or_default();
    tls.write_all(answer(path).as_bytes())?;
    tls.flush()?;
    tls.conn.send_close_notify();
    let _ = tls.flush();
    Ok(())
}
