//! Where a library's files live: a folder on the server, or a bucket of an S3-compatible object
//! store. A library's location is one string in the database: a folder's absolute path, or
//! `s3://<store>/<bucket>[/<prefix>]`, where `<store>` names an entry of the server's
//! `object_stores` setting (endpoint, region, credentials). The credentials stay in the config
//! file or the environment; the database and every page only ever see this string.
//!
//! Inside a bucket the layout is the folder's: `<prefix>/tt0095016/1080p/movie.mkv`.

use std::fmt;

/// The scheme that marks a bucket location.
pub const BUCKET_SCHEME: &str = "s3://";

/// A library's bucket: which configured store, which bucket, and the key prefix inside it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BucketLocation {
    pub store: String,
    pub bucket: String,
    /// Without leading or trailing `/`; empty for the whole bucket.
    pub prefix: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocationError {
    Shape,
    StoreName(String),
    BucketName(String),
    Prefix(String),
}

impl fmt::Display for LocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocationError::Shape => write!(
                f,
                "Write a bucket as s3://<store>/<bucket>/<prefix>, where <store> is a name from the server's object_stores setting."
            ),
            LocationError::StoreName(name) => write!(
                f,
                "{name:?} is not a store name: use 1 to 32 lowercase letters, digits, '-' or '_' (the name of an entry of object_stores)."
            ),
            LocationError::BucketName(name) => write!(
                f,
                "{name:?} is not a bucket name: S3 bucket names have 3 to 63 lowercase letters, digits, '.' or '-', and begin and end with a letter or digit."
            ),
            LocationError::Prefix(prefix) => write!(
                f,
                "The prefix {prefix:?} cannot be used: each part between '/' must be a plain name (no '.', '..', '\\' or control characters)."
            ),
        }
    }
}

impl std::error::Error for LocationError {}

impl LocationError {
    pub fn code(&self) -> &'static str {
        match self {
            LocationError::Shape => "invalid_bucket_location",
            LocationError::StoreName(_) => "invalid_store_name",
            LocationError::BucketName(_) => "invalid_bucket_name",
            LocationError::Prefix(_) => "invalid_bucket_prefix",
        }
    }
}

/// Whether `location` names a bucket (and so must parse as one) rather than a folder.
pub fn is_bucket(location: &str) -> bool {
    location.trim_start().starts_with(BUCKET_SCHEME)
}

impl BucketLocation {
    /// Reads `s3://store/bucket[/prefix]`; a trailing `/` is ignored.
    pub fn parse(text: &str) -> Result<BucketLocation, LocationError> {
        let rest = text
            .trim()
            .strip_prefix(BUCKET_SCHEME)
            .ok_or(LocationError::Shape)?;
        let rest = rest.trim_end_matches('/');
        let mut parts = rest.splitn(3, '/');
        let store = parts.next().unwrap_or_default();
        let bucket = parts.next().ok_or(LocationError::Shape)?;
        let prefix = parts.next().unwrap_or_default();
        if !is_store_name(store) {
            return Err(LocationError::StoreName(store.to_owned()));
        }
        if !is_bucket_name(bucket) {
            return Err(LocationError::BucketName(bucket.to_owned()));
        }
        if !prefix.is_empty() && !prefix.split('/').all(is_plain_segment) {
            return Err(LocationError::Prefix(prefix.to_owned()));
        }
        Ok(BucketLocation {
            store: store.to_owned(),
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }

    /// The key of `relative` (a path inside the library, `/`-separated) in the bucket.
    pub fn key(&self, relative: &str) -> String {
        let relative = relative.trim_start_matches('/');
        if self.prefix.is_empty() {
            relative.to_owned()
        } else {
            format!("{}/{relative}", self.prefix)
        }
    }

    /// Whether this bucket location and `other` could hold each other's files: same store and
    /// bucket, and one prefix inside the other.
    pub fn overlaps(&self, other: &BucketLocation) -> bool {
        let inside = |a: &str, b: &str| {
            b.is_empty() || a == b || a.strip_prefix(b).is_some_and(|r| r.starts_with('/'))
        };
        self.store == other.store
            && self.bucket == other.bucket
            && (inside(&self.prefix, &other.prefix) || inside(&other.prefix, &self.prefix))
    }
}

impl fmt::Display for BucketLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{BUCKET_SCHEME}{}/{}", self.store, self.bucket)?;
        if !self.prefix.is_empty() {
            write!(f, "/{}", self.prefix)?;
        }
        Ok(())
    }
}

