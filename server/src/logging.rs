//! Structured logs on stderr (stdout stays clean for commands that print JSON).

use tracing_subscriber::EnvFilter;

/// `default` applies unless `RUST_LOG` says otherwise.
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// A request's path and query as logs may show them: the path segment after `join` or
/// `invites` (an invite link's token, in `/join/{token}` and `/api/invites/{token}[/accept]`)
/// becomes `…`, also where a path travels escaped in a query (`/login?next=%2Fjoin%2F{token}`).
/// Anyone who could read the logs could otherwise join the library.
pub fn redact_secrets(path_and_query: &str) -> std::borrow::Cow<'_, str> {
    const SECRET_AFTER: [&str; 2] = ["join", "invites"];
    let mut out = String::with_capacity(path_and_query.len());
    let (mut start, mut hide, mut hidden) = (0, false, false);
    loop {
        let (at, separator) = next_separator(path_and_query, start);
        let segment = &path_and_query[start..at];
        if hide && !segment.is_empty() {
            out.push('…');
            hidden = true;
        } else {
            out.push_str(segment);
        }
        let slash = matches!(separator, "/" | "%2F" | "%2f");
        // `/join//token` still reaches the token: an empty segment passes the mark on.
        hide = slash
            && ((hide && segment.is_empty())
                || SECRET_AFTER.iter().any(|s| segment.eq_ignore_ascii_case(s)));
        out.push_str(separator);
        if separator.is_empty() {
            break;
        }
        start = at + separator.len();
    }
    if hidden {
        out.into()
    } else {
        path_and_query.into()
    }
}

/// Where the next separator of path segments or query parts is at or after `from`, and which
/// it is (empty at the end).
fn next_separator(text: &str, from: usize) -> (usize, &str) {
    let bytes = text.as_bytes();
    for i in from..bytes.len() {
        match bytes[i] {
            b'/' | b'?' | b'&' | b'=' | b';' | b'#' => return (i, &text[i..i + 1]),
            b'%' if bytes.get(i + 1) == Some(&b'2')
                && matches!(bytes.get(i + 2), Some(b'F' | b'f')) =>
            {
                return (i, &text[i..i + 3]);
            }
            _ => {}
        }
    }
    (text.len(), "")
}

#[cfg(test)]
mod tests {
    use super::redact_secrets;

    #[test]
    fn invite_tokens_are_hidden_wherever_a_path_carries_them() {
        for (given, logged) in [
            ("/join/3f9a0c", "/join/…"),
            ("/join/3f9a0c/", "/join/…/"),
            ("/api/invites/3f9a0c", "/api/invites/…"),
            ("/api/invites/3f9a0c/accept", "/api/invites/…/accept"),
            ("/api/invites/3f9a0c?x=1", "/api/invites/…?x=1"),
            ("/JOIN/3f9a0c", "/JOIN/…"),
            ("//join//3f9a0c", "//join//…"),
            (
                "/login?next=%2Fjoin%2F3f9a0c&y=2",
                "/login?next=%2Fjoin%2F…&y=2",
            ),
            (
                "/register?next=%2fjoin%2f3f9a0c",
                "/register?next=%2fjoin%2f…",
            ),
            ("/login?next=/join/3f9a0c", "/login?next=/join/…"),
        ] {
            assert_eq!(redact_secrets(given), logged, "{given}");
        }
    }

    #[test]
    fn other_paths_are_logged_as_they_are() {
        for path in [
            "/",
            "/join",
            "/join/",
            "/api/libraries/4/invites",
            "/api/upload?type=chunk&uploadId=abc&chunkNr=2&offset=0",
            "/movie/tt0133093",
            "/joiner/x",
            "/api/rejoin/x",
        ] {
            assert_eq!(redact_secrets(path), path);
        }
    }
}
