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

#[cfg(test)]
mod tests {
    #[test]
    fn percent_encoding_keeps_one_segment() {
        assert_eq!(super::percent_encode("tt0133093"), "tt0133093");
        assert_eq!(
            super::percent_encode("léon ../?&=#"),
            "l%C3%A9on%20%2E%2E%2F%3F%26%3D%23"
        );
    }
}
