//! The client side of the upload protocol, without I/O: which chunk to send next, how to
//! follow the server's answers, and how long to wait before retrying. The CLI uploader and the
//! browser uploader both drive it.

use crate::api::{ChunkAccepted, UploadState};
use std::time::Duration;

/// The next piece of the file to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkPlan {
    pub chunk_nr: u64,
    pub offset: u64,
    pub len: u64,
}

/// Where an upload stands, as far as the client knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadProgress {
    pub upload_id: String,
    pub size: u64,
    pub chunk_size: u64,
    pub offset: u64,
    pub chunk_nr: u64,
}

impl UploadProgress {
    /// Starts from `init`'s answer. `chunk_size` overrides the server's suggestion (it is
    /// still capped by what the server accepts, which the caller knows from its settings).
    pub fn new(state: &UploadState, size: u64, chunk_size: Option<u64>) -> UploadProgress {
        UploadProgress {
            upload_id: state.upload_id.clone(),
            size,
            chunk_size: chunk_size.unwrap_or(state.chunk_size).max(1),
            offset: state.offset.min(size),
            chunk_nr: state.chunk_nr,
        }
    }

    /// The chunk to send now, or `None` when every byte is stored and `end` is due.
    pub fn next_chunk(&self) -> Option<ChunkPlan> {
        (self.offset < self.size).then(|| ChunkPlan {
            chunk_nr: self.chunk_nr + 1,
            offset: self.offset,
            len: self.chunk_size.min(self.size - self.offset),
        })
    }

    pub fn is_complete(&self) -> bool {
        self.offset >= self.size
    }

    /// Follows the server's state: after an accepted chunk, after `out_of_order` (which
    /// carries the same two numbers), or after a new `init`.
    pub fn resync(&mut self, offset: u64, chunk_nr: u64) {
        self.offset = offset.min(self.size);
        self.chunk_nr = chunk_nr;
    }

    pub fn accepted(&mut self, answer: &ChunkAccepted) {
        self.resync(answer.offset, answer.chunk_nr);
    }
}

/// Waiting times between retries: doubling from `first` up to `max`, for at most `attempts`
/// tries in a row.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_millis(500),
            max: Duration::from_secs(30),
            attempts: 10,
        }
    }
}

impl Backoff {
    /// The wait before retry number `attempt` (1-based), or `None` when it is time to give up.
    pub fn delay(&self, attempt: u32) -> Option<Duration> {
        if attempt == 0 || attempt > self.attempts {
            return None;
        }
        let factor = 1u32.checked_shl(attempt - 1).unwrap_or(u32::MAX);
        Some(self.first.saturating_mul(factor).min(self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(offset: u64, chunk_nr: u64) -> UploadState {
        UploadState {
            upload_id: "id".into(),
            offset,
            chunk_nr,
            chunk_size: 10,
        }
    }

    #[test]
    fn chunks_cover_the_file_exactly_once() {
        let mut p = UploadProgress::new(&state(0, 0), 25, None);
        let mut sent = Vec::new();
        while let Some(plan) = p.next_chunk() {
            sent.push(plan);
            p.accepted(&ChunkAccepted {
                offset: plan.offset + plan.len,
                chunk_nr: plan.chunk_nr,
            });
        }
        assert_eq!(
            sent,
            [
                ChunkPlan {
                    chunk_nr: 1,
                    offset: 0,
                    len: 10
                },
                ChunkPlan {
                    chunk_nr: 2,
                    offset: 10,
                    len: 10
                },
                ChunkPlan {
                    chunk_nr: 3,
                    offset: 20,
                    len: 5
                },
            ]
        );
        assert!(p.is_complete());
    }

    #[test]
    fn resuming_and_resyncing_continue_from_the_server_state() {
        let mut p = UploadProgress::new(&state(20, 2), 25, Some(4));
        assert_eq!(
            p.next_chunk(),
            Some(ChunkPlan {
                chunk_nr: 3,
                offset: 20,
                len: 4
            })
        );
        p.resync(10, 1);
        assert_eq!(
            p.next_chunk(),
            Some(ChunkPlan {
                chunk_nr: 2,
                offset: 10,
                len: 4
            })
        );
        let empty = UploadProgress::new(&state(0, 0), 0, None);
        assert_eq!(empty.next_chunk(), None, "an empty file needs no chunk");
        assert!(empty.is_complete());
    }

    #[test]
    fn backoff_doubles_up_to_a_cap_then_gives_up() {
        let b = Backoff {
            first: Duration::from_millis(100),
            max: Duration::from_secs(1),
            attempts: 6,
        };
        let delays: Vec<_> = (1..=7).map(|n| b.delay(n)).collect();
        let ms = |n| Some(Duration::from_millis(n));
        assert_eq!(
            delays,
            [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000), None]
        );
        assert_eq!(b.delay(0), None);
        assert!(
            Backoff { attempts: 100, ..b }.delay(64).is_some(),
            "no overflow"
        );
    }
}
