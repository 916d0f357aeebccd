//! `GET /v1/users` and `GET /v1/users/count`: the spec's filters, ordering and pagination,
//! over users kept as JSON (so that users given with `--users` are filtered as they are).
//!
//! Read from the spec's text for each parameter (`paths./users.get.parameters`):
//! - list filters (`email_address`, `phone_number`, `username`, `web3_wallet`) match exactly
//!   (case-insensitively), at most 100 values each; `user_id`, `external_id` and
//!   `organization_id` take a `+` (include) or `-` (exclude) prefix, no prefix meaning include;
//! - `query` matches part of an email address, phone number, username, web3 wallet, user id,
//!   first or last name; the `*_query` parameters match part of their own field; all
//!   case-insensitive;
//! - `*_before` / `*_after` compare Unix milliseconds strictly; a user whose field is `null`
//!   (never signed in, say) matches neither;
//! - `provider` with `provider_user_id` matches external accounts; either alone is ignored;
//! - `limit` 1 to 500 (default 10), `offset` 0 or more, `order_by` one of the documented fields
//!   with an optional `+`/`-` (default `-created_at`), nulls last ascending and first descending;
//! - `starting_after` is the id of the last user of the previous page; it needs a `created_at`
//!   ordering and no `offset`, and an id that exists (else 422).
//!
//! Invalid values get Clerk's 422: `form_param_format_invalid` for a value of the wrong form,
//! `form_param_value_invalid` for a value out of range, with `meta.param_name`.
//! Unknown parameters are ignored.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::user_view::UserView;
use crate::decoder::QueryParams;

/// The most values a list filter accepts (the spec: "Accepts up to 100").
pub(crate) const MAX_FILTER_VALUES: usize = 100;
/// `limit` bounds and default.
const MAX_LIMIT: i64 = 500;
const DEFAULT_LIMIT: i64 = 10;

/// Why a parameter was refused: a 422 in Clerk's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParamError {
    /// `form_param_format_invalid` or `form_param_value_invalid`.
    pub(crate) code: &'static str,
    /// The parameter's name, for `meta.param_name`.
    pub(crate) param: String,
    /// The sentence for `long_message`.
    pub(crate) long_message: String,
}

impl ParamError {
    fn format(param: &str, expected: &str) -> Self {
        Self {
            code: "form_param_format_invalid",
            param: param.to_owned(),
            long_message: format!("{param} must be {expected}."),
        }
    }

    fn value(param: &str, why: &str) -> Self {
        Self {
            code: "form_param_value_invalid",
            param: param.to_owned(),
            long_message: format!("{param} {why}."),
        }
    }
}

/// Included and excluded values of a `+`/`-` filter.
#[derive(Debug, Default)]
struct Signed {
    include: Vec<String>,
    exclude: Vec<String>,
}

impl Signed {
    fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }

    /// True when one of `values` is included (or nothing is asked to be included) and none is
    /// excluded.
    fn admits<'a>(&self, values: impl Iterator<Item = &'a str> + Clone) -> bool {
        let included =
            self.include.is_empty() || values.clone().any(|v| self.include.iter().any(|i| i == v));
        let excluded = values
            .into_iter()
            .any(|v| self.exclude.iter().any(|e| e == v));
        included && !excluded
    }
}

/// Strict bounds on one timestamp field.
#[derive(Debug, Default, Clone, Copy)]
struct Between {
    after: Option<i64>,
    before: Option<i64>,
}

impl Between {
    fn is_open(&self) -> bool {
        self.after.is_none() && self.before.is_none()
    }

    fn admits(&self, value: Option<i64>) -> bool {
        if self.is_open() {
            return true;
        }
        let Some(value) = value else { return false };
        self.after.is_none_or(|after| value > after)
            && self.before.is_none_or(|before| value < before)
    }
}

/// Every filter of the list and count endpoints.
#[derive(Debug, Default)]
pub(crate) struct Filter {
    email_addresses: Vec<String>,
    phone_numbers: Vec<String>,
    usernames: Vec<String>,
    web3_wallets: Vec<String>,
    user_ids: Signed,
    external_ids: Signed,
    organization_ids: Signed,
    query: Option<String>,
    email_address_query: Option<String>,
    phone_number_query: Option<String>,
    username_query: Option<String>,
    name_query: Option<String>,
    banned: Option<bool>,
    created_at: Between,
    last_active_at: Between,
    last_sign_in_at: Between,
    provider: Option<(String, Vec<String>)>,
}

