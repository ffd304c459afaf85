//! What the viewer's browser can play, as its player reports it after testing the file's exact
//! codec strings ([`crate::media::codecs::strings_to_test`]): the ones it said yes to, whether
//! the file plays as it is (`canPlayType` of [`crate::media::codecs::direct_type`]) and how it
//! plays HLS. It travels as a query string, `?supported=avc1.640028,mp4a.40.2&direct=0&hls=mse`,
//! which is bounded here because anyone can send one.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Codec strings one report may carry at most.
pub const MAX_CODECS: usize = 32;
/// Characters of one codec string at most (`hvc1.2.4.L153.90` has 16).
pub const MAX_CODEC_LEN: usize = 64;

/// How the browser plays HLS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HlsSupport {
    /// The `<video>` element plays playlists itself (Safari).
    Native,
    /// Through Media Source Extensions (hls.js).
    Mse,
    /// Not at all: only files the browser plays as they are.
    #[default]
    None,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientCaps {
    /// The codec strings the browser accepts in fragmented MP4, lower-cased.
    pub supported: BTreeSet<String>,
    /// `canPlayType` said "probably" or "maybe" for the file as it is, with its default audio.
    pub direct: bool,
    pub hls: HlsSupport,
}

/// Why a report was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CapsError {
    TooManyCodecs,
    /// Empty, longer than [`MAX_CODEC_LEN`], or with characters other than `A-Z a-z 0-9 . -`.
    InvalidCodec,
    InvalidDirect,
    InvalidHls,
}

impl CapsError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooManyCodecs => "too_many_codecs",
            Self::InvalidCodec => "invalid_codec",
            Self::InvalidDirect => "invalid_direct",
            Self::InvalidHls => "invalid_hls",
        }
    }
}

impl fmt::Display for CapsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooManyCodecs => write!(f, "At most {MAX_CODECS} codec strings can be sent."),
            Self::InvalidCodec => write!(
                f,
                "A codec string is 1 to {MAX_CODEC_LEN} letters, digits, dots and dashes."
            ),
            Self::InvalidDirect => f.write_str("direct is 1 or 0."),
            Self::InvalidHls => f.write_str("hls is native, mse or none."),
        }
    }
}

impl std::error::Error for CapsError {}

impl ClientCaps {
    /// Whether the browser accepts this codec string (without regard to case).
    pub fn supports(&self, codec: &str) -> bool {
        self.supported.contains(&codec.to_ascii_lowercase())
    }

    /// Reads the report from decoded query pairs. `supported` may be repeated and holds
    /// comma-separated strings; `direct` is `1`/`0` (or `true`/`false`), `hls` is
    /// `native`/`mse`/`none`; missing ones mean no. Other keys are left to their readers.
    pub fn from_query_pairs<I, K, V>(pairs: I) -> Result<Self, CapsError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut caps = ClientCaps::default();
        for (key, value) in pairs {
            let value = value.as_ref();
            match key.as_ref() {
                "supported" => {
                    for codec in value.split(',').filter(|c| !c.is_empty()) {
                        if !valid_codec(codec) {
                            return Err(CapsError::InvalidCodec);
                        }
                        caps.supported.insert(codec.to_ascii_lowercase());
                        if caps.supported.len() > MAX_CODECS {
                            return Err(CapsError::TooManyCodecs);
                        }
                    }
                }
                "direct" => {
                    caps.direct = match value {
                        "1" | "true" => true,
                        "0" | "false" => false,
                        _ => return Err(CapsError::InvalidDirect),
                    }
                }
                "hls" => {
                    caps.hls = match value {
                        "native" => HlsSupport::Native,
                        "mse" => HlsSupport::Mse,
                        "none" => HlsSupport::None,
                        _ => return Err(CapsError::InvalidHls),
                    }
                }
                _ => {}
            }
        }
        Ok(caps)
    }

    /// Reads what [`Self::to_query`] wrote (a playback session kept in the database).
    pub fn from_query(query: &str) -> Result<Self, CapsError> {
        Self::from_query_pairs(query.split('&').filter_map(|pair| pair.split_once('=')))
    }

    /// The query string the player sends (no characters need escaping).
    pub fn to_query(&self) -> String {
        let supported: Vec<&str> = self.supported.iter().map(String::as_str).collect();
        let hls = match self.hls {
            HlsSupport::Native => "native",
            HlsSupport::Mse => "mse",
            HlsSupport::None => "none",
        };
        format!(
            "supported={}&direct={}&hls={hls}",
            supported.join(","),
            u8::from(self.direct)
        )
    }
}

fn valid_codec(codec: &str) -> bool {
    codec.len() <= MAX_CODEC_LEN
        && codec
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<ClientCaps, CapsError> {
        ClientCaps::from_query(query)
    }

    #[test]
    fn reads_what_the_player_sends() {
        let caps = parse("supported=avc1.640028,mp4a.40.2&direct=0&hls=mse&audio=2").unwrap();
        assert_eq!(
            caps.supported.iter().collect::<Vec<_>>(),
            ["avc1.640028", "mp4a.40.2"]
        );
        assert_eq!((caps.direct, caps.hls), (false, HlsSupport::Mse));
        assert_eq!(
            caps.to_query(),
            "supported=avc1.640028,mp4a.40.2&direct=0&hls=mse"
        );
        assert_eq!(parse(&caps.to_query()).unwrap(), caps);
    }

    #[test]
    fn repeated_and_empty_lists_and_case() {
        let caps = parse("supported=hvc1.2.4.L153.90&supported=AC-3,,ec-3&direct=true&hls=native")
            .unwrap();
        assert!(caps.supports("hvc1.2.4.l153.90"));
        assert!(caps.supports("HVC1.2.4.L153.90"));
        assert!(caps.supports("ac-3"));
        assert!(!caps.supports("hev1.2.4.L153.90"));
        assert_eq!(caps.supported.len(), 3);
        assert!(caps.direct);
        let none = parse("supported=").unwrap();
        assert_eq!(none, ClientCaps::default());
        assert_eq!(none.hls, HlsSupport::None);
    }

    #[test]
    fn bounds_and_bad_values_are_refused_with_codes() {
        let many: Vec<String> = (0..=MAX_CODECS).map(|i| format!("c{i}")).collect();
        let err = parse(&format!("supported={}", many.join(","))).unwrap_err();
        assert_eq!(err.code(), "too_many_codecs");
        // The same string many times is one string.
        assert!(parse(&format!("supported={}", vec!["opus"; 100].join(","))).is_ok());
        for bad in [
            "supported=avc1 640028",
            "supported=mp4a.40.2\"",
            "supported=a/b",
            "supported=é",
        ] {
            assert_eq!(parse(bad).unwrap_err().code(), "invalid_codec", "{bad}");
        }
        let long = format!("supported={}", "a".repeat(MAX_CODEC_LEN + 1));
        assert_eq!(parse(&long).unwrap_err(), CapsError::InvalidCodec);
        assert!(parse(&format!("supported={}", "a".repeat(MAX_CODEC_LEN))).is_ok());
        assert_eq!(parse("direct=yes").unwrap_err().code(), "invalid_direct");
        assert_eq!(parse("hls=dash").unwrap_err().code(), "invalid_hls");
        assert!(!CapsError::InvalidHls.to_string().is_empty());
    }
}
