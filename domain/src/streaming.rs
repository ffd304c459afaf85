//! Serving a file in pieces, as video players ask for it: HTTP Range requests (RFC 9110 §14)
//! and the validators that let a player resume against the same file (ETag, If-Range).
//! Plain Rust, so every case is unit-tested here; the web layer only reads headers and sends
//! bytes.

/// What to send for a request's `Range` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The whole file (200): no Range, one this server ignores, or one with bad syntax.
    Full,
    /// Bytes `start..=end` (206).
    Partial { start: u64, end: u64 },
    /// No byte of the range exists (416, with `Content-Range: bytes */size`).
    Unsatisfiable,
}

impl Answer {
    /// The `Content-Range` value for a partial or unsatisfiable answer.
    pub fn content_range(&self, size: u64) -> Option<String> {
        match self {
            Answer::Full => None,
            Answer::Partial { start, end } => Some(format!("bytes {start}-{end}/{size}")),
            Answer::Unsatisfiable => Some(format!("bytes */{size}")),
        }
    }
}

/// Evaluates a `Range` header against a file of `size` bytes. Only single byte ranges are
/// served; a list of ranges (which players do not send) gets the whole file, as the RFC
/// allows, and so does anything unparseable.
pub fn evaluate(range: Option<&str>, size: u64) -> Answer {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else {
        return Answer::Full;
    };
    let spec = spec.trim();
    if spec.contains(',') {
        return Answer::Full;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Answer::Full;
    };
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // `-n`: the last n bytes.
        return match number(last) {
            None => Answer::Full,
            Some(0) => Answer::Unsatisfiable,
            Some(_) if size == 0 => Answer::Unsatisfiable,
            Some(n) => Answer::Partial {
                start: size.saturating_sub(n),
                end: size - 1,
            },
        };
    }
    // `a-` or `a-b`.
    let Some(start) = number(first) else {
        return Answer::Full;
    };
    let end = match last {
        "" => None,
        l => match number(l) {
            Some(end) if end >= start => Some(end),
            _ => return Answer::Full,
        },
    };
    if start >= size {
        return Answer::Unsatisfiable;
    }
    Answer::Partial {
        start,
        end: end.map_or(size - 1, |e| e.min(size - 1)),
    }
}

/// A strong ETag for a file's size and modification time: a file replaced in place (another
/// upload, a remux) gets a new one, so a player never splices two versions together.
pub fn etag(size: u64, modified_unix_nanos: u128) -> String {
    format!("\"{size:x}-{modified_unix_nanos:x}\"")
}

/// Whether an `If-Range` value still names this file, so the range may be served: a strong
/// ETag equal to ours, or exactly our `Last-Modified` date. Anything else gets the whole file.
pub fn if_range_matches(if_range: &str, etag: &str, last_modified: &str) -> bool {
    let v = if_range.trim();
    if v.starts_with("W/") {
        return false; // weak validators never match for ranges
    }
    if v.starts_with('"') {
        v == etag
    } else {
        v == last_modified
    }
}

/// Whether an `If-None-Match` list names this file (weak comparison, `*` matches).
pub fn none_match_hits(if_none_match: &str, etag: &str) -> bool {
    let ours = etag.trim_start_matches("W/");
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
}

/// The `Content-Type` of a video or subtitle file by its extension.
pub fn content_type(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    CONTENT_TYPES
        .iter()
        .find(|(known, _)| *known == ext)
        .map_or("application/octet-stream", |(_, mime)| mime)
}

/// The content type of each file extension the library holds (lowercase).
pub const CONTENT_TYPES: &[(&str, &str)] = &[
    ("mp4", "video/mp4"),
    ("m4v", "video/mp4"),
    ("webm", "video/webm"),
    ("mkv", "video/x-matroska"),
    ("mov", "video/quicktime"),
    ("avi", "video/x-msvideo"),
    ("vtt", "text/vtt; charset=utf-8"),
    ("srt", "application/x-subrip"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use Answer::*;

    #[test]
    fn single_ranges() {
        assert_eq!(evaluate(None, 100), Full);
        assert_eq!(
            evaluate(Some("bytes=0-9"), 100),
            Partial { start: 0, end: 9 }
        );
        assert_eq!(
            evaluate(Some("bytes=90-"), 100),
            Partial { start: 90, end: 99 }
        );
        assert_eq!(
            evaluate(Some("bytes=-10"), 100),
            Partial { start: 90, end: 99 }
        );
        assert_eq!(
            evaluate(Some("bytes=-500"), 100),
            Partial { start: 0, end: 99 }
        );
        assert_eq!(
            evaluate(Some("bytes=50-5000"), 100),
            Partial { start: 50, end: 99 }
        );
        assert_eq!(
            evaluate(Some(" bytes= 5 - 6 "), 100),
            Partial { start: 5, end: 6 }
        );
        assert_eq!(
            evaluate(Some("bytes=99-99"), 100),
            Partial { start: 99, end: 99 }
        );
    }

    #[test]
    fn ranges_past_the_end_are_unsatisfiable() {
        assert_eq!(evaluate(Some("bytes=100-"), 100), Unsatisfiable);
        assert_eq!(evaluate(Some("bytes=100-200"), 100), Unsatisfiable);
        assert_eq!(evaluate(Some("bytes=-0"), 100), Unsatisfiable);
        assert_eq!(evaluate(Some("bytes=0-"), 0), Unsatisfiable);
        assert_eq!(evaluate(Some("bytes=-1"), 0), Unsatisfiable);
        assert_eq!(Unsatisfiable.content_range(100).unwrap(), "bytes */100");
    }

    #[test]
    fn what_is_not_one_byte_range_gets_the_whole_file() {
        for header in [
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=",
            "bytes=-",
            "bytes=a-b",
            "bytes=5-1",
            "bytes=1-2-3",
            "bytes=+1-2",
            "bytes=99999999999999999999999-",
            "0-1",
        ] {
            assert_eq!(evaluate(Some(header), 100), Full, "{header}");
        }
    }

    #[test]
    fn files_past_4_gib() {
        let size = 5 * 1024 * 1024 * 1024_u64;
        let start = size - 1024;
        assert_eq!(
            evaluate(Some(&format!("bytes={start}-")), size),
            Partial {
                start,
                end: size - 1
            }
        );
        assert_eq!(
            Partial {
                start,
                end: size - 1
            }
            .content_range(size)
            .unwrap(),
            format!("bytes {start}-{}/{size}", size - 1)
        );
    }

    #[test]
    fn validators() {
        let tag = etag(1024, 1_700_000_000_123_456_789);
        assert_eq!(tag, "\"400-17979cfe3d85cd15\"");
        let date = "Tue, 14 Nov 2023 22:13:20 GMT";
        assert!(if_range_matches(&tag, &tag, date));
        assert!(if_range_matches(date, &tag, date));
        assert!(!if_range_matches("\"other\"", &tag, date));
        assert!(!if_range_matches(&format!("W/{tag}"), &tag, date));
        assert!(!if_range_matches(
            "Wed, 15 Nov 2023 22:13:20 GMT",
            &tag,
            date
        ));
        assert!(none_match_hits(&format!("\"x\", W/{tag}"), &tag));
        assert!(none_match_hits("*", &tag));
        assert!(!none_match_hits("\"x\"", &tag));
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("movie.MP4"), "video/mp4");
        assert_eq!(content_type("tt1/1080p/movie.mkv"), "video/x-matroska");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}
