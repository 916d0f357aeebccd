//! The transport kit: runs a fixed list of scenarios against a fresh emulator through any
//! [`Transport`] or [`AsyncTransport`], and returns a typed report instead of panicking.
//!
//! Every scenario sends one request straight through the transport (no retries, no client),
//! then checks what came back and, where it matters, what the emulator saw: a transport passes
//! when it delivers requests unaltered, returns every status as a response (redirects
//! included, never followed), fails loudly on resets, truncation and oversized bodies, and
//! never puts the secret key in an error.
//!
//! ```no_run
//! use clerk_moderation_conformance::kit;
//! use clerk_moderation_transports::ureq::UreqTransport;
//!
//! let transport = UreqTransport::new();
//! let report = kit::check_blocking(&transport).expect("the emulator starts");
//! println!("{report}");
//! assert!(report.passed(), "{report}");
//! ```

mod report;
mod scenarios;

use clerk_moderation_core::http::{Request, Response};
use clerk_moderation_core::{ApiConfig, AsyncTransport, SecretKey, Transport};

use crate::emulator::Emulator;
pub use report::{KitReport, ScenarioResult};
pub use scenarios::Scenario;
use scenarios::Sent;

/// Runs every [`Scenario`] through a blocking transport against a fresh emulator.
///
/// The transport must be able to speak plain HTTP to 127.0.0.1 (the emulator's address): the
/// requests carry the core's [`LoopbackHttp`](clerk_moderation_core::LoopbackHttp) mark, which
/// the built-in transports honour as they come.
pub fn check_blocking<T: Transport>(transport: &T) -> std::io::Result<KitReport> {
    let harness = Harness::start()?;
    let mut results = Vec::with_capacity(Scenario::ALL.len());
    for &scenario in Scenario::ALL {
        let prepared = scenario.prepare(&harness.emulator, &harness.config);
        let sent = Sent::from_result(transport.send(prepared.request));
        results.push(harness.finish(scenario, prepared.verify, sent));
    }
    Ok(KitReport::new(results))
}

/// Runs every [`Scenario`] through an async transport against a fresh emulator.
///
/// The emulator runs on its own thread, so this works under any executor.
pub async fn check_async<T: AsyncTransport>(transport: &T) -> std::io::Result<KitReport> {
    let harness = Harness::start()?;
    let mut results = Vec::with_capacity(Scenario::ALL.len());
    for &scenario in Scenario::ALL {
        let prepared = scenario.prepare(&harness.emulator, &harness.config);
        let sent = Sent::from_result(transport.send(prepared.request).await);
        results.push(harness.finish(scenario, prepared.verify, sent));
    }
    Ok(KitReport::new(results))
}

/// The emulator a run talks to, and the config that points at it.
struct Harness {
    emulator: Emulator,
    config: ApiConfig,
}

impl Harness {
    fn start() -> std::io::Result<Self> {
        let emulator = Emulator::builder().no_rate_limit().start()?;
        let invalid = |e: clerk_moderation_core::BuildError| std::io::Error::other(e.to_string());
        let config = ApiConfig::new(SecretKey::new(emulator.secret_key()).map_err(invalid)?)
            .with_base_url(&emulator.base_url())
            .map_err(invalid)?;
        Ok(Self { emulator, config })
    }

    /// Checks one scenario's outcome, then leaves the emulator clean for the next one.
    fn finish(&self, scenario: Scenario, verify: scenarios::Verify, sent: Sent) -> ScenarioResult {
        let secret = self.emulator.secret_key();
        let outcome = match &sent {
            Sent::Failed(message) if message.contains(secret) => Err(format!(
                "the transport error shows the secret key: {}",
                message.replace(secret, "<secret>")
            )),
            _ => verify(&self.emulator, sent),
        };
        self.emulator.clear_faults();
        self.emulator.clear_requests();
        let (passed, got) = match outcome {
            Ok(got) => (true, got),
            Err(got) => (false, got),
        };
        ScenarioResult {
            scenario,
            expected: scenario.expected(),
            got,
            passed,
        }
    }
}

/// A request a scenario sends, and what it expects back.
struct Prepared {
    request: Request<Vec<u8>>,
    verify: scenarios::Verify,
}

impl Sent {
    fn from_result<E: std::fmt::Display>(result: Result<Response<Vec<u8>>, E>) -> Self {
        match result {
            Ok(response) => Sent::Response(response),
            Err(error) => Sent::Failed(error.to_string()),
        }
    }
}
