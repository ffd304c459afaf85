//! The resumable upload protocol's rules (init / chunk / end), without I/O: what a valid
//! request looks like, whether a chunk may be appended, and where a finished file belongs.
//! The server applies them to files on disk; clients use them to validate before sending.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest original file name accepted, in bytes (the usual filesystem limit).
pub const MAX_FILENAME_BYTES: usize = 255;

/// A mistake in an upload request: each maps to a stable error code and a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadRuleError {
    Missing(&'static str),
    NotANumber(&'static str),
    Negative(&'static str),
    TooLarge(&'static str),
    EmptyFilename,
    FilenameTooLong,
    FilenameHasSeparator,
    FilenameIsDots,
    FilenameHasControl,
    UnsupportedType(String),
    InvalidImdbId,
    InvalidMode,
    InvalidUploadId,
    InvalidChecksum,
}

impl UploadRuleError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing(_) => "missing_parameter",
            Self::NotANumber(_) | Self::Negative(_) | Self::TooLarge(_) => "invalid_number",
            Self::EmptyFilename
            | Self::FilenameTooLong
            | Self::FilenameHasSeparator
            | Self::FilenameIsDots
            | Self::FilenameHasControl => "invalid_filename",
            Self::UnsupportedType(_) => "unsupported_file_type",
            Self::InvalidImdbId => "invalid_imdb_id",
            Self::InvalidMode => "invalid_mode",
            Self::InvalidUploadId => "invalid_upload_id",
            Self::InvalidChecksum => "invalid_checksum",
        }
    }
}

impl From<crate::imdb::InvalidImdbId> for UploadRuleError {
    fn from(_: crate::imdb::InvalidImdbId) -> Self {
        Self::InvalidImdbId
    }
}

impl fmt::Display for UploadRuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing(name) => write!(f, "The parameter {name} is missing."),
            Self::NotANumber(name) => write!(f, "The parameter {name} must be a whole number."),
            Self::Negative(name) => write!(f, "The parameter {name} cannot be negative."),
            Self::TooLarge(name) => write!(f, "The parameter {name} is too large."),
            Self::EmptyFilename => write!(f, "The file name is empty."),
            Self::FilenameTooLong => write!(
                f,
                "The file name is longer than {MAX_FILENAME_BYTES} bytes."
            ),
            Self::FilenameHasSeparator => {
                write!(f, "The file name cannot contain '/' or '\\'.")
            }
            Self::FilenameIsDots => write!(f, "The file name cannot be '.' or '..'."),
            Self::FilenameHasControl => {
                write!(f, "The file name cannot contain control characters.")
            }
            Self::UnsupportedType(ext) if ext.is_empty() => write!(
                f,
                "The file has no extension; upload a video (.mp4, .mkv, ...) or subtitles (.srt)."
            ),
            Self::UnsupportedType(ext) => write!(
                f,
                "Files ending in .{ext} cannot be uploaded; upload a video (.mp4, .mkv, ...) or subtitles (.srt)."
            ),
            Self::InvalidImdbId => write!(f, "The IMDb id must look like tt0133093."),
            Self::InvalidMode => write!(f, "The mode must be new, replace or version."),
            Self::InvalidUploadId => write!(f, "That is not an upload id."),
            Self::InvalidChecksum => {
                write!(f, "The sha256 parameter must be 64 hexadecimal digits.")
            }
        }
    }
}

impl std::error::Error for UploadRuleError {}

/// Parses a required, non-negative whole number that fits in an `i64` (sizes, offsets,
/// milliseconds are stored as signed 64-bit integers).
pub fn parse_count(name: &'static str, value: Option<&str>) -> Result<u64, UploadRuleError> {
    let text = value.ok_or(UploadRuleError::Missing(name))?.trim();
    if text.is_empty() {
        return Err(UploadRuleError::Missing(name));
    }
    if let Some(rest) = text.strip_prefix('-') {
        return Err(
            if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
                UploadRuleError::Negative(name)
            } else {
                UploadRuleError::NotANumber(name)
            },
        );
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UploadRuleError::NotANumber(name));
    }
    match text.parse::<u64>() {
        Ok(n) if n <= i64::MAX as u64 => Ok(n),
        _ => Err(UploadRuleError::TooLarge(name)),
    }
}

/// What an uploaded file is, by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Video,
    Subtitle,
}

/// What can be uploaded (the guesser also reads these, and a few more).
pub(crate) const VIDEO_EXTENSIONS: &[&str] = &[
    "mp4", "m4v", "mkv", "webm", "mov", "avi", "mpg", "mpeg", "ts", "m2ts", "wmv", "ogv", "flv",
];
pub(crate) const SUBTITLE_EXTENSIONS: &[&str] = &["srt", "vtt", "ass", "ssa", "sub"];

