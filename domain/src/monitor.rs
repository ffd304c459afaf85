//! The server monitor's figures: what `GET /api/monitor` answers, the series its charts draw
//! (traffic per minute for the last hour, per hour for the last day, per day for 30 days),
//! and when free space deserves a warning. Plain data and arithmetic, unit-tested here.

use serde::{Deserialize, Serialize};

/// The parts a client may ask for with `?parts=`.
pub const PARTS: [&str; 4] = ["storage", "traffic", "activity", "instances"];

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MonitorReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<Storage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic: Option<Traffic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity: Option<Activity>,
    /// The server processes on this database (administrator only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instances: Option<Vec<Instance>>,
}

/// One `ott serve` process on the database, as its last heartbeat described it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Instance {
    pub id: String,
    /// Where it listens (`ott serve --addr`).
    pub address: String,
    pub version: String,
    /// RFC 3339.
    pub started: String,
    /// RFC 3339: its last heartbeat.
    pub seen: String,
    /// Video streams it is sending.
    pub streams: u64,
    /// Upload chunks it is receiving.
    pub uploads: u64,
    /// Whether it is the one that answered this request.
    pub current: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Storage {
    pub filesystems: Vec<Filesystem>,
    pub libraries: Vec<LibraryStorage>,
    /// Set when a filesystem's free space is below its threshold.
    pub warning: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Filesystem {
    /// A folder on it (the first library's, or the data dir).
    pub path: String,
    pub total: u64,
    pub used: u64,
    /// What the server may still write.
    pub free: u64,
    /// Below this much free space, admins are warned.
    pub warn_below: u64,
    pub low: bool,
    /// The libraries on it, by id.
    pub libraries: Vec<i32>,
    /// Whether the server's data dir (database, upload staging) is on it.
    pub data_dir: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LibraryStorage {
    pub id: i32,
    pub name: String,
    pub path: String,
    pub movies: u64,
    pub files: u64,
    /// The size of its movie files.
    pub bytes: u64,
    /// For a library in a bucket: what its store holds under the library's prefix.
    #[serde(default)]
    pub bucket: Option<BucketUsage>,
}

/// What a bucket library's store holds, as it lists it (finished files, subtitles, and the
/// held chunks of unfinished uploads; the parts of multipart uploads in progress are not
/// listed by S3).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BucketUsage {
    /// The store answered; when not, the counts are 0.
    pub reachable: bool,
    pub objects: u64,
    pub bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Traffic {
    /// RFC 3339: when this server process started counting.
    pub since: String,
    pub received_since_start: u64,
    pub sent_since_start: u64,
    /// 60 points, one per minute, oldest first.
    pub last_hour: Vec<Point>,
    /// 24 points, one per hour.
    pub last_day: Vec<Point>,
    /// 30 points, one per day.
    pub last_30_days: Vec<Point>,
}

/// Bytes in one interval starting at `start` (seconds since the Unix epoch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Point {
    pub start: i64,
    pub received: u64,
    pub sent: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    /// Video streams being sent right now.
    pub streams: u64,
    /// Upload chunks being received right now.
    pub uploads: u64,
    /// Uploads started and not finished (resumable).
    pub unfinished_uploads: u64,
}

/// Which parts `?parts=a,b` asks for; empty or absent means all. Unknown names are refused.
pub fn parse_parts(parts: Option<&str>) -> Result<Vec<&'static str>, String> {
    let Some(text) = parts.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(PARTS.to_vec());
    };
    let mut out = Vec::new();
    for name in text.split(',').map(str::trim) {
        match PARTS.iter().find(|p| **p == name) {
            Some(p) if !out.contains(p) => out.push(*p),
            Some(_) => {}
            None => {
                return Err(format!(
                    "{name:?} is not a part; ask for storage, traffic or activity"
                ));
            }
        }
    }
    Ok(out)
}

/// Free space below which a filesystem is "low": `percent` of its size, or the upload
/// reserve if that is larger (uploads stop there anyway).
pub fn warn_below(total: u64, percent: u8, reserve: u64) -> u64 {
    let share = (u128::from(total) * u128::from(percent.min(100)) / 100) as u64;
    share.max(reserve)
}

/// The warning shown when a disk is low, on the monitor and the upload page.
pub fn low_space_message(path: &str, free: u64, total: u64, reserve: u64) -> String {
    format!(
        "The disk holding {path} is nearly full: {} free of {}. Uploads stop when less than {} is free.",
        crate::format::size(free),
        crate::format::size(total),
        crate::format::size(reserve),
    )
}

/// `count` buckets of `width` seconds ending with the one holding `now`, filled from
/// per-minute `(minute start, received, sent)` rows (any order; rows outside are ignored).
pub fn series(rows: &[(i64, u64, u64)], now: i64, width: i64, count: usize) -> Vec<Point> {
    let last = now - now.rem_euclid(width);
    let first = last - width * (count as i64 - 1);
    let mut points: Vec<Point> = (0..count as i64)
        .map(|i| Point {
            start: first + i * width,
            ..Point::default()
        })
        .collect();
    for &(minute, received, sent) in rows {
        // Before the first bucket, or after now (a clock set back): not shown.
        if minute < first || minute > now {
            continue;
        }
        let point = &mut points[((minute - first) / width) as usize];
        point.received += received;
        point.sent += sent;
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_default_to_all_and_unknown_ones_are_refused() {
        assert_eq!(parse_parts(None).unwrap(), PARTS.to_vec());
        assert_eq!(parse_parts(Some(" ")).unwrap(), PARTS.to_vec());
        assert_eq!(
            parse_parts(Some("traffic, storage,traffic")).unwrap(),
            vec!["traffic", "storage"]
        );
        assert!(
            parse_parts(Some("storage,disk"))
                .unwrap_err()
                .contains("disk")
        );
    }

    #[test]
    fn the_warning_threshold_is_a_share_or_the_reserve() {
        assert_eq!(warn_below(1000, 10, 0), 100);
        assert_eq!(warn_below(1000, 10, 500), 500);
        assert_eq!(warn_below(1000, 0, 0), 0);
        assert_eq!(warn_below(u64::MAX, 100, 0), u64::MAX);
        assert_eq!(warn_below(1000, 200, 0), 1000);
    }

    #[test]
    fn minutes_fall_into_their_buckets() {
        let now = 1_800_000_030; // 30 s into a minute
        let minute = now - 30;
        let rows = [
            (minute, 10, 1),
            (minute - 60, 5, 2),
            (minute - 60 * 59, 7, 0),
            (minute - 60 * 60, 1000, 1000), // an hour ago: outside the last hour
            (minute + 60, 9, 9),            // the future: ignored
        ];
        let hour = series(&rows, now, 60, 60);
        assert_eq!(hour.len(), 60);
        assert_eq!(
            hour[59],
            Point {
                start: minute,
                received: 10,
                sent: 1
            }
        );
        assert_eq!(hour[58].received, 5);
        assert_eq!(hour[0].received, 7);
        assert_eq!(hour.iter().map(|p| p.received).sum::<u64>(), 22);
        let day = series(&rows, now, 3600, 24);
        assert_eq!(day.iter().map(|p| p.received).sum::<u64>(), 1022);
        assert!(day.windows(2).all(|w| w[1].start - w[0].start == 3600));
    }
}
