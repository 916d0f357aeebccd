//! Where the commands send and with which key: `CLERK_SECRET_KEY` (required) and `CLERK_API_URL`
//! (optional), read once; the banner that says which instance that is; and the client.

use clerk_moderation_core::{ApiConfig, EnvError, Instance, SECRET_KEY_VAR};
use clerk_moderation_transports::Client;
use clerk_moderation_transports::ureq::UreqTransport;

use crate::Failure;
use crate::output::note;

/// A list page of 500 full users can pass the transports' default 1 MiB cap (a user with a few
/// addresses and accounts is several KiB): `list` takes up to this much per answer.
const MAX_LIST_BODY: u64 = 64 * 1024 * 1024;

/// The config from the environment, or a usage error naming the variable at fault (never its
/// value). A key that is not `sk_…` is refused, and so is plain `http://` unless the host is
/// loopback (an emulator, a local proxy): here, before anything is sent.
pub fn config() -> Result<ApiConfig, Failure> {
    let config = ApiConfig::from_env().map_err(|error| {
        let mut message = error.to_string();
        if let Some(source) = std::error::Error::source(&error) {
            message.push_str(&format!(": {source}"));
        }
        if matches!(error, EnvError::Missing { .. }) && error.variable() == SECRET_KEY_VAR {
            message.push_str(
                ": export your instance's secret key (sk_live_... or sk_test_..., from the Clerk \
                 dashboard, API keys); `clerk-moderate demo` runs without one",
            );
        }
        Failure::usage(message)
    })?;
    // Clerk's secret keys start with `sk_`; anything else (a publishable key, a JWT, a key of
    // another service) would be sent as a bearer token to the API. Named, never shown.
    if !config.secret_key().expose_secret().starts_with("sk_") {
        return Err(Failure::usage(format!(
            "{SECRET_KEY_VAR} is not a Clerk secret key: those start with sk_ (sk_live_... for a \
             production instance, sk_test_... for a development one; the Clerk dashboard shows \
             them under API keys). Nothing was sent"
        )));
    }
    if !config.is_https() {
        let host = config
            .base_url()
            .parse::<http::Uri>()
            .ok()
            .and_then(|uri| uri.host().map(str::to_owned))
            .unwrap_or_default();
        if !clerk_moderation_transports::is_loopback_host(&host) {
            return Err(Failure::usage(format!(
                "CLERK_API_URL is plain http:// to {host}: only a loopback host (127.0.0.1, \
                 localhost, ::1) may be reached without HTTPS"
            )));
        }
    }
    Ok(config)
}

/// Says on stderr which instance the key is for and where requests go; never the key.
pub fn banner(config: &ApiConfig) {
    let instance = match config.secret_key().instance() {
        Instance::Production => "production instance (sk_live_ key)",
        Instance::Development => "development instance (sk_test_ key)",
        _ => {
            "unknown instance (the key is sk_ but neither sk_live_ nor sk_test_; paced as \
             development)"
        }
    };
    note(format_args!("{instance} at {}", config.base_url()));
}

/// A blocking client over ureq: HTTPS, or plain HTTP to a loopback host only (the transport
/// checks it on every send; `config` refused anything else already).
pub fn client(config: ApiConfig) -> Client<UreqTransport> {
    Client::new(
        config,
        UreqTransport::builder().allow_loopback_http(true).build(),
    )
}

/// [`client`] with room for pages of 500 full users.
pub fn list_client(config: ApiConfig) -> Client<UreqTransport> {
    Client::new(
        config,
        UreqTransport::builder()
            .allow_loopback_http(true)
            .max_body_size(MAX_LIST_BODY)
            .build(),
    )
}