/// A name of an entry of the `object_stores` setting.
pub fn is_store_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// S3's rules for bucket names (the ones every S3-compatible store accepts).
pub fn is_bucket_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    (3..=63).contains(&bytes.len())
        && bytes.iter().all(|&b| edge(b) || b == b'.' || b == b'-')
        && edge(bytes[0])
        && edge(bytes[bytes.len() - 1])
        && !name.contains("..")
}

fn is_plain_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "."
        && segment != ".."
        && !segment.chars().any(|c| c.is_control() || c == '\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_locations_round_trip() {
        for text in [
            "s3://home/movies",
            "s3://home/movies/ott",
            "s3://nas-2/m.v-1/a/b c",
        ] {
            let location = BucketLocation::parse(text).unwrap();
            assert_eq!(location.to_string(), text);
        }
        let location = BucketLocation::parse(" s3://home/movies/ott/ ").unwrap();
        assert_eq!(
            location,
            BucketLocation {
                store: "home".into(),
                bucket: "movies".into(),
                prefix: "ott".into()
            }
        );
        assert_eq!(
            location.key("tt0095016/1080p/movie.mkv"),
            "ott/tt0095016/1080p/movie.mkv"
        );
        let whole = BucketLocation::parse("s3://home/movies").unwrap();
        assert_eq!(whole.key("tt0095016/srt/a.srt"), "tt0095016/srt/a.srt");
        assert!(is_bucket("s3://x/y") && !is_bucket("/srv/movies"));
    }

    #[test]
    fn bad_bucket_locations_say_what_is_wrong() {
        let err = |text: &str| BucketLocation::parse(text).unwrap_err();
        assert_eq!(err("/srv/movies"), LocationError::Shape);
        assert_eq!(err("s3://home"), LocationError::Shape);
        assert_eq!(
            err("s3://Home/movies"),
            LocationError::StoreName("Home".into())
        );
        assert_eq!(err("s3:///movies"), LocationError::StoreName(String::new()));
        assert_eq!(
            err("s3://home/Movies"),
            LocationError::BucketName("Movies".into())
        );
        assert_eq!(err("s3://home/ab"), LocationError::BucketName("ab".into()));
        assert_eq!(
            err("s3://home/a..b"),
            LocationError::BucketName("a..b".into())
        );
        assert_eq!(
            err("s3://home/-ab"),
            LocationError::BucketName("-ab".into())
        );
        assert_eq!(
            err("s3://home/movies/a/../b"),
            LocationError::Prefix("a/../b".into())
        );
        assert_eq!(
            err("s3://home/movies/a//b"),
            LocationError::Prefix("a//b".into())
        );
        assert_eq!(
            err("s3://home/movies/a\\b"),
            LocationError::Prefix("a\\b".into())
        );
        assert!(err("s3://home").code().starts_with("invalid_"));
    }

    #[test]
    fn overlapping_prefixes_are_found() {
        let at = |text: &str| BucketLocation::parse(text).unwrap();
        assert!(at("s3://home/movies").overlaps(&at("s3://home/movies/ott")));
        assert!(at("s3://home/movies/ott/kids").overlaps(&at("s3://home/movies/ott")));
        assert!(at("s3://home/movies/ott").overlaps(&at("s3://home/movies/ott")));
        assert!(!at("s3://home/movies/ott").overlaps(&at("s3://home/movies/ott2")));
        assert!(!at("s3://home/movies/ott").overlaps(&at("s3://home/series/ott")));
        assert!(!at("s3://home/movies/ott").overlaps(&at("s3://nas/movies/ott")));
    }
}
