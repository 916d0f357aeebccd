//! Times given to `--created-after` and the like, as Unix milliseconds (what Clerk's filters take):
//! a date (`2026-11-20`, midnight UTC), an RFC 3339 timestamp (`2026-11-20T08:30:00Z`,
//! `2026-11-20T08:30:00.250+01:00`), or Unix milliseconds (`1763596800000`).
//!
//! A bare number of fewer than 12 digits is refused: it is almost surely Unix *seconds*, which
//! read as milliseconds would mean a day in 1970 and select nearly everyone.

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
    let expected = || {
        format!(
            "{text:?} is not a date (YYYY-MM-DD), an RFC 3339 timestamp \
             (YYYY-MM-DDTHH:MM:SSZ or with an offset such as +01:00) or Unix milliseconds"
        )
    };
    let bytes = text.as_bytes();
    let date = bytes.get(..10).ok_or_else(expected)?;
    let days = parse_date(date).ok_or_else(expected)?;
    if bytes.len() == 10 {
        return Ok(days * DAY_MS);
    }
    // RFC 3339 allows a space or a lowercase `t` for `T` (section 5.6, note).
    if !matches!(bytes[10], b'T' | b't' | b' ') {
        return Err(expected());
    }
    let ms_of_day = parse_time_and_offset(&bytes[11..]).ok_or_else(expected)?;
    Ok(days * DAY_MS + ms_of_day)
}

const DAY_MS: i64 = 86_400_000;

/// `YYYY-MM-DD` as days since 1970-01-01.
fn parse_date(bytes: &[u8]) -> Option<i64> {
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = digits(&bytes[0..4])?;
    let month = digits(&bytes[5..7])?;
    let day = digits(&bytes[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// `HH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` as milliseconds since midnight UTC (may be negative or
/// past a day, by the offset).
fn parse_time_and_offset(bytes: &[u8]) -> Option<i64> {
    if bytes.len() < 9 || bytes[2] != b':' || bytes[5] != b':' {
        return None;
    }
    let hour = digits(&bytes[0..2])?;
    let minute = digits(&bytes[3..5])?;
    // 60 is a leap second: counted as the last millisecond of its minute, as Clerk cannot say
    // anything finer.
    let second = digits(&bytes[6..8])?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &bytes[8..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let len = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        // Milliseconds: the first three digits, the rest cut.
        let mut padded = [b'0'; 3];
        for (slot, digit) in padded.iter_mut().zip(&fraction[..len]) {
            *slot = *digit;
        }
        millis = digits(&padded)?;
        rest = &fraction[len..];
    }
    let offset_minutes = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = hours * 60 + minutes;
            if *sign == b'+' { total } else { -total }
        }
        _ => return None,
    };
    let local = ((hour * 60 + minute) * 60 + second.min(59)) * 1000
        + if second == 60 { 999 } else { millis };
    Some(local - offset_minutes * 60_000)
}

/// ASCII digits as a number.
fn digits(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0, |n, b| n * 10 + i64::from(b - b'0')))
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
/// `days_from_civil` algorithm: years start in March so that the leap day comes last).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
