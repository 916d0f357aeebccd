//! A resolver for ureq that does not spawn a thread per request.
//!
//! ureq 3 resolves the host on every request, before it looks in its connection pool, and
//! whenever a timeout applies it does so on a freshly spawned thread (so that it can give up in
//! time). With keep-alive that is one thread and one DNS lookup per request for a connection
//! that is already open: measured in `BENCHMARKS.md`, it doubled the client's CPU per request.
//!
//! This resolver answers an IP-literal host at once, and keeps a host name's addresses for
//! [`CACHE_FOR`], deferring to ureq's own resolver (thread, timeout and all), or to one given to
//! the builder, on a miss. A failed lookup is not cached, and is marked as having happened
//! before sending (see [`crate::ureq_connect`]): ureq reports it as a plain I/O error.
//!
//! It uses ureq's `unversioned` resolver API, which may change in a minor release: the
//! workspace pins ureq to `~3.5` for that reason.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ::ureq::config::Config;
use ::ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ::ureq::unversioned::transport::NextTimeout;
use http::Uri;

use crate::ureq_connect::{BeforeSending, Stage};

/// How long a host name's addresses are reused: short enough to follow a DNS change within
/// half a minute, long enough that a busy client looks up once per interval, not per request.
pub(crate) const CACHE_FOR: Duration = Duration::from_secs(30);

/// The most host names kept; past it the cache starts over (a client of one API needs one).
const MAX_HOSTS: usize = 64;

/// IP literals at once, host names cached for [`CACHE_FOR`], `fallback` (ureq's resolver by
/// default) otherwise.
#[derive(Debug, Default)]
pub(crate) struct CachingResolver<R = DefaultResolver> {
    fallback: R,
    cache: Mutex<HashMap<(String, u16), (Instant, ResolvedSocketAddrs)>>,
}

impl<R: Resolver> CachingResolver<R> {
    /// A cache in front of `fallback`.
    pub(crate) fn new(fallback: R) -> Self {
        Self {
            fallback,
            cache: Mutex::default(),
        }
    }

    /// Looks up through the fallback, marking a failure as one before sending.
    fn look_up(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ::ureq::Error> {
        self.fallback
            .resolve(uri, config, timeout)
            .map_err(|e| BeforeSending::mark(Stage::Lookup, e))
    }
}

impl<R: Resolver> Resolver for CachingResolver<R> {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ::ureq::Error> {
        let host = uri
            .host()
            .unwrap_or("")
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = uri.port_u16().or_else(|| match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        let Some(port) = port else {
            return self.look_up(uri, config, timeout);
        };
        if let Ok(ip) = host.parse::<IpAddr>() {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = (host.to_ascii_lowercase(), port);
        let now = Instant::now();
        if let Some((at, addrs)) = self.lock().get(&key) {
            if now.duration_since(*at) < CACHE_FOR {
                return Ok(addrs.clone());
            }
        }
        let addrs = self.look_up(uri, config, timeout)?;
        let mut cache = self.lock();
        if cache.len() >= MAX_HOSTS {
            cache.clear();
        }
        cache.insert(key, (now, addrs.clone()));
        Ok(addrs)
    }
}

/// A resolver given to the builder, shared by the clones of the builder.
#[derive(Clone, Debug)]
pub(crate) struct SharedResolver(pub(crate) Arc<dyn Resolver>);

impl Resolver for SharedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ::ureq::Error> {
        self.0.resolve(uri, config, timeout)
    }
}

impl<R> CachingResolver<R> {
    /// The cache, even if a thread panicked while holding it (it holds only addresses).
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(String, u16), (Instant, ResolvedSocketAddrs)>> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(
        resolver: &CachingResolver,
        uri: &str,
    ) -> Result<ResolvedSocketAddrs, ::ureq::Error> {
        let config = Config::default();
        // No timeout: the fallback resolves on this thread.
        resolver.resolve(&uri.parse().unwrap(), &config, NextTimeout::default())
    }

    #[test]
    fn ip_literals_are_answered_without_a_lookup() {
        let resolver = CachingResolver::default();
        let v4 = resolve(&resolver, "http://127.0.0.1:8080/v1").unwrap();
        assert_eq!(&v4[..], ["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]);
        let v6 = resolve(&resolver, "https://[::1]/v1").unwrap();
        assert_eq!(&v6[..], ["[::1]:443".parse::<SocketAddr>().unwrap()]);
        assert!(resolver.lock().is_empty(), "literals are not cached");
    }

    #[test]
    fn host_names_are_cached() {
        let resolver = CachingResolver::default();
        let first = resolve(&resolver, "http://localhost:9/").unwrap();
        assert!(!first.is_empty());
        assert_eq!(resolver.lock().len(), 1);
        let second = resolve(&resolver, "http://LOCALHOST:9/").unwrap();
        assert_eq!(&first[..], &second[..]);
        assert_eq!(
            resolver.lock().len(),
            1,
            "host names are compared case-insensitively"
        );
    }

    /// Fails every lookup the way ureq's own resolver does when getaddrinfo fails.
    #[derive(Debug)]
    struct NoDns;

    impl Resolver for NoDns {
        fn resolve(
            &self,
            _uri: &Uri,
            _config: &Config,
            _timeout: NextTimeout,
        ) -> Result<ResolvedSocketAddrs, ::ureq::Error> {
            Err(::ureq::Error::Io(std::io::Error::other(
                "failed to lookup address information",
            )))
        }
    }

    #[test]
    fn a_failed_lookup_is_marked_and_not_cached() {
        let resolver = CachingResolver::new(NoDns);
        let config = Config::default();
        let uri: Uri = "https://clerk.invalid/v1".parse().unwrap();
        let error = resolver
            .resolve(&uri, &config, NextTimeout::default())
            .unwrap_err();
        let marked = BeforeSending::unmark(error).unwrap();
        assert_eq!(marked.stage, Stage::Lookup);
        assert!(resolver.lock().is_empty());
    }
}