/// The documented `order_by` fields.
const ORDER_FIELDS: [&str; 10] = [
    "created_at",
    "updated_at",
    "email_address",
    "web3wallet",
    "first_name",
    "last_name",
    "phone_number",
    "username",
    "last_active_at",
    "last_sign_in_at",
];

/// Ordering and pagination of a list.
#[derive(Debug)]
pub(crate) struct Page {
    limit: usize,
    offset: usize,
    field: &'static str,
    descending: bool,
    starting_after: Option<String>,
}

/// The value of a parameter that takes one value: the spec declares a single integer, boolean
/// or string, so a repeated one is refused (only `order_by` is documented to keep its first).
fn single<'a>(params: &'a QueryParams, name: &'a str) -> Result<Option<&'a str>, ParamError> {
    let mut values = params.all(name);
    let first = values.next();
    if values.next().is_some() {
        return Err(ParamError::format(name, "given once"));
    }
    Ok(first)
}

/// Parses every filter.
pub(crate) fn parse_filter(params: &QueryParams) -> Result<Filter, ParamError> {
    let list = |name: &str| -> Result<Vec<String>, ParamError> {
        let values: Vec<String> = params.all(name).map(str::to_lowercase).collect();
        if values.len() > MAX_FILTER_VALUES {
            return Err(ParamError::value(
                name,
                &format!("accepts at most {MAX_FILTER_VALUES} values"),
            ));
        }
        Ok(values)
    };
    let signed = |name: &str| -> Result<Signed, ParamError> {
        let mut set = Signed::default();
        for value in params.all(name) {
            match value.strip_prefix('-') {
                Some(excluded) => set.exclude.push(excluded.to_owned()),
                None => set
                    .include
                    .push(value.strip_prefix('+').unwrap_or(value).to_owned()),
            }
        }
        if set.include.len() + set.exclude.len() > MAX_FILTER_VALUES {
            return Err(ParamError::value(
                name,
                &format!("accepts at most {MAX_FILTER_VALUES} values"),
            ));
        }
        Ok(set)
    };
    let text = |name: &str| -> Result<Option<String>, ParamError> {
        Ok(single(params, name)?
            .filter(|v| !v.is_empty())
            .map(str::to_lowercase))
    };
    let time = |name: &str| {
        single(params, name)?
            .map(|v| parse_int(name, v))
            .transpose()
    };
    // Every timestamp is checked, even one that another makes moot.
    let since = time("last_active_at_since")?;
    let banned = single(params, "banned")?
        .map(|v| parse_bool(v).ok_or_else(|| ParamError::format("banned", "true or false")))
        .transpose()?;
    let provider_user_ids = list("provider_user_id")?;
    let provider = single(params, "provider")?
        .filter(|_| !provider_user_ids.is_empty())
        .map(|p| (p.to_lowercase(), provider_user_ids));
    Ok(Filter {
        email_addresses: list("email_address")?,
        phone_numbers: list("phone_number")?,
        usernames: list("username")?,
        web3_wallets: list("web3_wallet")?,
        user_ids: signed("user_id")?,
        external_ids: signed("external_id")?,
        organization_ids: signed("organization_id")?,
        query: text("query")?,
        email_address_query: text("email_address_query")?,
        phone_number_query: text("phone_number_query")?,
        username_query: text("username_query")?,
        name_query: text("name_query")?,
        banned,
        created_at: Between {
            after: time("created_at_after")?,
            before: time("created_at_before")?,
        },
        last_active_at: Between {
            // `last_active_at_since` is the deprecated name of `last_active_at_after`.
            after: time("last_active_at_after")?.or(since),
            before: time("last_active_at_before")?,
        },
        last_sign_in_at: Between {
            after: time("last_sign_in_at_after")?,
            before: time("last_sign_in_at_before")?,
        },
        provider,
    })
}

