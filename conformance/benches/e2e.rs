//! End-to-end throughput and peak memory of the built-in adapters against the Clerk emulator on
//! loopback, beside raw hyper and raw ureq sending the same pre-built requests.
//!
//! Run: `cargo bench -p clerk-moderation-conformance --bench e2e` (a release build; prints
//! tables). The emulator runs as a separate process (the `clerk-emulator` binary, rate limit
//! off), so the client's CPU and memory are measured apart from the server's.
//!
//! Three phases:
//!
//! 1. **Sequential**: unbans one after the other over one keep-alive connection, through
//!    - raw hyper (hyper-util's legacy client, plain `HttpConnector`): pre-built requests,
//!      cloned per send, body read whole: the baseline;
//!    - `HyperTransport::send` with the same pre-built requests (the transport alone);
//!    - `AsyncClient<HyperTransport>::unban` (build, send, parse into `User`);
//!    - raw ureq (an `Agent`, same pre-built requests, body read whole): a second baseline;
//!    - raw ureq with a resolver that answers IP literals itself (a diagnostic: ureq's default
//!      resolver spawns a thread per request whenever a timeout is set);
//!    - `UreqTransport::send` with the same pre-built requests (ureq's default resolver: the
//!      transport uses ureq's stable API only);
//!    - `UreqTransport::send` over an agent with the IP-literal resolver: the transport as it
//!      was before it dropped its own resolver (ureq's `unversioned` API), for a before/after
//!      ratio taken in the same run;
//!    - `Client<UreqTransport>::unban`.
//! 2. **Concurrent**: raw hyper, `HyperTransport::send` and `AsyncClient<HyperTransport>` with
//!    8 and 64 requests in flight (workers on a 2-thread tokio runtime, each looping).
//! 3. **Peak RSS**: each of raw hyper, raw ureq, the hyper client and the ureq client in its own
//!    process (this bench re-executed with `E2E_CHILD` set), against a fresh emulator: `VmHWM`
//!    after 10 000 and after 100 000 sequential unbans.
//!
//! Every measurement runs against a fresh emulator process with fresh clients (the emulator logs
//! every request it serves, and slows down as that log grows), is preceded by a warm-up on its
//! own keep-alive connections, and is repeated for several rounds; the contenders are
//! interleaved round by round (the starting one rotating), so that noise on a shared machine
//! falls on all of them alike. Figures: the median over rounds, the min–max spread, and each
//! contender's ratio to its baseline taken within the same round (median of the per-round
//! ratios). CPU per request (client process, and the emulator process) comes from
//! `/proc/<pid>/stat`.
//!
//! Settings (environment variables, defaults in brackets):
//! `E2E_REQUESTS` [20000] requests per contender per round, `E2E_ROUNDS` [5], `E2E_WARMUP` [1000],
//! `E2E_CONCURRENCY` [8,64], `E2E_RSS_FIRST` [10000], `E2E_RSS_SECOND` [100000],
//! `E2E_USERS` [8] users seeded and cycled through, `E2E_MAX_SECS` [120] cap on any one
//! measurement, `E2E_PHASES` [seq,conc,rss], `E2E_LATENCY_MS` [0] the emulator's wait before
//! every answer (a stand-in for the network between a client and Clerk).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use clerk_moderation_core::{ApiConfig, Operation, SecretKey, UnbanUser, UserId};
use clerk_moderation_transports::hyper::HyperTransport;
use clerk_moderation_transports::ureq::UreqTransport;
use clerk_moderation_transports::{AsyncClient, AsyncTransport, Client, Transport};
use http::Request;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

mod support;
use support::{ChildGuard, EmulatorProcess, env_number, proc_cpu_secs, proc_status_kib};

// ---------------------------------------------------------------------------------------------
// Settings

#[derive(Debug, Clone)]
struct Settings {
    requests: usize,
    rounds: usize,
    warmup: usize,
    concurrency: Vec<usize>,
    rss_first: usize,
    rss_second: usize,
    users: usize,
    max_secs: u64,
    phases: Vec<String>,
    latency_ms: u64,
}

