//! How the chunks of an upload into a bucket become the parts of one multipart upload.
//!
//! S3 wants every part but the last to be at least 5 MiB, and at most 10,000 parts. `init`
//! suggests chunks of at least [`part_min`] bytes, so that each chunk is one part; a client
//! may still send smaller ones (`ott upload --chunk-size`): those are held as small objects
//! until, with the chunk that follows, they make a part. Every decision depends only on the
//! state recorded in the database, so whichever instance receives the next chunk decides the
//! same.

use serde::{Deserialize, Serialize};

const MIB: u64 = 1024 * 1024;
/// S3's smallest part (all but the last).
pub const MIN_PART: u64 = 5 * MIB;
/// Parts planned for a file at most, below S3's 10,000: a file is cut in no more parts than
/// this (plus a last, shorter one), whatever its size.
const PART_BUDGET: u64 = 9_000;

/// The smallest part for a file of `size` bytes: S3's minimum, or more for a file so large
/// that 5 MiB parts would be too many. Whole MiB.
pub fn part_min(size: u64) -> u64 {
    MIN_PART.max(size.div_ceil(PART_BUDGET).div_ceil(MIB) * MIB)
}

/// The chunk size `init` suggests for an upload of `size` bytes into a bucket: the configured
/// one, but not below [`part_min`] unless that is above the largest chunk accepted (`max`);
/// smaller chunks are then held until they make a part.
pub fn chunk_size(configured: u64, max: u64, size: u64) -> u64 {
    configured.max(part_min(size)).min(max)
}

/// What has been sent of an upload's parts, and what is held back.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parts {
    /// The store's tag of each part sent, in order (part `i` has index `i`).
    pub tags: Vec<String>,
    /// Chunks held back as small objects, `(offset, length)`, in order; they end where the
    /// upload's received bytes end.
    pub held: Vec<(u64, u64)>,
}

/// What becomes of an accepted chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// The held chunks and this one make part `index` (from 0).
    Part { index: usize },
    /// The chunk is held until enough follows.
    Hold,
}

impl Parts {
    pub fn held_bytes(&self) -> u64 {
        self.held.iter().map(|(_, len)| len).sum()
    }

    /// Where a chunk of `len` bytes goes in an upload of `size` bytes; `completes` when it is
    /// the file's last.
    pub fn place(&self, len: u64, size: u64, completes: bool) -> Placement {
        if completes || self.held_bytes() + len >= part_min(size) {
            Placement::Part {
                index: self.tags.len(),
            }
        } else {
            Placement::Hold
        }
    }

    /// Records part `tag` sent: the held chunks are in it now.
    pub fn sent(&mut self, tag: String) {
        self.tags.push(tag);
        self.held.clear();
    }

    /// Records a chunk held back.
    pub fn hold(&mut self, offset: u64, len: u64) {
        self.held.push((offset, len));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1024 * MIB;

    #[test]
    fn parts_are_at_least_five_mib_and_never_more_than_the_budget() {
        assert_eq!(part_min(100 * MIB), MIN_PART);
        assert_eq!(part_min(40 * GIB), 5 * MIB, "40 GiB in 8192 parts of 5 MiB");
        let huge = 100 * GIB;
        let min = part_min(huge);
        assert!(min > MIN_PART && min.is_multiple_of(MIB));
        assert!(huge.div_ceil(min) <= PART_BUDGET, "{min}");
        let max = 64 * MIB;
        assert_eq!(chunk_size(8 * MIB, max, 100 * MIB), 8 * MIB);
        assert_eq!(chunk_size(MIB, max, 100 * MIB), MIN_PART);
        assert_eq!(chunk_size(8 * MIB, max, huge), min.max(8 * MIB));
        assert_eq!(
            chunk_size(8 * MIB, 6 * MIB, huge),
            6 * MIB,
            "never above the limit"
        );
    }

    #[test]
    fn chunks_of_the_suggested_size_are_one_part_each() {
        let size = 20 * MIB;
        let mut parts = Parts::default();
        let mut offset = 0;
        for len in [8 * MIB, 8 * MIB, 4 * MIB] {
            let completes = offset + len == size;
            assert_eq!(
                parts.place(len, size, completes),
                Placement::Part {
                    index: parts.tags.len()
                }
            );
            parts.sent(format!("tag{offset}"));
            offset += len;
        }
        assert_eq!(parts.tags.len(), 3);
    }

    #[test]
    fn small_chunks_are_held_until_they_make_a_part_and_the_last_goes_whatever_its_size() {
        let size = 12 * MIB;
        let mut parts = Parts::default();
        let mut offset = 0;
        let mut placements = Vec::new();
        while offset < size {
            let len = 2 * MIB;
            let completes = offset + len == size;
            let placement = parts.place(len, size, completes);
            match placement {
                Placement::Hold => parts.hold(offset, len),
                Placement::Part { .. } => parts.sent(format!("t{offset}")),
            }
            placements.push(placement);
            offset += len;
        }
        use Placement::*;
        // 2+2 held, +2 makes 6 MiB ≥ 5: part 0; again; the last 2 MiB... part 1 at 12 MiB.
        assert_eq!(
            placements,
            vec![Hold, Hold, Part { index: 0 }, Hold, Hold, Part { index: 1 }]
        );
        assert!(parts.held.is_empty());
        let mut one_short = Parts::default();
        one_short.hold(0, MIB);
        assert_eq!(
            one_short.place(MIB, 2 * MIB, true),
            Part { index: 0 },
            "the last part may be short"
        );
        assert_eq!(one_short.held_bytes(), MIB);
    }
}
