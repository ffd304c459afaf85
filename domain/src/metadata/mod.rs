//! Reading what metadata providers answer, without any networking: the server fetches, these
//! functions turn the bytes into plain values (and say clearly when the bytes make no sense).

pub mod details;
pub mod duration;
pub mod imdb_suggest;
#[cfg(feature = "imdb-page")]
pub mod imdb_title;
mod json;
pub mod omdb;
pub mod tmdb;

pub use details::MovieDetails;

use std::fmt;

/// A provider's answer that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadAnswer(pub String);

impl fmt::Display for BadAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadAnswer {}

/// Percent-encodes all but ASCII letters, digits, `-`, `_` and `~`, for a provider's path
/// segment or query value: whatever the text, it stays one segment or one value. (`.` is
/// encoded too, so that no segment can be `..`.)
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `text` with every `http://` or `https://` address cut to its scheme and host: addresses
/// carry API keys (`api_key=…`) and other secrets in their query, and an error message that
/// quotes one must not show it to members or write it to the logs.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = ["https://", "http://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme).map(|i| (i, scheme.len())))
        .min()
    {
        let (start, scheme_len) = at;
        out.push_str(&rest[..start + scheme_len]);
        let url = &rest[start + scheme_len..];
        let end = url
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '<' | '>'))
            .unwrap_or(url.len());
        let host_end = url[..end].find(['/', '?', '#']).unwrap_or(end);
        // The host may hold `user:password@`.
        let host = &url[..host_end];
        out.push_str(host.rsplit_once('@').map_or(host, |(_, h)| h));
        if host_end < end {
            out.push_str("/…");
        }
        rest = &url[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_lose_their_path_query_and_credentials() {
        assert_eq!(
            super::redact_urls(
                "cannot be reached: error sending request for url (https://api.themoviedb.org/3/find/tt1?api_key=SECRET&x=1)"
            ),
            "cannot be reached: error sending request for url (https://api.themoviedb.org/…)"
        );
        assert_eq!(
            super::redact_urls("http://u:pw@h:8080?apikey=k and https://x.org"),
            "http://h:8080/… and https://x.org"
        );
        assert_eq!(super::redact_urls("no address here"), "no address here");
        assert!(!super::redact_urls("a https://h/p?api_key=K\"b").contains('K'));
    }

    #[test]
    fn percent_encoding_keeps_one_segment() {
        assert_eq!(super::percent_encode("tt0133093"), "tt0133093");
        assert_eq!(
            super::percent_encode("léon ../?&=#"),
            "l%C3%A9on%20%2E%2E%2F%3F%26%3D%23"
        );
    }
}