impl Settings {
    fn from_env() -> Self {
        let list = |name: &str, default: &str| -> Vec<String> {
            std::env::var(name)
                .unwrap_or_else(|_| default.to_owned())
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let settings = Self {
            requests: env_number("E2E_REQUESTS", 20_000).max(1),
            rounds: env_number("E2E_ROUNDS", 5).max(1),
            warmup: env_number("E2E_WARMUP", 1_000),
            concurrency: list("E2E_CONCURRENCY", "8,64")
                .iter()
                .map(|s| {
                    s.parse()
                        .expect("E2E_CONCURRENCY: numbers, comma-separated")
                })
                .filter(|&c: &usize| c > 0)
                .collect(),
            rss_first: env_number("E2E_RSS_FIRST", 10_000).max(1),
            rss_second: env_number("E2E_RSS_SECOND", 100_000).max(1),
            users: env_number("E2E_USERS", 8).max(1),
            max_secs: env_number("E2E_MAX_SECS", 120).max(1) as u64,
            phases: list("E2E_PHASES", "seq,conc,rss"),
            latency_ms: env_number("E2E_LATENCY_MS", 0) as u64,
        };
        assert!(
            settings.rss_second >= settings.rss_first,
            "E2E_RSS_SECOND must be at least E2E_RSS_FIRST"
        );
        settings
    }

    fn phase(&self, name: &str) -> bool {
        self.phases.iter().any(|p| p == name)
    }

    fn max_time(&self) -> Duration {
        Duration::from_secs(self.max_secs)
    }
}

// ---------------------------------------------------------------------------------------------
// What is sent

/// The config, the users and the pre-built unban requests (one per user), for every contender.
struct Target {
    config: ApiConfig,
    ids: Vec<UserId>,
    /// Built once with `UnbanUser::build_request`; cloned per send.
    requests: Vec<Request<Vec<u8>>>,
    /// The same requests with hyper's body type, for raw hyper.
    hyper_requests: Vec<Request<Full<Bytes>>>,
}

impl Target {
    fn new(base_url: &str, secret_key: &str, users: &[String]) -> Self {
        let config = ApiConfig::new(SecretKey::new(secret_key).expect("the emulator's key"))
            .with_base_url(base_url)
            .expect("the emulator's base URL");
        let ids: Vec<UserId> = users
            .iter()
            .map(|u| UserId::new(u).expect("a seeded user id"))
            .collect();
        let requests: Vec<Request<Vec<u8>>> = ids
            .iter()
            .map(|id| {
                UnbanUser::new(id.clone())
                    .build_request(&config)
                    .expect("builds")
            })
            .collect();
        let hyper_requests = requests
            .iter()
            .map(|r| r.clone().map(|body| Full::new(Bytes::from(body))))
            .collect();
        Self {
            config,
            ids,
            requests,
            hyper_requests,
        }
    }
}

/// Every client, built once per process, so keep-alive connections persist across rounds.
struct Clients {
    target: Target,
    raw_hyper: HyperClient<HttpConnector, Full<Bytes>>,
    hyper_transport: HyperTransport,
    hyper_client: AsyncClient<HyperTransport>,
    raw_ureq: ureq::Agent,
    raw_ureq_literal: ureq::Agent,
    ureq_transport: UreqTransport,
    ureq_transport_literal: UreqTransport,
    ureq_client: Client<UreqTransport>,
}

impl Clients {
    fn new(target: Target) -> Self {
        let raw_hyper = HyperClient::builder(TokioExecutor::new()).build_http();
        let hyper_transport = HyperTransport::new();
        let hyper_client = AsyncClient::new(target.config.clone(), hyper_transport.clone());
        let ureq_config = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(30)))
            .build();
        let raw_ureq = ureq::Agent::new_with_config(ureq_config.clone());
        let raw_ureq_literal = ureq::Agent::with_parts(
            ureq_config,
            ureq::unversioned::transport::DefaultConnector::new(),
            LiteralFirstResolver::default(),
        );
        let ureq_transport = UreqTransport::new();
        // The agent the transport built before: its timeouts (so that none is filled in per
        // request), and a resolver that answers IP literals at once.
        let before = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .proxy(None)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(30)))
            .build();
        let ureq_transport_literal = UreqTransport::from_agent(ureq::Agent::with_parts(
            before,
            ureq::unversioned::transport::DefaultConnector::new(),
            LiteralFirstResolver::default(),
        ))
        .expect("an agent without redirects or status errors");
        let ureq_client = Client::new(target.config.clone(), ureq_transport.clone());
        Self {
            target,
            raw_hyper,
            hyper_transport,
            hyper_client,
            raw_ureq,
            raw_ureq_literal,
            ureq_transport,
            ureq_transport_literal,
            ureq_client,
        }
    }
}

