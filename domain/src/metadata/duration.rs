//! Running times as providers write them: ISO 8601 durations (IMDb's `PT2H16M`) and OMDb's
//! `136 min`.

/// Minutes in an ISO 8601 duration such as `PT2H16M`, `PT136M`, `P1DT2H` or `PT45S`, rounded
/// to the nearest minute (half a minute rounds up). Weeks and days are read; years and months
/// are refused because their length is not fixed. A fraction is allowed on the last number
/// only, as the standard says (`PT1.5H`). None for anything else, or past `u32` minutes.
pub fn parse_iso8601_minutes(text: &str) -> Option<u32> {
    let rest = text.trim().to_ascii_uppercase();
    let rest = rest.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) if !time.is_empty() => (date, Some(time)),
        Some(_) => return None,
        None => (rest, None),
    };
    const SECOND: u64 = 1000;
    let mut millis = components(date, &[('W', 7 * 86_400 * SECOND), ('D', 86_400 * SECOND)])?;
    if let Some(time) = time {
        let time = components(
            time,
            &[('H', 3600 * SECOND), ('M', 60 * SECOND), ('S', SECOND)],
        )?;
        millis = millis.checked_add(time)?;
    }
    if date.is_empty() && time.is_none() {
        return None;
    }
    u32::try_from(millis.checked_add(30 * SECOND)? / (60 * SECOND)).ok()
}

/// The milliseconds in `text`, a run of `<number><designator>` with designators in the order
/// of `units` (each at most once); "" is 0.
fn components(text: &str, units: &[(char, u64)]) -> Option<u64> {
    let mut total: u64 = 0;
    let mut next_unit = 0;
    let mut rest = text;
    let mut had_fraction = false;
    while !rest.is_empty() {
        if had_fraction {
            return None;
        }
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))?;
        let (number, tail) = rest.split_at(end);
        let designator = tail.chars().next()?;
        let offset = units[next_unit..]
            .iter()
            .position(|(d, _)| *d == designator)?;
        let unit = units[next_unit + offset].1;
        next_unit += offset + 1;
        let (whole, fraction) = match number.split_once(['.', ',']) {
            Some((whole, fraction)) => {
                had_fraction = true;
                (whole, fraction)
            }
            None => (number, ""),
        };
        if whole.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let whole: u64 = whole.parse().ok()?;
        // Three digits of a fraction are more than a minute's rounding needs.
        let digits = fraction.get(..fraction.len().min(3)).unwrap_or("");
        let part = if digits.is_empty() {
            0
        } else {
            let scale = 10u64.pow(digits.len() as u32);
            digits.parse::<u64>().ok()? * unit / scale
        };
        total = total.checked_add(whole.checked_mul(unit)?.checked_add(part)?)?;
        rest = &tail[designator.len_utf8()..];
    }
    Some(total)
}

/// Minutes in OMDb's `Runtime` ("136 min"); also reads "2 h 16 min" and a bare "136".
/// None for "N/A" and anything else.
pub fn parse_omdb_runtime(text: &str) -> Option<u32> {
    let mut total: u32 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if end == 0 {
            return None;
        }
        let number: u32 = rest[..end].parse().ok()?;
        let tail = rest[end..].trim_start();
        let unit_end = tail
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(tail.len());
        let factor = match tail[..unit_end].to_ascii_lowercase().as_str() {
            "" | "m" | "min" | "mins" | "minute" | "minutes" => 1,
            "h" | "hr" | "hrs" | "hour" | "hours" => 60,
            _ => return None,
        };
        total = total.checked_add(number.checked_mul(factor)?)?;
        rest = tail[unit_end..].trim_start();
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations_as_imdb_writes_them() {
        assert_eq!(parse_iso8601_minutes("PT2H16M"), Some(136));
        assert_eq!(parse_iso8601_minutes("PT136M"), Some(136));
        assert_eq!(parse_iso8601_minutes("PT1H"), Some(60));
        assert_eq!(parse_iso8601_minutes("PT2M26S"), Some(2));
        assert_eq!(parse_iso8601_minutes("PT45S"), Some(1));
        assert_eq!(parse_iso8601_minutes("PT29S"), Some(0));
        assert_eq!(parse_iso8601_minutes("PT30S"), Some(1));
        assert_eq!(parse_iso8601_minutes("PT0S"), Some(0));
        assert_eq!(parse_iso8601_minutes("P1DT2H"), Some(26 * 60));
        assert_eq!(parse_iso8601_minutes("P1D"), Some(24 * 60));
        assert_eq!(parse_iso8601_minutes("P1W"), Some(7 * 24 * 60));
        assert_eq!(parse_iso8601_minutes("PT1.5H"), Some(90));
        assert_eq!(parse_iso8601_minutes("PT1,5H"), Some(90));
        assert_eq!(parse_iso8601_minutes("PT2H15.5M"), Some(136));
        assert_eq!(parse_iso8601_minutes(" pt2h16m "), Some(136));
    }

    #[test]
    fn garbage_durations_are_none() {
        for bad in [
            "",
            "P",
            "PT",
            "P1DT",
            "2h",
            "136",
            "T2H",
            "PTXM",
            "PT2X",
            "PT2",
            "PTM",
            "PT.5M",
            "PT1.5H10M",
            "PT16M2H",
            "PT2H2H",
            "P1Y",
            "P2M",
            "P1DT2H3D",
            "PT-5M",
            "PT+5M",
            "PT1.aM",
            "PT2H16Mé",
            "PTéM",
            "PT99999999999999999999M",
            "PT18446744073709551615H",
            "P9999999999DT1H",
            "PT18446744073709551.615S",
            "PT4294967296M",
        ] {
            assert_eq!(parse_iso8601_minutes(bad), None, "{bad}");
        }
        assert_eq!(parse_iso8601_minutes("PT4294967295M"), Some(u32::MAX));
    }

    #[test]
    fn omdb_runtimes() {
        assert_eq!(parse_omdb_runtime("136 min"), Some(136));
        assert_eq!(parse_omdb_runtime("136min"), Some(136));
        assert_eq!(parse_omdb_runtime("136"), Some(136));
        assert_eq!(parse_omdb_runtime("2 h 16 min"), Some(136));
        assert_eq!(parse_omdb_runtime("2h16m"), Some(136));
        assert_eq!(parse_omdb_runtime("0 min"), Some(0));
        for bad in [
            "",
            "N/A",
            "min",
            "136 sec",
            "1.5 h",
            "-5 min",
            "136 min extra",
            "99999999999 min",
            "4294967295 h",
            "é min",
        ] {
            assert_eq!(parse_omdb_runtime(bad), None, "{bad}");
        }
    }
}