/// The lowercase extension of a file name ("" when there is none).
pub fn extension(filename: &str) -> String {
    match filename.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// Checks an original file name. It is kept only as metadata: nothing on disk is ever named
/// from it, but it is shown back to people, so it must be a plain single name.
pub fn check_filename(filename: &str) -> Result<FileKind, UploadRuleError> {
    if filename.trim().is_empty() {
        return Err(UploadRuleError::EmptyFilename);
    }
    if filename.len() > MAX_FILENAME_BYTES {
        return Err(UploadRuleError::FilenameTooLong);
    }
    if filename.contains(['/', '\\']) {
        return Err(UploadRuleError::FilenameHasSeparator);
    }
    if filename == "." || filename == ".." {
        return Err(UploadRuleError::FilenameIsDots);
    }
    if filename.chars().any(char::is_control) {
        return Err(UploadRuleError::FilenameHasControl);
    }
    let ext = extension(filename);
    if VIDEO_EXTENSIONS.contains(&ext.as_str()) {
        Ok(FileKind::Video)
    } else if SUBTITLE_EXTENSIONS.contains(&ext.as_str()) {
        Ok(FileKind::Subtitle)
    } else {
        Err(UploadRuleError::UnsupportedType(ext))
    }
}

/// Upload ids are 32 lowercase hex digits; checked before any path is built from one.
pub fn check_upload_id(id: &str) -> Result<(), UploadRuleError> {
    if id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(UploadRuleError::InvalidUploadId)
    }
}

/// An optional chunk checksum: 64 hex digits, returned lowercase.
pub fn check_sha256(hex: Option<&str>) -> Result<Option<String>, UploadRuleError> {
    match hex {
        None => Ok(None),
        Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(h.to_ascii_lowercase()))
        }
        Some(_) => Err(UploadRuleError::InvalidChecksum),
    }
}

/// What `end` does when the movie already has files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EndMode {
    /// Add the file; its resolution folder gets a free name if taken.
    #[default]
    New,
    /// Put the video in place, then remove the movie's other videos in the library.
    /// (Subtitles are always added next to the ones already there.)
    Replace,
    /// Keep the existing files and add this one as another version.
    Version,
}

impl EndMode {
    /// The `mode` parameter of `end`.
    pub fn as_str(self) -> &'static str {
        match self {
            EndMode::New => "new",
            EndMode::Replace => "replace",
            EndMode::Version => "version",
        }
    }

    pub fn parse(s: Option<&str>) -> Result<EndMode, UploadRuleError> {
        match s {
            None | Some("new") => Ok(EndMode::New),
            Some("replace") => Ok(EndMode::Replace),
            Some("version") => Ok(EndMode::Version),
            Some(_) => Err(UploadRuleError::InvalidMode),
        }
    }
}

/// The state of one unfinished upload, as kept in `manifest.json`. The manifest is the truth:
/// data past `offset` in the partial file is not part of the upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub filename: String,
    pub size: u64,
    pub last_modified: u64,
    pub user_id: i32,
    pub library_id: i32,
    /// Unix seconds.
    pub created: i64,
    /// Unix seconds of the last accepted chunk (or creation); old uploads are swept by it.
    pub updated: i64,
    /// Bytes stored.
    pub offset: u64,
    /// Number of the last accepted chunk; 0 when none.
    pub chunk_nr: u64,
    /// Length of the last accepted chunk, to recognise a retried one.
    pub last_chunk_len: u64,
}

/// What to do with an incoming chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkDecision {
    /// The next chunk: append it.
    Append,
    /// The last accepted chunk again (its response was lost): answer with the state, write
    /// nothing.
    Repeat,
    /// Anything else: the client must resync from the manifest's state.
    OutOfOrder,
}

impl Manifest {
    pub fn remaining(&self) -> u64 {
        self.size - self.offset
    }

    pub fn is_complete(&self) -> bool {
        self.offset == self.size
    }

    /// Decides on chunk `chunk_nr` of `len` bytes claimed to start at `offset`.
    pub fn decide(&self, chunk_nr: u64, offset: u64, len: u64) -> ChunkDecision {
        if chunk_nr == self.chunk_nr + 1
            && offset == self.offset
            && offset.checked_add(len).is_some_and(|end| end <= self.size)
        {
            ChunkDecision::Append
        } else if self.chunk_nr > 0
            && chunk_nr == self.chunk_nr
            && len == self.last_chunk_len
            && offset + len == self.offset
        {
            ChunkDecision::Repeat
        } else {
            ChunkDecision::OutOfOrder
        }
    }