/// ureq's `DefaultResolver`, except that an IP-literal host is answered on the spot. The default
/// one resolves on every request (before looking in the pool) and, whenever a timeout applies,
/// does it on a freshly spawned thread so that it can give up in time.
#[derive(Debug, Default)]
struct LiteralFirstResolver(ureq::unversioned::resolver::DefaultResolver);

impl ureq::unversioned::resolver::Resolver for LiteralFirstResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let host = uri
            .host()
            .unwrap_or("")
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = uri.port_u16().or(match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        if let (Ok(ip), Some(port)) = (host.parse::<std::net::IpAddr>(), port) {
            let mut addrs = self.empty();
            addrs.push(std::net::SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        self.0.resolve(uri, config, timeout)
    }
}

// ---------------------------------------------------------------------------------------------
// Contenders

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Contender {
    RawHyper,
    HyperTransport,
    HyperClient,
    RawUreq,
    RawUreqLiteral,
    UreqTransport,
    UreqTransportLiteral,
    UreqClient,
}

impl Contender {
    const ALL: [Self; 8] = [
        Self::RawHyper,
        Self::HyperTransport,
        Self::HyperClient,
        Self::RawUreq,
        Self::RawUreqLiteral,
        Self::UreqTransport,
        Self::UreqTransportLiteral,
        Self::UreqClient,
    ];
    const HYPER: [Self; 3] = [Self::RawHyper, Self::HyperTransport, Self::HyperClient];
    const RSS: [Self; 4] = [
        Self::RawHyper,
        Self::HyperClient,
        Self::RawUreq,
        Self::UreqClient,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::RawHyper => "raw hyper (baseline)",
            Self::HyperTransport => "HyperTransport::send",
            Self::HyperClient => "AsyncClient<HyperTransport>::unban",
            Self::RawUreq => "raw ureq (2nd baseline)",
            Self::RawUreqLiteral => "raw ureq, IP-literal resolver (diagnostic)",
            Self::UreqTransport => "UreqTransport::send",
            Self::UreqTransportLiteral => "UreqTransport::send, IP-literal resolver (before)",
            Self::UreqClient => "Client<UreqTransport>::unban",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::RawHyper => "raw-hyper",
            Self::HyperTransport => "hyper-transport",
            Self::HyperClient => "hyper-client",
            Self::RawUreq => "raw-ureq",
            Self::RawUreqLiteral => "raw-ureq-literal",
            Self::UreqTransport => "ureq-transport",
            Self::UreqTransportLiteral => "ureq-transport-literal",
            Self::UreqClient => "ureq-client",
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }

    fn is_async(self) -> bool {
        matches!(
            self,
            Self::RawHyper | Self::HyperTransport | Self::HyperClient
        )
    }

    /// The raw client of the same family.
    fn family_baseline(self) -> Self {
        if self.is_async() {
            Self::RawHyper
        } else {
            Self::RawUreq
        }
    }
}

/// One measurement.
#[derive(Debug, Clone, Copy)]
struct Sample {
    done: usize,
    elapsed: Duration,
    client_cpu: f64,
    server_cpu: f64,
}

impl Sample {
    fn rate(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64()
    }

    fn client_us_per_request(&self) -> f64 {
        self.client_cpu * 1e6 / self.done as f64
    }

    fn server_us_per_request(&self) -> f64 {
        self.server_cpu * 1e6 / self.done as f64
    }
}

/// One blocking send of request `i`, through `contender`.
fn send_blocking(clients: &Clients, contender: Contender, i: usize) {
    let target = &clients.target;
    let n = target.ids.len();
    match contender {
        Contender::RawUreq | Contender::RawUreqLiteral => {
            let agent = if contender == Contender::RawUreq {
                &clients.raw_ureq
            } else {
                &clients.raw_ureq_literal
            };
            let response = agent
                .run(target.requests[i % n].clone())
                .expect("raw ureq: a response");
            let (parts, mut body) = response.into_parts();
            let bytes = body.read_to_vec().expect("raw ureq: the body");
            assert!(
                parts.status.is_success() && !bytes.is_empty(),
                "raw ureq: 200"
            );
        }
        Contender::UreqTransport | Contender::UreqTransportLiteral => {
            let transport = if contender == Contender::UreqTransport {
                &clients.ureq_transport
            } else {
                &clients.ureq_transport_literal
            };
            let response = transport
                .send(target.requests[i % n].clone())
                .expect("UreqTransport: a response");
            assert!(response.status().is_success() && !response.body().is_empty());
        }
        Contender::UreqClient => {
            let user = clients
                .ureq_client
                .unban(&target.ids[i % n])
                .expect("Client<UreqTransport>: unbanned");
            assert!(!user.banned);
        }
        _ => unreachable!("{contender:?} is async"),
    }
}

/// One async send of request `i`, through `contender`.
async fn send_async(clients: &Clients, contender: Contender, i: usize) {
    let target = &clients.target;
    let n = target.ids.len();
    match contender {
        Contender::RawHyper => {
            let response = clients
                .raw_hyper
                .request(target.hyper_requests[i % n].clone())
                .await
                .expect("raw hyper: a response");
            let (parts, body) = response.into_parts();
            let bytes = body
                .collect()
                .await
                .expect("raw hyper: the body")
                .to_bytes();
            assert!(
                parts.status.is_success() && !bytes.is_empty(),
                "raw hyper: 200"
            );
        }
        Contender::HyperTransport => {
            let response = clients
                .hyper_transport
                .send(target.requests[i % n].clone())
                .await
                .expect("HyperTransport: a response");
            assert!(response.status().is_success() && !response.body().is_empty());
        }
        Contender::HyperClient => {
            let user = clients
                .hyper_client
                .unban(&target.ids[i % n])
                .await
                .expect("AsyncClient<HyperTransport>: unbanned");
            assert!(!user.banned);
        }
        _ => unreachable!("{contender:?} is blocking"),
    }
}

/// Sends `count` requests through `contender` with `in_flight` at a time (1 for the blocking
/// ones), stopping early at `max_time`.
fn run(
    runtime: &tokio::runtime::Runtime,
    clients: &Arc<Clients>,
    contender: Contender,
    count: usize,
    in_flight: usize,
    max_time: Duration,
    server_pid: &str,
) -> Sample {
    let self_pid = "self";
    let cpu0 = proc_cpu_secs(self_pid).unwrap_or(0.0);
    let server0 = proc_cpu_secs(server_pid).unwrap_or(0.0);
    let start = Instant::now();
    let deadline = start + max_time;
    let done = if contender.is_async() {
        let next = Arc::new(AtomicUsize::new(0));
        runtime.block_on(async {
            let mut workers = tokio::task::JoinSet::new();
            for _ in 0..in_flight {
                let clients = Arc::clone(clients);
                let next = Arc::clone(&next);
                workers.spawn(async move {
                    let mut done = 0;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= count || Instant::now() > deadline {
                            break;
                        }
                        send_async(&clients, contender, i).await;
                        done += 1;
                    }
                    done
                });
            }
            let mut done = 0;
            // The whole measurement is bounded: a hung request cannot hang the bench.
            let all = async {
                while let Some(result) = workers.join_next().await {
                    done += result.expect("a worker panicked");
                }
            };
            if tokio::time::timeout(max_time + Duration::from_secs(30), all)
                .await
                .is_err()
            {
                panic!("{}: no progress within the time cap", contender.name());
            }
            done
        })
    } else {
        assert_eq!(in_flight, 1, "the blocking contenders run one at a time");
        let mut done = 0;
        while done < count && Instant::now() <= deadline {
            send_blocking(clients, contender, done);
            done += 1;
        }
        done
    };
    let elapsed = start.elapsed();
    if done < count {
        eprintln!(
            "warning: {} stopped after {done} of {count} requests (E2E_MAX_SECS)",
            contender.name()
        );
    }
    Sample {
        done: done.max(1),
        elapsed,
        client_cpu: proc_cpu_secs(self_pid).unwrap_or(0.0) - cpu0,
        server_cpu: proc_cpu_secs(server_pid).unwrap_or(0.0) - server0,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

// ---------------------------------------------------------------------------------------------
// Statistics and tables

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// Samples per contender, one per round, in round order.
struct Results {
    contenders: Vec<Contender>,
    samples: Vec<Vec<Sample>>,
}

impl Results {
    fn of(&self, contender: Contender) -> Option<&[Sample]> {
        let i = self.contenders.iter().position(|&c| c == contender)?;
        Some(&self.samples[i])
    }

    /// Median and spread of the per-round ratio `contender / baseline`.
    fn ratio(&self, contender: Contender, baseline: Contender) -> Option<(f64, f64, f64)> {
        let a = self.of(contender)?;
        let b = self.of(baseline)?;
        let mut ratios: Vec<f64> = a.iter().zip(b).map(|(a, b)| a.rate() / b.rate()).collect();
        let (lo, hi) = min_max(&ratios);
        Some((median(&mut ratios), lo, hi))
    }

    fn print(&self, title: &str) {
        println!("\n{title}");
        println!(
            "| contender | req/s median | req/s min–max | vs raw hyper | vs own raw | client CPU µs/req | server CPU µs/req |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (&contender, samples) in self.contenders.iter().zip(&self.samples) {
            let mut rates: Vec<f64> = samples.iter().map(Sample::rate).collect();
            let (lo, hi) = min_max(&rates);
            let med = median(&mut rates);
            let mut client: Vec<f64> = samples.iter().map(Sample::client_us_per_request).collect();
            let mut server: Vec<f64> = samples.iter().map(Sample::server_us_per_request).collect();
            let ratio_text = |baseline: Contender| match self.ratio(contender, baseline) {
                Some((m, lo, hi)) if contender != baseline => {
                    format!("{m:.3} ({lo:.3}–{hi:.3})")
                }
                Some(_) => "1".to_owned(),
                None => "–".to_owned(),
            };
            println!(
                "| {} | {med:.0} | {lo:.0}–{hi:.0} | {} | {} | {:.1} | {:.1} |",
                contender.name(),
                ratio_text(Contender::RawHyper),
                ratio_text(contender.family_baseline()),
                median(&mut client),
                median(&mut server),
            );
        }
    }
}

/// One measurement on a fresh emulator and fresh clients: warm-up (which also opens the
/// keep-alive connections), then `requests` timed requests.
///
/// Why fresh: the emulator keeps every request it receives (its request log, for tests), and
/// retains several KB for each, so a long-lived one slows down as the run goes on (page faults,
/// growing RSS) and would penalise whichever contender comes later.
fn measure(
    settings: &Settings,
    runtime: &tokio::runtime::Runtime,
    contender: Contender,
    in_flight: usize,
    emulator_peak_kib: &mut u64,
) -> Sample {
    let latency = settings.latency_ms.to_string();
    let emulator = EmulatorProcess::spawn(
        &[
            "--rate-limit",
            "0",
            "--seed",
            &settings.users.to_string(),
            "--latency",
            &latency,
        ],
        settings.users,
    );
    let server_pid = emulator.pid();
    let clients = Arc::new(Clients::new(Target::new(
        &emulator.base_url,
        &emulator.secret_key,
        &emulator.users,
    )));
    if settings.warmup > 0 {
        run(
            runtime,
            &clients,
            contender,
            settings.warmup,
            in_flight,
            settings.max_time(),
            &server_pid,
        );
    }
    let sample = run(
        runtime,
        &clients,
        contender,
        settings.requests,
        in_flight,
        settings.max_time(),
        &server_pid,
    );
    let kib = proc_status_kib(&server_pid, "VmHWM").unwrap_or(0);
    *emulator_peak_kib = (*emulator_peak_kib).max(kib);
    drop(clients);
    drop(emulator);
    sample
}

/// `rounds` rounds of every contender in turn (the first one rotating each round).
fn interleaved(
    settings: &Settings,
    runtime: &tokio::runtime::Runtime,
    contenders: &[Contender],
    in_flight: usize,
    emulator_peak_kib: &mut u64,
) -> Results {
    let in_flight_of = |c: Contender| if c.is_async() { in_flight } else { 1 };
    let mut samples = vec![Vec::with_capacity(settings.rounds); contenders.len()];
    for round in 0..settings.rounds {
        for k in 0..contenders.len() {
            let i = (round + k) % contenders.len();
            let c = contenders[i];
            let sample = measure(settings, runtime, c, in_flight_of(c), emulator_peak_kib);
            samples[i].push(sample);
        }
        eprint!(".");
    }
    eprintln!();
    Results {
        contenders: contenders.to_vec(),
        samples,
    }
}

// ---------------------------------------------------------------------------------------------
// Peak RSS, one process per contender

/// The child's side: `E2E_CHILD=<contender key>`, with the emulator's address, key and users
/// in `E2E_BASE_URL`, `E2E_SECRET_KEY`, `E2E_USER_IDS`. Prints one `rss` line.
fn rss_child(key: &str, settings: &Settings) {
    let contender = Contender::from_key(key).unwrap_or_else(|| panic!("unknown E2E_CHILD {key}"));
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is set"));
    let users: Vec<String> = var("E2E_USER_IDS").split(',').map(str::to_owned).collect();
    let target = Target::new(&var("E2E_BASE_URL"), &var("E2E_SECRET_KEY"), &users);
    let runtime = runtime();
    let clients = Arc::new(Clients::new(target));
    let start_kib = proc_status_kib("self", "VmHWM").unwrap_or(0);
    let first = run(
        &runtime,
        &clients,
        contender,
        settings.rss_first,
        1,
        settings.max_time(),
        "self",
    );
    let first_kib = proc_status_kib("self", "VmHWM").unwrap_or(0);
    let second = run(
        &runtime,
        &clients,
        contender,
        settings.rss_second - settings.rss_first,
        1,
        settings.max_time(),
        "self",
    );
    let second_kib = proc_status_kib("self", "VmHWM").unwrap_or(0);
    let rss_kib = proc_status_kib("self", "VmRSS").unwrap_or(0);
    println!(
        "rss {start_kib} {} {first_kib} {} {second_kib} {rss_kib} {:.0}",
        first.done,
        first.done + second.done,
        (first.done + second.done) as f64
            / (first.elapsed.as_secs_f64() + second.elapsed.as_secs_f64()),
    );
}

/// The parent's side: one fresh emulator and one child process per contender.
fn rss_phase(settings: &Settings) {
    let exe = std::env::current_exe().expect("the bench's own path");
    println!(
        "\nPeak RSS (VmHWM of the client process alone; one process per contender, sequential unbans)"
    );
    println!(
        "| contender | at start | after {} | after {} | ratio | req/s | emulator VmHWM after |",
        settings.rss_first, settings.rss_second
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for contender in Contender::RSS {
        let emulator = EmulatorProcess::spawn(
            &["--rate-limit", "0", "--seed", &settings.users.to_string()],
            settings.users,
        );
        let mut child = ChildGuard(
            Command::new(&exe)
                .env("E2E_CHILD", contender.key())
                .env("E2E_BASE_URL", &emulator.base_url)
                .env("E2E_SECRET_KEY", &emulator.secret_key)
                .env("E2E_USER_IDS", emulator.users.join(","))
                .env("E2E_RSS_FIRST", settings.rss_first.to_string())
                .env("E2E_RSS_SECOND", settings.rss_second.to_string())
                .env("E2E_MAX_SECS", settings.max_secs.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("the bench re-executes itself"),
        );
        let stdout = child.0.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("rss ") {
                    let _ = tx.send(line);
                    break;
                }
            }
        });
        // Two measurements, each capped at max_time, plus start-up.
        let line = rx
            .recv_timeout(settings.max_time() * 2 + Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("{}: the RSS child reported nothing", contender.name()));
        let emulator_kib = proc_status_kib(&emulator.pid(), "VmHWM").unwrap_or(0);
        let f: Vec<f64> = line
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse().expect("a number"))
            .collect();
        let [start, n1, hwm1, n2, hwm2, _rss, rate] = f[..] else {
            panic!("malformed child line {line:?}")
        };
        println!(
            "| {} | {:.1} MiB | {:.2} MiB ({n1:.0} req) | {:.2} MiB ({n2:.0} req) | {:.3} | {rate:.0} | {:.1} MiB |",
            contender.name(),
            start / 1024.0,
            hwm1 / 1024.0,
            hwm2 / 1024.0,
            hwm2 / hwm1,
            emulator_kib as f64 / 1024.0,
        );
        drop(child);
        drop(emulator);
    }
}