/// Parses `limit`, `offset`, `order_by` and `starting_after`, and checks how they combine.
pub(crate) fn parse_page(params: &QueryParams) -> Result<Page, ParamError> {
    let limit = match single(params, "limit")? {
        None => DEFAULT_LIMIT,
        Some(v) => parse_int("limit", v)?,
    };
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ParamError::value(
            "limit",
            &format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let offset = match single(params, "offset")? {
        None => 0,
        Some(v) => parse_int("offset", v)?,
    };
    if offset < 0 {
        return Err(ParamError::value("offset", "must be 0 or more"));
    }
    let (field, descending) = match params.first("order_by") {
        None => ("created_at", true),
        Some(raw) => parse_order(raw).ok_or_else(|| {
            ParamError::value(
                "order_by",
                &format!(
                    "must be one of {} with an optional + or - before it",
                    ORDER_FIELDS.join(", ")
                ),
            )
        })?,
    };
    // An empty cursor is no cursor, as an empty filter value is no filter.
    let starting_after = single(params, "starting_after")?
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    if starting_after.is_some() {
        if field != "created_at" {
            return Err(ParamError::value(
                "starting_after",
                "needs the created_at ordering (order_by omitted, created_at, +created_at or -created_at)",
            ));
        }
        if offset != 0 {
            return Err(ParamError::value(
                "starting_after",
                "cannot be combined with a non-zero offset",
            ));
        }
    }
    Ok(Page {
        limit: usize::try_from(limit).unwrap_or(usize::MAX),
        offset: usize::try_from(offset).unwrap_or(usize::MAX),
        field,
        descending,
        starting_after,
    })
}

/// `[+-]?field`. A `+` a client forgot to percent-encode arrives as a space; take it as `+`.
fn parse_order(raw: &str) -> Option<(&'static str, bool)> {
    let (name, descending) = match raw.as_bytes().first() {
        Some(b'-') => (&raw[1..], true),
        Some(b'+' | b' ') => (&raw[1..], false),
        _ => (raw, false),
    };
    ORDER_FIELDS
        .iter()
        .find(|field| **field == name)
        .map(|field| (*field, descending))
}

/// An integer: an optional sign and digits. Values past `i64` saturate: the spec sets no
/// bound, and a timestamp in the year 300 million still compares correctly.
fn parse_int(param: &str, value: &str) -> Result<i64, ParamError> {
    let (negative, digits) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParamError::format(param, "an integer"));
    }
    Ok(match (digits.parse::<i64>(), negative) {
        (Ok(n), false) => n,
        (Ok(n), true) => -n,
        (Err(_), false) => i64::MAX,
        (Err(_), true) => i64::MIN,
    })
}

/// The spellings Go's `strconv.ParseBool` accepts, as Clerk's servers are written in Go.
fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

// ---- reading a user ------------------------------------------------------------------------

/// What the list reads of a user.
pub(crate) trait Listed {
    /// The user's view.
    fn view(&self) -> &UserView;
}

impl Listed for UserView {
    fn view(&self) -> &UserView {
        self
    }
}

fn contains_folded(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(needle)
}

/// True when no value is wanted, or one of `values` is (`wanted` is lower-cased already).
fn any_equal_folded<'a>(mut values: impl Iterator<Item = &'a str>, wanted: &[String]) -> bool {
    wanted.is_empty() || values.any(|v| wanted.contains(&v.to_lowercase()))
}

