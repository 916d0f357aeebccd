//! The seven operations, and the configs to build their requests with.

use clerk_moderation_core::http::{Request, Response};
use clerk_moderation_core::{
    ApiConfig, BanUser, BanUsers, BuildError, GetUser, LockUser, MAX_BULK_USER_IDS, Operation,
    ResponseError, SecretKey, UnbanUser, UnbanUsers, UnlockUser, User, UserId,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use super::ids::{secret_key_string, user_id};

/// Any of the seven operations, so one property can cover them all.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnyOperation {
    /// `POST /v1/users/{user_id}/unlock`.
    UnlockUser(UnlockUser),
    /// `POST /v1/users/{user_id}/unban`.
    UnbanUser(UnbanUser),
    /// `POST /v1/users/{user_id}/lock`.
    LockUser(LockUser),
    /// `POST /v1/users/{user_id}/ban`.
    BanUser(BanUser),
    /// `GET /v1/users/{user_id}`.
    GetUser(GetUser),
    /// `POST /v1/users/ban`.
    BanUsers(BanUsers),
    /// `POST /v1/users/unban`.
    UnbanUsers(UnbanUsers),
}

/// What an [`AnyOperation`] answers with on success.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum AnyOutput {
    /// The user, from a single-user operation.
    User(Box<User>),
    /// The users, from a bulk operation.
    Users(Vec<User>),
}

impl AnyOperation {
    /// The operation's name (`Operation::NAME`), such as `unlock_user`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::UnlockUser(_) => UnlockUser::NAME,
            Self::UnbanUser(_) => UnbanUser::NAME,
            Self::LockUser(_) => LockUser::NAME,
            Self::BanUser(_) => BanUser::NAME,
            Self::GetUser(_) => GetUser::NAME,
            Self::BanUsers(_) => BanUsers::NAME,
            Self::UnbanUsers(_) => UnbanUsers::NAME,
        }
    }

    /// Whether this is one of the bulk operations.
    pub fn is_bulk(&self) -> bool {
        matches!(self, Self::BanUsers(_) | Self::UnbanUsers(_))
    }

    /// The user ids it acts on, in order (one for a single-user operation).
    pub fn user_ids(&self) -> Vec<&UserId> {
        match self {
            Self::UnlockUser(op) => vec![op.user_id()],
            Self::UnbanUser(op) => vec![op.user_id()],
            Self::LockUser(op) => vec![op.user_id()],
            Self::BanUser(op) => vec![op.user_id()],
            Self::GetUser(op) => vec![op.user_id()],
            Self::BanUsers(op) => op.user_ids().iter().collect(),
            Self::UnbanUsers(op) => op.user_ids().iter().collect(),
        }
    }

    /// The operation's `build_request`.
    pub fn build_request(&self, config: &ApiConfig) -> Result<Request<Vec<u8>>, BuildError> {
        match self {
            Self::UnlockUser(op) => op.build_request(config),
            Self::UnbanUser(op) => op.build_request(config),
            Self::LockUser(op) => op.build_request(config),
            Self::BanUser(op) => op.build_request(config),
            Self::GetUser(op) => op.build_request(config),
            Self::BanUsers(op) => op.build_request(config),
            Self::UnbanUsers(op) => op.build_request(config),
        }
    }

    /// The operation's `parse_response`.
    pub fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: Response<B>,
    ) -> Result<AnyOutput, ResponseError> {
        let one = |user: User| AnyOutput::User(Box::new(user));
        match self {
            Self::UnlockUser(op) => op.parse_response(response).map(one),
            Self::UnbanUser(op) => op.parse_response(response).map(one),
            Self::LockUser(op) => op.parse_response(response).map(one),
            Self::BanUser(op) => op.parse_response(response).map(one),
            Self::GetUser(op) => op.parse_response(response).map(one),
            Self::BanUsers(op) => op.parse_response(response).map(AnyOutput::Users),
            Self::UnbanUsers(op) => op.parse_response(response).map(AnyOutput::Users),
        }
    }
}

/// 1 to [`MAX_BULK_USER_IDS`] valid user ids (duplicates possible), mostly few.
pub fn bulk_user_ids() -> impl Strategy<Value = Vec<UserId>> + Clone {
    prop_oneof![
        4 => vec(user_id(), 1..=5),
        1 => vec(user_id(), 1..=MAX_BULK_USER_IDS),
        1 => vec(user_id(), MAX_BULK_USER_IDS..=MAX_BULK_USER_IDS),
    ]
}

/// Any of the seven operations with valid ids; the bulk ones with 1 to 50 ids.
pub fn any_operation() -> impl Strategy<Value = AnyOperation> + Clone {
    let bulk = |ids: Vec<UserId>, ban: bool| {
        let built = if ban {
            BanUsers::new(ids).map(AnyOperation::BanUsers)
        } else {
            UnbanUsers::new(ids).map(AnyOperation::UnbanUsers)
        };
        built.unwrap_or_else(|e| panic!("bulk_user_ids generated a list BanUsers refuses: {e}"))
    };
    prop_oneof![
        user_id().prop_map(|id| AnyOperation::UnlockUser(UnlockUser::new(id))),
        user_id().prop_map(|id| AnyOperation::UnbanUser(UnbanUser::new(id))),
        user_id().prop_map(|id| AnyOperation::LockUser(LockUser::new(id))),
        user_id().prop_map(|id| AnyOperation::BanUser(BanUser::new(id))),
        user_id().prop_map(|id| AnyOperation::GetUser(GetUser::new(id))),
        bulk_user_ids().prop_map(move |ids| bulk(ids, true)),
        bulk_user_ids().prop_map(move |ids| bulk(ids, false)),
    ]
}

