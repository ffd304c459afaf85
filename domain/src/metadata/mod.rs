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