impl Filter {
    /// Whether `user` passes every filter.
    pub(crate) fn admits(&self, user: &UserView) -> bool {
        let emails = strs(&user.email_addresses.values);
        let phones = strs(&user.phone_numbers.values);
        let wallets = strs(&user.web3_wallets.values);
        let username = user.username.as_deref();
        let id = user.id.as_deref().unwrap_or_default();
        let first_name = user.first_name.as_deref();
        let last_name = user.last_name.as_deref();

        let exact = any_equal_folded(emails.clone(), &self.email_addresses)
            && any_equal_folded(phones.clone(), &self.phone_numbers)
            && any_equal_folded(username.into_iter(), &self.usernames)
            && any_equal_folded(wallets.clone(), &self.web3_wallets);
        let signed = self.user_ids.admits(std::iter::once(id))
            && (self.external_ids.is_empty()
                || self
                    .external_ids
                    .admits(user.external_id.as_deref().into_iter()))
            && self.organization_ids.admits(strs(&user.organization_ids));
        let partial = |query: &Option<String>, mut fields: Box<dyn Iterator<Item = &str> + '_>| {
            query
                .as_deref()
                .is_none_or(|q| fields.any(|field| contains_folded(field, q)))
        };
        let names = || first_name.into_iter().chain(last_name);
        let queries = partial(
            &self.query,
            Box::new(
                emails
                    .clone()
                    .chain(phones.clone())
                    .chain(username)
                    .chain(wallets)
                    .chain(std::iter::once(id))
                    .chain(names()),
            ),
        ) && partial(&self.email_address_query, Box::new(emails))
            && partial(&self.phone_number_query, Box::new(phones))
            && partial(&self.username_query, Box::new(username.into_iter()))
            && self.name_query.as_deref().is_none_or(|q| {
                names().any(|name| contains_folded(name, q))
                    || contains_folded(
                        &format!("{} {}", first_name.unwrap_or(""), last_name.unwrap_or("")),
                        q,
                    )
            });
        let state = self.banned.is_none_or(|banned| user.banned == Some(banned));
        let times = self.created_at.admits(user.created_at)
            && self.last_active_at.admits(user.last_active_at)
            && self.last_sign_in_at.admits(user.last_sign_in_at);
        let provider = self.provider.as_ref().is_none_or(|(provider, ids)| {
            user.external_accounts.iter().any(|(p, id)| {
                p.eq_ignore_ascii_case(provider)
                    && ids.iter().any(|wanted| id.eq_ignore_ascii_case(wanted))
            })
        });
        exact && signed && queries && state && times && provider
    }
}

/// The strings of `values` as `&str`.
fn strs(values: &[String]) -> impl Iterator<Item = &str> + Clone {
    values.iter().map(String::as_str)
}

// ---- ordering and pages --------------------------------------------------------------------

/// A user's value for an ordering: a number or a lower-cased text, or nothing.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SortValue {
    Number(i64),
    Text(String),
}

fn sort_value(user: &UserView, field: &str) -> Option<SortValue> {
    let text = |s: Option<&String>| s.map(|s| SortValue::Text(s.to_lowercase()));
    match field {
        "email_address" => text(user.email_addresses.primary.as_ref()),
        "phone_number" => text(user.phone_numbers.primary.as_ref()),
        "web3wallet" => text(user.web3_wallets.primary.as_ref()),
        "first_name" => text(user.first_name.as_ref()),
        "last_name" => text(user.last_name.as_ref()),
        "username" => text(user.username.as_ref()),
        _ => user.time(field).map(SortValue::Number),
    }
}

/// Ascending order with nulls last (so descending puts them first, as PostgreSQL does), ties
/// broken by creation time and then id, so every ordering is total and stable.
fn compare(a: &UserView, b: &UserView, field: &str) -> Ordering {
    let by_field = match (sort_value(a, field), sort_value(b, field)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    by_field
        .then_with(|| a.created_at.cmp(&b.created_at))
        .then_with(|| a.id.cmp(&b.id))
}

/// The page of users `filter` admits, ordered and cut as `page` says. `Err` when the
/// `starting_after` user does not exist.
pub(crate) fn list<'a, U: Listed>(
    users: &'a HashMap<String, U>,
    filter: &Filter,
    page: &Page,
) -> Result<Vec<&'a U>, ParamError> {
    let ordering = |a: &U, b: &U| {
        let ascending = compare(a.view(), b.view(), page.field);
        if page.descending {
            ascending.reverse()
        } else {
            ascending
        }
    };
    // The cursor is placed by its own sort position, not by its index among the matches: it
    // may no longer match the filter (a banned user unbanned between two pages of
    // `banned=true`), and the next page must still start right after it.
    let cursor = match &page.starting_after {
        None => None,
        Some(id) => Some(users.get(id).ok_or_else(|| {
            ParamError::value("starting_after", "must be the id of an existing user")
        })?),
    };
    let mut matching: Vec<&U> = users
        .values()
        .filter(|user| filter.admits(user.view()))
        .filter(|user| cursor.is_none_or(|cursor| ordering(user, cursor) == Ordering::Greater))
        .collect();
    matching.sort_by(|a, b| ordering(a, b));
    Ok(matching
        .into_iter()
        .skip(page.offset)
        .take(page.limit)
        .collect())
}