/// How a generated config sets the `Clerk-API-Version` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiVersionChoice {
    /// Not touched: the default version is sent.
    Default,
    /// Set with `with_api_version` to this `YYYY-MM-DD`.
    Set(String),
    /// Left out with `without_api_version`.
    Omitted,
}

/// A base URL's parts: `{scheme}://{authority}{path_prefix}`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BaseUrl {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The host and optional port.
    pub authority: String,
    /// The path prefix, as given: empty, or starting with `/` (may end with `/`).
    pub path_prefix: String,
}

impl BaseUrl {
    /// The URL as given to `ApiConfig::with_base_url`.
    pub fn url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.path_prefix)
    }
}

/// Everything an [`ApiConfig`] is built from, kept in clear so that a property can check the
/// request against it. [`ConfigSpec::build`] makes the config.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigSpec {
    /// The secret key, in clear.
    pub secret: String,
    /// The base URL, or `None` for the default (`https://api.clerk.com`).
    pub base_url: Option<BaseUrl>,
    /// How the API version is set.
    pub api_version: ApiVersionChoice,
    /// The user agent given to `with_user_agent`, or `None` for the default.
    pub user_agent: Option<String>,
}

impl ConfigSpec {
    /// Builds the config with `ApiConfig::new` and the `with_…` methods this spec calls for.
    pub fn build(&self) -> Result<ApiConfig, BuildError> {
        let mut config = ApiConfig::new(SecretKey::new(&self.secret)?);
        if let Some(base) = &self.base_url {
            config = config.with_base_url(&base.url())?;
        }
        config = match &self.api_version {
            ApiVersionChoice::Default => config,
            ApiVersionChoice::Set(version) => config.with_api_version(version)?,
            ApiVersionChoice::Omitted => config.without_api_version(),
        };
        if let Some(agent) = &self.user_agent {
            config = config.with_user_agent(agent)?;
        }
        Ok(config)
    }

    /// The scheme requests go to.
    pub fn scheme(&self) -> &'static str {
        self.base_url.as_ref().map_or("https", |b| b.scheme)
    }

    /// The authority requests go to.
    pub fn authority(&self) -> &str {
        self.base_url
            .as_ref()
            .map_or("api.clerk.com", |b| b.authority.as_str())
    }

    /// The path prefix before `/v1`, as given (empty for the default base URL).
    pub fn path_prefix(&self) -> &str {
        self.base_url
            .as_ref()
            .map_or("", |b| b.path_prefix.as_str())
    }
}

/// A path prefix for a base URL: empty, or 1 to 3 segments of unreserved characters,
/// sub-delimiters and percent escapes (never `.` or `..`, and never ending in `v1`), with or
/// without a trailing `/`.
pub fn path_prefix() -> impl Strategy<Value = String> + Clone {
    let segment = prop_oneof![
        4 => "[A-Za-z0-9._~-]{1,10}",
        1 => "[A-Za-z0-9!$&'()*+,;=:@]{1,6}",
        1 => "[a-z]{1,4}%[0-9A-F]{2}",
    ]
    .prop_filter("not a dot segment", |s| s != "." && s != "..");
    prop_oneof![
        1 => Just(String::new()),
        3 => (vec(segment, 1..=3), any::<bool>()).prop_map(|(segments, trailing)| {
            let mut prefix = format!("/{}", segments.join("/"));
            if trailing {
                prefix.push('/');
            }
            prefix
        }),
    ]
    // A last segment `v1` names the API root itself (`https://api.clerk.com/v1`), not a prefix.
    .prop_filter("a last segment of v1 is the API root", |prefix| {
        prefix.trim_end_matches('/').rsplit('/').next() != Some("v1")
    })
}

/// A `Clerk-API-Version` value: a `YYYY-MM-DD` date (not necessarily a real day; the header
/// is a date-shaped string).
pub fn api_version() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        (2020u32..=2030, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
    ]
}

/// A [`BaseUrl`]: `http` or `https`, a name, IPv4 or IPv6 host, an optional port and a
/// [`path_prefix`].
pub fn base_url() -> impl Strategy<Value = BaseUrl> + Clone {
    let host = prop::sample::select(
        &[
            "api.clerk.com",
            "127.0.0.1",
            "localhost",
            "[::1]",
            "clerk-proxy.internal",
            "emulator.test",
        ][..],
    );
    (
        prop::sample::select(&["http", "https"][..]),
        host,
        option::of(1u16..),
        path_prefix(),
    )
        .prop_map(|(scheme, host, port, path_prefix)| BaseUrl {
            scheme,
            authority: match port {
                Some(port) => format!("{host}:{port}"),
                None => host.to_owned(),
            },
            path_prefix,
        })
}

/// A [`ConfigSpec`]: a generated secret key; the default base URL or a [`base_url`]; the
/// default API version, a generated one, or none; the default user agent or a generated one.
pub fn config_spec() -> impl Strategy<Value = ConfigSpec> + Clone {
    let version = prop_oneof![
        1 => Just(ApiVersionChoice::Default),
        2 => api_version().prop_map(ApiVersionChoice::Set),
        1 => Just(ApiVersionChoice::Omitted),
    ];
    (
        secret_key_string(),
        option::weighted(0.75, base_url()),
        version,
        option::of("[!-~][ -~]{0,30}[!-~]"),
    )
        .prop_map(|(secret, base_url, api_version, user_agent)| ConfigSpec {
            secret,
            base_url,
            api_version,
            user_agent,
        })
}
