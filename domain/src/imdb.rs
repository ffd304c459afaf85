//! IMDb ids (`tt0133093`), the key of every movie: parsed once where they enter (an address, a
//! form, a provider's answer, a file name), then carried as [`ImdbId`] so that no later code
//! checks them again or builds a path from an unchecked one.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

/// `tt` followed by 7 to 10 digits, lowercase.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ImdbId(String);

/// Why a text is not an IMDb id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidImdbId;

impl fmt::Display for InvalidImdbId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "The IMDb id must look like tt0133093.")
    }
}

impl std::error::Error for InvalidImdbId {}

impl ImdbId {
    pub fn parse(id: &str) -> Result<ImdbId, InvalidImdbId> {
        match id.strip_prefix("tt") {
            Some(digits)
                if (7..=10).contains(&digits.len())
                    && digits.bytes().all(|b| b.is_ascii_digit()) =>
            {
                Ok(ImdbId(id.to_owned()))
            }
            _ => Err(InvalidImdbId),
        }
    }

    /// The first IMDb id written in a text such as a file or folder name
    /// (`The Matrix [tt0133093].mkv`), lowercased.
    pub fn find_in(text: &str) -> Option<ImdbId> {
        let lower = text.to_ascii_lowercase();
        let bytes = lower.as_bytes();
        let mut from = 0;
        while let Some(pos) = lower[from..].find("tt").map(|p| p + from) {
            let digits = bytes[pos + 2..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let starts_word = pos == 0 || !bytes[pos - 1].is_ascii_alphanumeric();
            if starts_word && (7..=10).contains(&digits) {
                return Some(ImdbId(lower[pos..pos + 2 + digits].to_owned()));
            }
            from = pos + 2;
        }
        None
    }

    /// The id of a movie named by hand (its title and year typed while the movie database
    /// could not be reached): `tt9` and nine digits made from the title and year, so that the
    /// same title and year give the same id (a film's parts and subtitles stay together).
    /// IMDb's ids have eight digits today; ten-digit ones starting with 9 are decades away, so
    /// none of these is a real movie's. The metadata job looks the title up later and moves
    /// the files to the real id.
    pub fn provisional(title: &str, year: Option<u16>) -> ImdbId {
        // FNV-1a: small, stable across versions and platforms (the id is stored).
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let normalized = crate::identify::ranking::normalize_title(title);
        let year = year.map(|y| y.to_string()).unwrap_or_default();
        for byte in normalized.bytes().chain([b'|']).chain(year.bytes()) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        ImdbId(format!("tt9{:09}", hash % 1_000_000_000))
    }

    /// Whether this is an id of [`ImdbId::provisional`], not one IMDb knows.
    pub fn is_provisional(&self) -> bool {
        is_provisional(&self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// [`ImdbId::is_provisional`] for an id kept as text (a database row).
pub fn is_provisional(id: &str) -> bool {
    id.len() == PROVISIONAL_LIKE.len() && id.starts_with("tt9")
}

/// The SQL `LIKE` pattern of provisional ids: `tt9` and nine more characters.
pub const PROVISIONAL_LIKE: &str = "tt9_________";

impl Deref for ImdbId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ImdbId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::path::Path> for ImdbId {
    fn as_ref(&self) -> &std::path::Path {
        self.0.as_ref()
    }
}

impl fmt::Display for ImdbId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ImdbId {
    type Err = InvalidImdbId;
    fn from_str(s: &str) -> Result<ImdbId, InvalidImdbId> {
        ImdbId::parse(s)
    }
}

impl TryFrom<String> for ImdbId {
    type Error = InvalidImdbId;
    fn try_from(s: String) -> Result<ImdbId, InvalidImdbId> {
        ImdbId::parse(&s)
    }
}

impl From<ImdbId> for String {
    fn from(id: ImdbId) -> String {
        id.0
    }
}

impl PartialEq<str> for ImdbId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ImdbId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_well_formed_ids() {
        assert_eq!(ImdbId::parse("tt0133093").unwrap().as_str(), "tt0133093");
        assert!(ImdbId::parse("tt10872600").is_ok());
        for bad in [
            "",
            "tt",
            "tt123",
            "0133093",
            "tt0133093x",
            "TT0133093",
            "tt01330931234",
            "tt0133093/../x",
        ] {
            assert_eq!(ImdbId::parse(bad), Err(InvalidImdbId), "{bad}");
        }
    }

    #[test]
    fn deserializing_checks_too() {
        let ok: ImdbId = serde_json::from_str("\"tt0133093\"").unwrap();
        assert_eq!(ok, "tt0133093");
        assert!(serde_json::from_str::<ImdbId>("\"../etc\"").is_err());
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"tt0133093\"");
    }

    #[test]
    fn finds_an_id_in_a_file_name() {
        let found = |t: &str| ImdbId::find_in(t).map(ImdbId::into_string);
        assert_eq!(
            found("The Matrix [tt0133093].mkv").as_deref(),
            Some("tt0133093")
        );
        assert_eq!(found("TT10872600-dune.mp4").as_deref(), Some("tt10872600"));
        assert_eq!(found("Matt tt123 x.mkv"), None);
        assert_eq!(found("Scatt0133093.mkv"), None, "inside a word");
        assert_eq!(found("Pretty.Woman.1990.mkv"), None);
    }

    #[test]
    fn provisional_ids_are_stable_valid_and_apart_from_real_ones() {
        let heat = ImdbId::provisional("Heat", Some(1995));
        assert!(heat.is_provisional());
        assert_eq!(ImdbId::parse(heat.as_str()), Ok(heat.clone()), "a valid id");
        assert_eq!(heat.len(), 12);
        // Case, accents and punctuation do not make another movie; the year does.
        assert_eq!(ImdbId::provisional("  HEAT ", Some(1995)), heat);
        assert_ne!(ImdbId::provisional("Heat", Some(1986)), heat);
        assert_ne!(ImdbId::provisional("Heat", None), heat);
        assert_ne!(ImdbId::provisional("Alien", Some(1995)), heat);
        for real in ["tt0113277", "tt10872600", "tt9999999"] {
            assert!(!ImdbId::parse(real).unwrap().is_provisional(), "{real}");
        }
    }
}