/// How many users `filter` admits.
pub(crate) fn count<U: Listed>(users: &HashMap<String, U>, filter: &Filter) -> usize {
    users
        .values()
        .filter(|user| filter.admits(user.view()))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn params(query: &str) -> QueryParams {
        QueryParams::parse(query)
    }

    fn user(id: &str, created_at: i64, extra: Value) -> (String, Value) {
        let mut user = json!({
            "id": id,
            "created_at": created_at,
            "first_name": null,
            "last_name": null,
            "username": null,
            "email_addresses": [],
            "banned": false,
        });
        if let (Value::Object(map), Value::Object(extra)) = (&mut user, extra) {
            map.extend(extra);
        }
        (id.to_owned(), user)
    }

    fn views(users: &HashMap<String, Value>) -> HashMap<String, UserView> {
        users
            .iter()
            .map(|(id, u)| (id.clone(), UserView::of(u)))
            .collect()
    }

    /// The ids of the page `query` asks for.
    fn run(users: &HashMap<String, Value>, query: &str) -> Result<Vec<String>, ParamError> {
        let p = params(query);
        let views = views(users);
        let page = list(&views, &parse_filter(&p)?, &parse_page(&p)?)?;
        Ok(page.iter().map(|u| u.id.clone().unwrap()).collect())
    }

    fn sample() -> HashMap<String, Value> {
        HashMap::from([
            user(
                "user_a",
                1,
                json!({"first_name": "Ada", "last_name": "Lovelace", "username": "ada",
                "email_addresses": [{"id": "e1", "email_address": "Ada@Example.com"}], "banned": true,
                "last_sign_in_at": 50, "external_id": "ext_1"}),
            ),
            user(
                "user_b",
                2,
                json!({"first_name": "Grace", "last_name": "Hopper", "username": "grace",
                "email_addresses": [{"id": "e2", "email_address": "grace@example.org"}],
                "organization_memberships": [{"organization": {"id": "org_1"}}]}),
            ),
            user(
                "user_c",
                3,
                json!({"first_name": "Alan", "last_name": "Turing",
                "phone_numbers": [{"phone_number": "+15550100"}], "last_sign_in_at": 70}),
            ),
        ])
    }

    #[test]
    fn default_order_is_newest_first_and_limit_applies() {
        let users = sample();
        assert_eq!(run(&users, "").unwrap(), ["user_c", "user_b", "user_a"]);
        assert_eq!(
            run(&users, "order_by=%2Bcreated_at&limit=2").unwrap(),
            ["user_a", "user_b"]
        );
        assert_eq!(
            run(&users, "order_by=created_at&offset=2").unwrap(),
            ["user_c"]
        );
        assert_eq!(
            run(&users, "order_by=first_name").unwrap(),
            ["user_a", "user_c", "user_b"]
        );
        // Nulls last ascending, first descending.
        assert_eq!(
            run(&users, "order_by=username").unwrap(),
            ["user_a", "user_b", "user_c"]
        );
        assert_eq!(
            run(&users, "order_by=-username").unwrap(),
            ["user_c", "user_b", "user_a"]
        );
    }

    #[test]
    fn filters() {
        check_filters(&sample());
    }

    fn check_filters(users: &HashMap<String, Value>) {
        let check = |query: &str, expected: &[&str]| {
            let mut got = run(users, query).unwrap();
            got.sort();
            assert_eq!(got, expected, "{query}");
            let p = params(query);
            assert_eq!(
                count(&views(users), &parse_filter(&p).unwrap()),
                expected.len(),
                "{query}"
            );
        };
        check("banned=true", &["user_a"]);
        check("banned=false", &["user_b", "user_c"]);
        check(
            "email_address=ada%40example.com&email_address=nobody%40x.y",
            &["user_a"],
        );
        check("username=GRACE", &["user_b"]);
        check("phone_number=%2B15550100", &["user_c"]);
        check("user_id=user_a&user_id=%2Buser_b", &["user_a", "user_b"]);
        check("user_id=-user_a", &["user_b", "user_c"]);
        check("external_id=ext_1", &["user_a"]);
        check("external_id=-ext_1", &["user_b", "user_c"]);
        check("organization_id=org_1", &["user_b"]);
        check("organization_id=-org_1", &["user_a", "user_c"]);
        check("organization_id=org_none", &[]);
        check("query=hop", &["user_b"]);
        check("query=USER_C", &["user_c"]);
        check("query=example", &["user_a", "user_b"]);
        check("email_address_query=ORG", &["user_b"]);
        check("username_query=ad", &["user_a"]);
        check("name_query=alan+tur", &["user_c"]);
        check("phone_number_query=555", &["user_c"]);
        check("created_at_after=1&created_at_before=3", &["user_b"]);
        check("last_sign_in_at_after=60", &["user_c"]);
        check("last_sign_in_at_before=60", &["user_a"]);
        check("last_active_at_after=0", &[]);
        check(
            "created_at_before=99999999999999999999999",
            &["user_a", "user_b", "user_c"],
        );
        check("provider=oauth_google", &["user_a", "user_b", "user_c"]);
        check("provider=oauth_google&provider_user_id=1", &[]);
        check("unknown_parameter=1", &["user_a", "user_b", "user_c"]);
    }

    #[test]
    fn cursor_pages_walk_everything_once_even_when_the_cursor_stops_matching() {
        let mut users: HashMap<String, Value> = (0..25)
            .map(|n| user(&format!("user_{n:02}"), n / 3, json!({"banned": true})))
            .collect();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..10 {
            let query = match &cursor {
                None => "banned=true&limit=10".to_owned(),
                Some(id) => format!("banned=true&limit=10&starting_after={id}"),
            };
            let page_ids = run(&users, &query).unwrap();
            // Unban the page, as a moderation run would, before asking for the next one.
            for id in &page_ids {
                users.get_mut(id).unwrap()["banned"] = false.into();
            }
            seen.extend(page_ids.clone());
            if page_ids.len() < 10 {
                break;
            }
            cursor = page_ids.last().cloned();
        }
        assert_eq!(seen.len(), 25);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 25);
    }

    #[test]
    fn invalid_parameters() {
        let users = sample();
        let error = |query: &str| run(&users, query).unwrap_err();
        for (query, code, param) in [
            ("limit=0", "form_param_value_invalid", "limit"),
            ("limit=501", "form_param_value_invalid", "limit"),
            ("limit=abc", "form_param_format_invalid", "limit"),
            ("limit=", "form_param_format_invalid", "limit"),
            ("offset=-1", "form_param_value_invalid", "offset"),
            ("offset=1.5", "form_param_format_invalid", "offset"),
            ("banned=yes", "form_param_format_invalid", "banned"),
            (
                "created_at_after=yesterday",
                "form_param_format_invalid",
                "created_at_after",
            ),
            ("order_by=password", "form_param_value_invalid", "order_by"),
            (
                "order_by=username&starting_after=user_a",
                "form_param_value_invalid",
                "starting_after",
            ),
            (
                "offset=1&starting_after=user_a",
                "form_param_value_invalid",
                "starting_after",
            ),
            (
                "starting_after=user_gone",
                "form_param_value_invalid",
                "starting_after",
            ),
        ] {
            let e = error(query);
            assert_eq!((e.code, e.param.as_str()), (code, param), "{query}");
        }
        let many = (0..101)
            .map(|n| format!("email_address=a{n}"))
            .collect::<Vec<_>>()
            .join("&");
        assert_eq!(error(&many).param, "email_address");
        assert!(
            run(&users, "limit=500&offset=99999999999999999999")
                .unwrap()
                .is_empty()
        );
        assert_eq!(parse_bool("T"), Some(true));
        // `order_by` keeps its first value, as documented; an empty cursor is no cursor.
        assert_eq!(
            run(&users, "order_by=created_at&order_by=bogus&starting_after=").unwrap(),
            ["user_a", "user_b", "user_c"]
        );
    }
}