// ---------------------------------------------------------------------------------------------

fn main() {
    let settings = Settings::from_env();
    if let Ok(key) = std::env::var("E2E_CHILD") {
        rss_child(&key, &settings);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then run a smoke-sized
    // pass only, so that the test suite stays fast.
    let settings = if std::env::args().any(|a| a == "--bench") {
        settings
    } else {
        Settings {
            requests: 50,
            rounds: 1,
            warmup: 10,
            rss_first: 50,
            rss_second: 100,
            ..settings
        }
    };
    println!(
        "e2e: {} requests x {} rounds per contender (warm-up {}), {} users, in flight {:?}, release={}",
        settings.requests,
        settings.rounds,
        settings.warmup,
        settings.users,
        settings.concurrency,
        !cfg!(debug_assertions),
    );

    let runtime = runtime();
    let mut emulator_peak_kib = 0;
    if settings.phase("seq") {
        let results = interleaved(
            &settings,
            &runtime,
            &Contender::ALL,
            1,
            &mut emulator_peak_kib,
        );
        results.print("Sequential unbans over keep-alive (1 in flight)");
    }
    if settings.phase("conc") {
        for &in_flight in &settings.concurrency {
            let results = interleaved(
                &settings,
                &runtime,
                &Contender::HYPER,
                in_flight,
                &mut emulator_peak_kib,
            );
            results.print(&format!("hyper, {in_flight} requests in flight"));
        }
    }
    if emulator_peak_kib > 0 {
        println!(
            "\n(emulator process: largest VmHWM after one measurement, {} requests: {:.1} MiB)",
            settings.warmup + settings.requests,
            emulator_peak_kib as f64 / 1024.0
        );
    }
    drop(runtime);
    if settings.phase("rss") {
        rss_phase(&settings);
    }
}
