//! How the chunks of an upload into a bucket become the parts of one multipart upload.
//!
//! S3 wants every part but the last to be at least 5 MiB, and at most 10,000 parts. `init`
//! suggests chunks of several parts ([`chunk_size`]): a chunk is cut into parts of about
//! [`part_size`] that travel to the store together, so that the store's cost per part (a
//! request and its bookkeeping, which made one part at a time half as fast as one whole
//! upload) is paid in parallel. A client may still send smaller chunks (`ott upload
//! --chunk-size`): those under [`part_min`] are held as small objects until, with the chunk
//! that follows, they make a part. Every decision depends only on the state recorded in the
//! database, so whichever instance receives the next chunk decides the same.

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

/// The part a chunk is cut into when it holds several: 8 MiB, or [`part_min`] when larger.
pub fn part_size(size: u64) -> u64 {
    PART.max(part_min(size))
}

/// The part size for most files.
const PART: u64 = 8 * MIB;
/// Parts per suggested chunk: sent together.
const PARTS_PER_CHUNK: u64 = 4;

/// The chunk size `init` suggests for an upload of `size` bytes into a bucket: the configured
/// one, but not below [`PARTS_PER_CHUNK`] parts unless that is above the largest chunk
/// accepted (`max`). Smaller chunks are one part each, or held until they make one.
pub fn chunk_size(configured: u64, max: u64, size: u64) -> u64 {
    configured.max(PARTS_PER_CHUNK * part_size(size)).min(max)
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
    /// The held chunks and this one make `count` parts from index `first` (from 0), cut by
    /// [`cut`].
    Parts { first: usize, count: usize },
    /// The chunk is held until enough follows.
    Hold,
}

/// Where the `count` parts of `total` bytes (the held chunks and the new one, end to end)
/// start and end: equal pieces, the last taking the odd bytes, so each is at least
/// `total / count`.
pub fn cut(total: u64, count: usize) -> Vec<std::ops::Range<u64>> {
    let count = count.max(1) as u64;
    let piece = total / count;
    (0..count)
        .map(|i| {
            i * piece..if i + 1 == count {
                total
            } else {
                (i + 1) * piece
            }
        })
        .collect()
}

impl Parts {
    pub fn held_bytes(&self) -> u64 {
        self.held.iter().map(|(_, len)| len).sum()
    }

    /// Where a chunk of `len` bytes goes in an upload of `size` bytes; `completes` when it is
    /// the file's last.
    pub fn place(&self, len: u64, size: u64, completes: bool) -> Placement {
        let total = self.held_bytes() + len;
        if completes || total >= part_min(size) {
            Placement::Parts {
                first: self.tags.len(),
                // Each piece at least a part's size; fewer bytes make one part.
                count: (total / part_size(size)).max(1) as usize,
            }
        } else {
            Placement::Hold
        }
    }

    /// Records the parts sent (their tags in order): the held chunks are in them now.
    pub fn sent(&mut self, tags: Vec<String>) {
        self.tags.extend(tags);
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
        assert_eq!(chunk_size(8 * MIB, max, 100 * MIB), 32 * MIB, "four parts");
        assert_eq!(chunk_size(MIB, max, 100 * MIB), 32 * MIB);
        assert_eq!(chunk_size(48 * MIB, max, 100 * MIB), 48 * MIB);
        assert_eq!(chunk_size(8 * MIB, max, huge), (4 * min).min(max));
        assert_eq!(
            chunk_size(8 * MIB, 6 * MIB, huge),
            6 * MIB,
            "never above the limit"
        );
        assert!(huge.div_ceil(part_size(huge)) <= PART_BUDGET);
    }

    #[test]
    fn chunks_of_the_suggested_size_are_four_parts_sent_together() {
        let size = 70 * MIB;
        let chunk = chunk_size(8 * MIB, 64 * MIB, size);
        let mut parts = Parts::default();
        let mut offset = 0;
        let mut placements = Vec::new();
        while offset < size {
            let len = chunk.min(size - offset);
            let placement = parts.place(len, size, offset + len == size);
            let Placement::Parts { first, count } = placement else {
                panic!("{placement:?}")
            };
            assert_eq!(first, parts.tags.len());
            parts.sent((0..count).map(|i| format!("t{offset}-{i}")).collect());
            placements.push(placement);
            offset += len;
        }
        // 32 + 32 + 6 MiB: four parts, four parts, and the short last one.
        assert_eq!(
            placements,
            vec![
                Placement::Parts { first: 0, count: 4 },
                Placement::Parts { first: 4, count: 4 },
                Placement::Parts { first: 8, count: 1 },
            ]
        );
        assert_eq!(parts.tags.len(), 9);
        // 20 MiB at the end: two parts of 10 MiB; 33 MiB: four, the last with the odd MiB.
        assert_eq!(cut(20 * MIB, 2), vec![0..10 * MIB, 10 * MIB..20 * MIB]);
        let total = 33 * MIB + 3;
        let odd = cut(total, 4);
        assert_eq!(odd.len(), 4);
        assert_eq!(odd[0], 0..total / 4);
        assert_eq!(odd[3].end, total);
        assert!(odd.windows(2).all(|w| w[0].end == w[1].start));
        assert!(odd.iter().all(|r| r.end - r.start >= 8 * MIB));
        assert_eq!(cut(3, 1), vec![0..3]);
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
                Placement::Parts { count, .. } => parts.sent(vec![format!("t{offset}"); count]),
            }
            placements.push(placement);
            offset += len;
        }
        use Placement::Hold;
        // 2+2 held, +2 makes 6 MiB ≥ 5: part 0; again; the last 2 MiB... part 1 at 12 MiB.
        let one = |first| Placement::Parts { first, count: 1 };
        assert_eq!(placements, vec![Hold, Hold, one(0), Hold, Hold, one(1)]);
        assert!(parts.held.is_empty());
        let mut one_short = Parts::default();
        one_short.hold(0, MIB);
        assert_eq!(
            one_short.place(MIB, 2 * MIB, true),
            one(0),
            "the last part may be short"
        );
        assert_eq!(one_short.held_bytes(), MIB);
    }
}
