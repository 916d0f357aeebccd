//! Conformance tooling for clerk-moderation: the means to check that a client of Clerk's
//! user-moderation Backend API, or a transport for one, does what Clerk expects.
//!
//! - [`emulator`]: a real HTTP/1.1 server on 127.0.0.1 that keeps users with their ban and lock
//!   state, checks the bearer key and the `Clerk-API-Version` header, answers in Clerk's error
//!   shapes, enforces a rate limit, records every request and injects faults on request. Also a
//!   binary, `clerk-emulator`.
//! - [`decoder`]: a request decoder written apart from the core's builder, so that round trips
//!   through both check something.
//! - [`strategies`]: proptest strategies for every model type (with drift: unknown fields,
//!   `null` versus missing, unknown enum values), errors, operations, user ids (valid and
//!   hostile), statuses, headers and bodies. Feature `strategies` (on by default): without it
//!   the crate compiles no proptest.
//! - [`redis_server`]: a real `redis-server` of a test's own, for shared-budget tests.
//! - [`kit`]: runs a fixed list of scenarios through any `Transport` or `AsyncTransport` against
//!   a fresh emulator and returns a typed report.
//!
//! ```
//! use clerk_moderation_conformance::emulator::Emulator;
//! use clerk_moderation_core::{ApiConfig, SecretKey, UnbanUser, UserId};
//! use clerk_moderation_transports::Client;
//! use clerk_moderation_transports::ureq::UreqTransport;
//!
//! let emulator = Emulator::start().unwrap();
//! let banned = UserId::new(emulator.seed_banned_user()).unwrap();
//! let config = ApiConfig::new(SecretKey::new(emulator.secret_key()).unwrap())
//!     .with_base_url(&emulator.base_url())
//!     .unwrap();
//! let client = Client::new(config, UreqTransport::new());
//! let user = client.unban(&banned).unwrap();
//! assert!(!user.banned);
//! assert_eq!(emulator.requests()[0].path, format!("/v1/users/{banned}/unban"));
//! emulator.shutdown();
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod decoder;
pub mod emulator;
pub mod kit;
pub mod redis_server;
#[cfg(feature = "strategies")]
#[cfg_attr(docsrs, doc(cfg(feature = "strategies")))]
pub mod strategies;

/// The workspace README's examples, compiled as doctests (this crate sees every other one).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct WorkspaceReadmeDoctests;
