//! Times given to `--created-after` and the like, as Unix milliseconds (what Clerk's filters take):
//! a date (`2026-11-20`, midnight UTC), an RFC 3339 timestamp (`2026-11-20T08:30:00Z`,
//! `2026-11-20T08:30:00.250+01:00`), or Unix milliseconds (`1763596800000`).
//!
//! The calendar is the `time` crate's: its RFC 3339 parser is strict (seconds and an offset
//! required, `+01:00` with its colon, a leap second only where one can be), and a date is read
//! as that date's midnight UTC through the same parser. The one thing added here is the
//! separator: RFC 3339 allows `T`, `t` or a space there (section 5.6), and the crate takes any
//! byte, which would let a typo through.
//!
//! A bare number of fewer than 12 digits is refused: it is almost surely Unix *seconds*, which
//! read as milliseconds would mean a day in 1970 and select nearly everyone.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `YYYY-MM-DD`.
const DATE_LEN: usize = "YYYY-MM-DD".len();

/// Parses a time as Unix milliseconds (UTC).
pub fn parse_when(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        if text.len() < 12 {
            return Err(format!(
                "{text:?} looks like Unix seconds; give Unix milliseconds (13 digits, such as \
                 {text}000), a date (YYYY-MM-DD) or an RFC 3339 timestamp"
            ));
        }
        return text
            .parse()
            .map_err(|_| format!("{text:?} is too large for Unix milliseconds"));
    }
    let expected = |why: Option<&dyn std::fmt::Display>| {
        let why = why.map(|why| format!(" ({why})")).unwrap_or_default();
        format!(
            "{text:?} is not a date (YYYY-MM-DD), an RFC 3339 timestamp \
             (YYYY-MM-DDTHH:MM:SSZ or with an offset such as +01:00) or Unix milliseconds{why}"
        )
    };
    let parsed = if text.len() == DATE_LEN {
        OffsetDateTime::parse(&format!("{text}T00:00:00Z"), &Rfc3339)
    } else {
        if !matches!(text.as_bytes().get(DATE_LEN), Some(b'T' | b't' | b' ')) {
            return Err(expected(None));
        }
        OffsetDateTime::parse(text, &Rfc3339)
    };
    let parsed = parsed.map_err(|error| expected(Some(&error)))?;
    // Whole milliseconds, rounded down (towards the past, also before 1970), as Clerk keeps them.
    let millis = parsed.unix_timestamp_nanos().div_euclid(1_000_000);
    // Four-digit years keep this far inside an i64.
    i64::try_from(millis).map_err(|_| expected(None))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_MS: i64 = 86_400_000;

    #[test]
    fn dates_are_midnight_utc() {
        assert_eq!(parse_when("1970-01-01").unwrap(), 0);
        assert_eq!(parse_when("2026-11-20").unwrap(), 1_795_132_800_000);
        assert_eq!(parse_when("2000-02-29").unwrap(), 951_782_400_000);
        assert_eq!(parse_when("1969-12-31").unwrap(), -DAY_MS);
    }

    #[test]
    fn timestamps_with_offsets_and_fractions() {
        assert_eq!(
            parse_when("2026-11-20T00:00:00Z").unwrap(),
            1_795_132_800_000
        );
        assert_eq!(
            parse_when("2026-11-20T08:30:15.25Z").unwrap(),
            1_795_132_800_000 + (8 * 3600 + 30 * 60 + 15) * 1000 + 250
        );
        assert_eq!(
            parse_when("2026-11-20t01:00:00+01:00").unwrap(),
            1_795_132_800_000
        );
        assert_eq!(
            parse_when("2026-11-19 23:00:00.123456-01:00").unwrap(),
            1_795_132_800_000 + 123
        );
        // Before 1970 a fraction still rounds towards the past.
        assert_eq!(parse_when("1969-12-31T23:59:59.9995Z").unwrap(), -1);
        // A leap second, where one can be, is the last instant of its minute.
        assert_eq!(
            parse_when("2016-12-31T23:59:60Z").unwrap(),
            parse_when("2017-01-01").unwrap() - 1
        );
    }

    #[test]
    fn milliseconds_pass_and_seconds_are_refused() {
        assert_eq!(parse_when("1763596800000").unwrap(), 1_763_596_800_000);
        let seconds = parse_when("1763596800").unwrap_err();
        assert!(seconds.contains("Unix seconds"), "{seconds}");
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "2025-02-29",
            "2026-11-20T24:00:00Z",
            "2026-11-20T10:00:00",
            "2026-11-20T10:00Z",
            "2026-11-20T10:00:00.Z",
            "2026-11-20T10:00:00+0100",
            "2026-11-20X10:00:00Z",
            "2026-1-20",
            "-1763596800000",
            "99999999999999999999999",
        ] {
            assert!(parse_when(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn errors_say_which_forms_are_taken_and_what_was_wrong() {
        let error = parse_when("2026-02-30").unwrap_err();
        assert!(
            error.contains("\"2026-02-30\" is not a date (YYYY-MM-DD)") && error.contains("day"),
            "{error}"
        );
        let error = parse_when("2026-11-20T10:00:00").unwrap_err();
        assert!(error.contains("RFC 3339 timestamp"), "{error}");
        assert!(
            parse_when("2026-11-20T23:59:60Z").is_err(),
            "no leap second there"
        );
    }
}