    /// Records an appended chunk.
    pub fn accept(&mut self, len: u64, now: i64) {
        self.offset += len;
        self.chunk_nr += 1;
        self.last_chunk_len = len;
        self.updated = now;
    }
}

/// The folder name for a video's resolution: the usual label whose frame fits, judged by
/// width as well as height so that letterboxed films (1920×800) still count as 1080p.
pub fn resolution_label(width: u32, height: u32) -> String {
    const LABELS: &[(u32, u32, &str)] = &[
        (3840, 2160, "2160p"),
        (2560, 1440, "1440p"),
        (1920, 1080, "1080p"),
        (1280, 720, "720p"),
        (1024, 576, "576p"),
        (854, 480, "480p"),
    ];
    if width == 0 || height == 0 {
        return "unknown".into();
    }
    // A little slack for crops such as 1916×1076 or 1904×1072.
    for &(w, h, label) in LABELS {
        if width * 100 >= w * 95 || height * 100 >= h * 95 {
            return label.into();
        }
    }
    "sd".into()
}

/// The name a stored file gets: never the user's name, only a fixed stem and the (already
/// validated) extension.
pub fn stored_name(kind: FileKind, filename: &str) -> String {
    let ext = extension(filename);
    match kind {
        FileKind::Video => format!("movie.{ext}"),
        FileKind::Subtitle => {
            // Keep a language tag such as `.en.srt`, `.eng.srt` or `.pt-BR.srt` when there is one.
            let stem = &filename[..filename.len() - ext.len() - 1];
            let lang = stem
                .rsplit_once('.')
                .map(|(_, tag)| tag)
                .filter(|tag| is_language_tag(tag));
            match lang {
                Some(tag) => format!("subtitle.{}.{ext}", tag.to_ascii_lowercase()),
                None => format!("subtitle.{ext}"),
            }
        }
    }
}

