//! Frame size and duration read straight from a video's container header, for when ffprobe
//! is not installed.
//!
//! Only MP4/MOV (ISO-BMFF) and Matroska/WebM are understood. The readers seek past the media
//! data instead of reading it, bound every loop and allocation, and treat any inconsistency as
//! "stop here": a damaged or hostile file gives less information, never a panic or a huge read.
//! They need only `Read + Seek`, so the same code runs natively and in the browser.

pub mod codecs;
pub mod keyframes;
mod mkv;
mod mp4;
pub mod probe;
#[cfg(test)]
pub(crate) mod samples;

use std::cell::Cell;
use std::io::{self, Read, Seek, SeekFrom};

/// What every ffmpeg run starts with: quiet, no terminal, overwrite the output, and only
/// plain files read or written (a name like `concat:…`, `http://…` or `subfile,…`, or a
/// playlist inside a file, would otherwise make ffmpeg open something else). Inputs and
/// outputs are then named `file:…`.
pub fn ffmpeg_preamble() -> Vec<String> {
    [
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-protocol_whitelist",
        "file",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The demuxers a file read over the network may use: the containers movies come in, and none
/// that opens other addresses (playlists such as HLS, `concat`, DASH manifests).
const NETWORK_FORMATS: &str = "matroska,webm,mov,mp4,m4a,3gp,3g2,mj2,avi,mpegts,mpeg,flv,ogg,asf";

/// How ffmpeg and ffprobe are given `input`: the options that go just before it, and its
/// name. A local path is read as `file:…` (with the preamble's `file`-only whitelist). A signed
/// link to an object in a bucket (`http://…`, `https://…`) may use only the protocols that link
/// needs and only movie containers, so that a file made to look like a playlist cannot make
/// the server fetch other addresses.
pub fn input(input: &str) -> (Vec<String>, String) {
    if !is_link(input) {
        return (Vec::new(), format!("file:{input}"));
    }
    let protocols = if input.starts_with("https://") {
        "https,tls,tcp"
    } else {
        "http,tcp"
    };
    let options = [
        "-protocol_whitelist",
        protocols,
        "-format_whitelist",
        NETWORK_FORMATS,
    ];
    (options.map(str::to_owned).to_vec(), input.to_owned())
}

/// Whether ffmpeg's `input` is a link (a bucket's signed URL) rather than a path on disk.
pub fn is_link(input: &str) -> bool {
    input.starts_with("http://") || input.starts_with("https://")
}

/// What a container header tells about a video.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HeaderInfo {
    /// Frame width in pixels of the first video track.
    pub width: Option<u32>,
    /// Frame height in pixels of the first video track.
    pub height: Option<u32>,
    /// Duration of the whole presentation.
    pub duration_seconds: Option<f64>,
    /// `"mp4"` or `"matroska"` (WebM included, as ffprobe names it).
    pub container: Option<&'static str>,
}

/// Reads the header of an MP4/MOV or Matroska/WebM file, starting from the beginning of
/// `reader` whatever its current position.
///
/// Never panics on any input; returns `None` when the bytes are neither format or too damaged
/// to tell anything. A recognised file whose size or duration cannot be found gives
/// `Some` with only `container` set.
pub fn read_header<R: Read + Seek>(reader: &mut R) -> Option<HeaderInfo> {
    // Long enough for an MP4 box header with a 64-bit size.
    let mut magic = [0u8; 16];
    let len = read_at_most(reader, 0, &mut magic)?;
    let magic = &magic[..len];
    if mkv::is_signature(magic) {
        mkv::read(reader)
    } else if mp4::is_signature(magic) {
        mp4::read(reader)
    } else {
        None
    }
}

/// Seeks to `pos` and fills as much of `buf` as the stream holds: a short read near the end
/// of a file is an answer, not an error.
fn read_at_most<R: Read + Seek>(reader: &mut R, pos: u64, buf: &mut [u8]) -> Option<usize> {
    reader.seek(SeekFrom::Start(pos)).ok()?;
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(filled)
}

/// Reads exactly `len` bytes at `pos`. The buffer grows with what really arrives, so a size
/// claimed by a damaged header cannot make us allocate more than the file holds.
fn read_exact_at<R: Read + Seek>(reader: &mut R, pos: u64, len: u64) -> Option<Vec<u8>> {
    reader.seek(SeekFrom::Start(pos)).ok()?;
    let mut data = Vec::new();
    reader.by_ref().take(len).read_to_end(&mut data).ok()?;
    (u64::try_from(data.len()).ok() == Some(len)).then_some(data)
}

/// The stream's length in bytes.
fn stream_len<R: Seek>(reader: &mut R) -> Option<u64> {
    reader.seek(SeekFrom::End(0)).ok()
}

/// A countdown shared by nested loops, so a file made of millions of tiny boxes or elements
/// cannot keep us busy.
struct Budget {
    left: Cell<usize>,
}

impl Budget {
    fn new(steps: usize) -> Self {
        Self {
            left: Cell::new(steps),
        }
    }

    /// Takes one step; false once the budget is spent.
    fn spend(&self) -> bool {
        let left = self.left.get();
        self.left.set(left.saturating_sub(1));
        left > 0
    }
}

/// Splits one child off the front of a body: its type or ID, its body, and what follows.
type Split<'a, K> = fn(&'a [u8]) -> Option<(K, &'a [u8], &'a [u8])>;

/// The children of an in-memory body, split off the front one by one by the format's `split`
/// (type or ID, body, what follows), ending at the first inconsistent one or when the budget
/// is spent.
fn children<'a, K>(
    body: &'a [u8],
    budget: &Budget,
    split: Split<'a, K>,
) -> impl Iterator<Item = (K, &'a [u8])> {
    let mut rest = body;
    std::iter::from_fn(move || {
        if rest.is_empty() || !budget.spend() {
            return None;
        }
        let Some((key, child, after)) = split(rest) else {
            rest = &[];
            return None;
        };
        rest = after;
        Some((key, child))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn unknown_bytes_are_not_a_video() {
        for bytes in [&b""[..], b"\x1A", b"hello world, not a video", &[0u8; 64]] {
            assert_eq!(read_header(&mut Cursor::new(bytes)), None);
        }
    }

    #[test]
    fn reads_from_the_start_whatever_the_position() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&20u32.to_be_bytes());
        bytes.extend_from_slice(b"ftypisom\0\0\0\0isom");
        let mut cursor = Cursor::new(bytes);
        cursor.set_position(11);
        let info = read_header(&mut cursor).unwrap();
        assert_eq!(info.container, Some("mp4"));
    }

    #[test]
    fn budget_counts_down_to_zero() {
        let budget = Budget::new(2);
        assert!(budget.spend());
        assert!(budget.spend());
        assert!(!budget.spend());
        assert!(!budget.spend());
    }
}

#[cfg(test)]
pub(crate) mod testing {
    /// A small deterministic generator, so the garbage the readers are fed is the same on
    /// every run.
    pub struct Lcg(pub u64);

    impl Lcg {
        pub fn byte(&mut self) -> u8 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0.to_be_bytes()[0]
        }

        pub fn below(&mut self, n: usize) -> usize {
            let wide = (usize::from(self.byte()) << 8) | usize::from(self.byte());
            wide % n.max(1)
        }

        pub fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.byte()).collect()
        }
    }
}
