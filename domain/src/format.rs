//! Numbers as pages show them: sizes, runtimes, durations.

/// Bytes in decimal units, as file managers show them: `734 B`, `1.4 GB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for u in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = u;
    }
    if value < 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

/// A movie as lists name it: `Heat (1995)`, or the title alone when the year is unknown.
pub fn title_year(title: &str, year: Option<impl std::fmt::Display>) -> String {
    match year {
        Some(y) => format!("{title} ({y})"),
        None => title.to_owned(),
    }
}

/// A runtime in minutes: `2 h 16 min`, `45 min`.
pub fn runtime(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// A playing time in seconds as a clock: `2:16:03`, `4:05`.
pub fn clock(seconds: f64) -> String {
    let total = if seconds.is_finite() && seconds > 0.0 {
        seconds as u64
    } else {
        0
    };
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// An RFC 3339 time as a short date and time (UTC, as stored): `2026-11-26 15:30`.
pub fn timestamp(rfc3339: &str) -> String {
    rfc3339
        .chars()
        .take(16)
        .collect::<String>()
        .replace('T', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp("2026-11-26T15:30:12.5+00:00"), "2026-11-26 15:30");
        assert_eq!(timestamp("bad"), "bad");
    }

    #[test]
    fn sizes() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(999), "999 B");
        assert_eq!(size(1000), "1.0 kB");
        assert_eq!(size(1_434_000_000), "1.4 GB");
        assert_eq!(size(42_000_000_000), "42 GB");
        assert_eq!(size(u64::MAX), "18447 PB");
    }

    #[test]
    fn titles_with_years() {
        assert_eq!(title_year("Heat", Some(1995)), "Heat (1995)");
        assert_eq!(title_year("Heat", None::<u16>), "Heat");
    }

    #[test]
    fn runtimes_and_clocks() {
        assert_eq!(runtime(136), "2 h 16 min");
        assert_eq!(runtime(45), "45 min");
        assert_eq!(runtime(120), "2 h");
        assert_eq!(clock(8163.4), "2:16:03");
        assert_eq!(clock(245.0), "4:05");
        assert_eq!(clock(f64::NAN), "0:00");
        assert_eq!(clock(-3.0), "0:00");
    }
}