/// A BCP 47-like tag: two or three letters, optionally `-` and a region or script.
fn is_language_tag(tag: &str) -> bool {
    let (lang, region) = tag.split_once('-').unwrap_or((tag, ""));
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_alphabetic())
        && (region.is_empty()
            || ((2..=4).contains(&region.len())
                && region.bytes().all(|b| b.is_ascii_alphanumeric())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_must_be_plain_non_negative_numbers() {
        assert_eq!(parse_count("size", Some("0")), Ok(0));
        assert_eq!(parse_count("size", Some("42")), Ok(42));
        assert_eq!(
            parse_count("size", Some(&i64::MAX.to_string())),
            Ok(i64::MAX as u64)
        );
        assert_eq!(
            parse_count("size", None),
            Err(UploadRuleError::Missing("size"))
        );
        assert_eq!(
            parse_count("size", Some("")),
            Err(UploadRuleError::Missing("size"))
        );
        assert_eq!(
            parse_count("size", Some("-1")),
            Err(UploadRuleError::Negative("size"))
        );
        for bad in ["abc", "1.5", "1e9", "0x10", "+1", "-", "12 34"] {
            assert_eq!(
                parse_count("size", Some(bad)),
                Err(UploadRuleError::NotANumber("size")),
                "{bad}"
            );
        }
        for big in [
            "9223372036854775808",
            "18446744073709551616",
            "99999999999999999999999",
        ] {
            assert_eq!(
                parse_count("size", Some(big)),
                Err(UploadRuleError::TooLarge("size")),
                "{big}"
            );
        }
    }

    #[test]
    fn filenames_are_single_plain_names_of_known_types() {
        assert_eq!(check_filename("The Matrix (1999).mkv"), Ok(FileKind::Video));
        assert_eq!(check_filename("Amélie.2001.MP4"), Ok(FileKind::Video));
        assert_eq!(check_filename("movie.en.srt"), Ok(FileKind::Subtitle));
        assert_eq!(check_filename("Die.Hard...1988.mkv"), Ok(FileKind::Video));
        assert_eq!(check_filename(""), Err(UploadRuleError::EmptyFilename));
        assert_eq!(check_filename("   "), Err(UploadRuleError::EmptyFilename));
        assert_eq!(
            check_filename("../etc/passwd.mp4"),
            Err(UploadRuleError::FilenameHasSeparator)
        );
        assert_eq!(
            check_filename("a\\b.mp4"),
            Err(UploadRuleError::FilenameHasSeparator)
        );
        assert_eq!(check_filename(".."), Err(UploadRuleError::FilenameIsDots));
        assert_eq!(
            check_filename("a\nb.mp4"),
            Err(UploadRuleError::FilenameHasControl)
        );
        assert_eq!(
            check_filename("a\u{0}b.mp4"),
            Err(UploadRuleError::FilenameHasControl)
        );
        let long = format!("{}.mp4", "é".repeat(126));
        assert_eq!(long.len(), 256);
        assert_eq!(check_filename(&long), Err(UploadRuleError::FilenameTooLong));
        assert_eq!(
            check_filename("notes.txt"),
            Err(UploadRuleError::UnsupportedType("txt".into()))
        );
        assert_eq!(
            check_filename(".mp4"),
            Err(UploadRuleError::UnsupportedType(String::new()))
        );
    }

    #[test]
    fn ids_and_modes() {
        assert!(check_upload_id("0123456789abcdef0123456789abcdef").is_ok());
        assert!(check_upload_id("../../../../etc/passwd/aaaaaaaaaa").is_err());
        assert!(check_upload_id("0123456789ABCDEF0123456789ABCDEF").is_err());
        assert_eq!(EndMode::parse(None), Ok(EndMode::New));
        assert_eq!(EndMode::parse(Some("version")), Ok(EndMode::Version));
        assert_eq!(
            EndMode::parse(Some("overwrite")),
            Err(UploadRuleError::InvalidMode)
        );
        assert_eq!(check_sha256(None), Ok(None));
        assert_eq!(
            check_sha256(Some(&"AB".repeat(32))),
            Ok(Some("ab".repeat(32)))
        );
        assert!(check_sha256(Some("abc")).is_err());
    }

    fn manifest(size: u64) -> Manifest {
        Manifest {
            filename: "a.mp4".into(),
            size,
            last_modified: 1,
            user_id: 1,
            library_id: 1,
            created: 0,
            updated: 0,
            offset: 0,
            chunk_nr: 0,
            last_chunk_len: 0,
        }
    }

    #[test]
    fn chunks_append_in_order_and_repeats_are_recognised() {
        let mut m = manifest(25);
        assert_eq!(m.decide(1, 0, 10), ChunkDecision::Append);
        assert_eq!(m.decide(2, 0, 10), ChunkDecision::OutOfOrder);
        assert_eq!(m.decide(1, 5, 10), ChunkDecision::OutOfOrder);
        assert_eq!(
            m.decide(1, 0, 26),
            ChunkDecision::OutOfOrder,
            "past the end"
        );
        assert_eq!(
            m.decide(0, 0, 0),
            ChunkDecision::OutOfOrder,
            "nothing to repeat"
        );
        m.accept(10, 5);
        assert_eq!((m.offset, m.chunk_nr, m.updated), (10, 1, 5));
        assert_eq!(m.decide(1, 0, 10), ChunkDecision::Repeat);
        assert_eq!(
            m.decide(1, 0, 9),
            ChunkDecision::OutOfOrder,
            "different length"
        );
        assert_eq!(
            m.decide(3, 10, 10),
            ChunkDecision::OutOfOrder,
            "skipped one"
        );
        assert_eq!(m.decide(2, 10, 15), ChunkDecision::Append);
        assert_eq!(m.decide(2, 10, u64::MAX), ChunkDecision::OutOfOrder);
        m.accept(15, 6);
        assert!(m.is_complete());
        assert_eq!(m.remaining(), 0);
        assert_eq!(
            m.decide(3, 25, 0),
            ChunkDecision::Append,
            "an empty chunk fits"
        );
    }

    #[test]
    fn resolution_labels_follow_the_frame() {
        assert_eq!(resolution_label(1920, 1080), "1080p");
        assert_eq!(resolution_label(1920, 800), "1080p");
        assert_eq!(resolution_label(1916, 1076), "1080p");
        assert_eq!(resolution_label(3840, 1600), "2160p");
        assert_eq!(resolution_label(1280, 536), "720p");
        assert_eq!(resolution_label(720, 576), "576p");
        assert_eq!(resolution_label(640, 480), "480p");
        assert_eq!(resolution_label(320, 240), "sd");
        assert_eq!(resolution_label(0, 0), "unknown");
    }

    #[test]
    fn stored_names_never_come_from_the_user() {
        assert_eq!(stored_name(FileKind::Video, "Heat 1995.MKV"), "movie.mkv");
        assert_eq!(
            stored_name(FileKind::Subtitle, "Heat.1995.EN.srt"),
            "subtitle.en.srt"
        );
        assert_eq!(
            stored_name(FileKind::Subtitle, "Heat.1995.pt-BR.srt"),
            "subtitle.pt-br.srt"
        );
        assert_eq!(stored_name(FileKind::Subtitle, "Heat.srt"), "subtitle.srt");
        assert_eq!(
            stored_name(FileKind::Subtitle, "Heat.1995.srt"),
            "subtitle.srt"
        );
        assert_eq!(
            stored_name(FileKind::Subtitle, "Heat 1995 <x>.srt"),
            "subtitle.srt"
        );
    }
}
