//! MP4 and QuickTime MOV (ISO base media file format).
//!
//! A file is a list of boxes (size, type, body). The answers live in `moov`: `mvhd` holds the
//! movie duration; each `trak` has an `mdia/hdlr` saying what kind of track it is, a sample
//! description (`mdia/minf/stbl/stsd`) with the coded frame size and a `tkhd` with the display
//! size. `mdat`, the media itself, can be many gigabytes and come before or after `moov`, so
//! the top level is walked by seeking; only `moov` is read into memory.

use super::{Budget, HeaderInfo, read_at_most, read_exact_at, stream_len};
use std::io::{Read, Seek};

/// Boxes visited in the whole file, top level and inside `moov` together.
const MAX_BOXES: usize = 10_000;
/// Largest `moov` read into memory. Its sample tables grow with the length of the movie, but
/// even a feature film stays far below this.
const MAX_MOOV_BYTES: u64 = 64 * 1024 * 1024;

/// Box types a file may start with: `ftyp` normally, but old QuickTime files can open with
/// the movie, the media data or padding.
const FIRST_BOX_TYPES: [&[u8; 4]; 7] = [
    b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot",
];

/// Whether the first bytes of a file look like the header of a known top-level box.
pub(super) fn is_signature(magic: &[u8]) -> bool {
    let Some(kind) = magic.get(4..8) else {
        return false;
    };
    FIRST_BOX_TYPES.iter().any(|known| known.as_slice() == kind)
        && parse_header(magic, u64::MAX).is_some()
}

/// Walks the top-level boxes up to `moov` and reads what it says.
pub(super) fn read<R: Read + Seek>(reader: &mut R) -> Option<HeaderInfo> {
    let file_end = stream_len(reader)?;
    let budget = Budget::new(MAX_BOXES);
    let mut info = HeaderInfo {
        container: Some("mp4"),
        ..HeaderInfo::default()
    };
    let mut pos = 0;
    while budget.spend() {
        let Some(header) = read_box_header(reader, pos, file_end) else {
            break;
        };
        if header.kind == *b"moov" {
            if let Some(moov) = read_body(reader, &header) {
                read_moov(&moov, &budget, &mut info);
            }
            // A file has one movie box; whatever follows is media or metadata.
            break;
        }
        pos = header.end;
    }
    Some(info)
}

/// Where a box sits in the file.
struct BoxHeader {
    kind: [u8; 4],
    body_start: u64,
    end: u64,
}

/// Reads the header of the box at `pos`, which must end by `parent_end`.
fn read_box_header<R: Read + Seek>(reader: &mut R, pos: u64, parent_end: u64) -> Option<BoxHeader> {
    let mut bytes = [0u8; 16];
    let len = read_at_most(reader, pos, &mut bytes)?;
    let available = parent_end.checked_sub(pos)?;
    let (kind, header_len, size) = parse_header(&bytes[..len], available)?;
    Some(BoxHeader {
        kind,
        body_start: pos.checked_add(header_len)?,
        end: pos.checked_add(size)?,
    })
}

/// Reads a box's body into memory, refusing anything larger than `moov` may be.
fn read_body<R: Read + Seek>(reader: &mut R, header: &BoxHeader) -> Option<Vec<u8>> {
    let len = header.end.checked_sub(header.body_start)?;
    if len > MAX_MOOV_BYTES {
        return None;
    }
    read_exact_at(reader, header.body_start, len)
}

/// Decodes a box header from its first bytes: type, header length and total size. `available`
/// is the room left in the parent, which a size of 0 ("up to the end") fills and no box may
/// exceed.
fn parse_header(bytes: &[u8], available: u64) -> Option<([u8; 4], u64, u64)> {
    let size = be_u32(bytes, 0)?;
    let kind = be_bytes::<4>(bytes, 4)?;
    let (header_len, size) = match size {
        0 => (8, available),
        1 => (16, be_u64(bytes, 8)?),
        size => (8, u64::from(size)),
    };
    (header_len <= size && size <= available).then_some((kind, header_len, size))
}

/// Splits an in-memory box off the front of `data`: its type, its body and what follows.
fn split_box(data: &[u8]) -> Option<([u8; 4], &[u8], &[u8])> {
    let (kind, header_len, size) = parse_header(data, u64::try_from(data.len()).ok()?)?;
    let header_len = usize::try_from(header_len).ok()?;
    let size = usize::try_from(size).ok()?;
    Some((kind, data.get(header_len..size)?, data.get(size..)?))
}

/// The child boxes of an in-memory body, ending at the first inconsistent one.
fn children<'a>(body: &'a [u8], budget: &Budget) -> impl Iterator<Item = ([u8; 4], &'a [u8])> {
    super::children(body, budget, split_box)
}

/// The body of the first child of type `kind`.
fn child<'a>(body: &'a [u8], kind: &[u8; 4], budget: &Budget) -> Option<&'a [u8]> {
    children(body, budget)
        .find(|(k, _)| k == kind)
        .map(|(_, body)| body)
}

/// Fills `info` from the body of `moov`.
fn read_moov(moov: &[u8], budget: &Budget, info: &mut HeaderInfo) {
    let mut header = None;
    let mut fragments = None;
    let mut size = None;
    for (kind, body) in children(moov, budget) {
        match &kind {
            b"mvhd" if header.is_none() => header = movie_header(body),
            b"mvex" if fragments.is_none() => fragments = fragment_duration(body, budget),
            b"trak" if size.is_none() => size = video_track_size(body, budget),
            _ => {}
        }
    }
    if let Some((timescale, duration)) = header {
        // A fragmented file leaves the movie duration empty and gives the total in `mehd`.
        info.duration_seconds =
            seconds(duration, timescale).or_else(|| seconds(fragments, timescale));
    }
    if let Some((width, height)) = size {
        info.width = Some(width);
        info.height = Some(height);
    }
}

/// `mvhd`: the time scale (units per second) and the duration in those units, if known.
fn movie_header(body: &[u8]) -> Option<(u32, Option<u64>)> {
    match body.first()? {
        0 => Some((
            be_u32(body, 12)?,
            known(be_u32(body, 16).map(u64::from), u32::MAX.into()),
        )),
        1 => Some((be_u32(body, 20)?, known(be_u64(body, 24), u64::MAX))),
        _ => None,
    }
}

/// `mvex/mehd`: the duration of all fragments together, in the movie's time scale.
fn fragment_duration(mvex: &[u8], budget: &Budget) -> Option<u64> {
    let mehd = child(mvex, b"mehd", budget)?;
    match mehd.first()? {
        0 => known(be_u32(mehd, 4).map(u64::from), u32::MAX.into()),
        1 => known(be_u64(mehd, 4), u64::MAX),
        _ => None,
    }
}

/// A duration field, unless it holds the all-ones "unknown" marker.
fn known(duration: Option<u64>, unknown: u64) -> Option<u64> {
    duration.filter(|d| *d != unknown)
}

/// Converts a duration in `timescale` units to seconds; zero means "not given".
fn seconds(duration: Option<u64>, timescale: u32) -> Option<f64> {
    let duration = duration.filter(|d| *d > 0)?;
    (timescale > 0).then(|| duration as f64 / f64::from(timescale))
}

/// The frame size of a `trak`, if it is a video track that tells it.
fn video_track_size(trak: &[u8], budget: &Budget) -> Option<(u32, u32)> {
    let mut header_size = None;
    let mut media = None;
    for (kind, body) in children(trak, budget) {
        match &kind {
            b"tkhd" => header_size = track_header_size(body),
            b"mdia" => media = Some(body),
            _ => {}
        }
    }
    let media = media?;
    if handler_type(media, budget)? != *b"vide" {
        return None;
    }
    // The sample description holds the coded frame size, which is what ffprobe reports and
    // what Matroska's PixelWidth means. The track header holds the display size, which differs
    // for anamorphic video (720x480 shown as 853x480), so it only fills in when the former
    // is missing.
    sample_entry_size(media, budget).or(header_size)
}

/// `tkhd`: width and height, 16.16 fixed point, after fields whose size depends on the
/// version (the integer part is the pixel count).
fn track_header_size(body: &[u8]) -> Option<(u32, u32)> {
    let at = match body.first()? {
        0 => 76,
        1 => 88,
        _ => return None,
    };
    let width = be_u32(body, at)? >> 16;
    let height = be_u32(body, at + 4)? >> 16;
    nonzero(width, height)
}

/// `mdia/hdlr`: the four-letter kind of track (`vide`, `soun`, ...).
fn handler_type(mdia: &[u8], budget: &Budget) -> Option<[u8; 4]> {
    be_bytes(child(mdia, b"hdlr", budget)?, 8)
}

/// `mdia/minf/stbl/stsd`: the coded size in the first visual sample entry.
fn sample_entry_size(mdia: &[u8], budget: &Budget) -> Option<(u32, u32)> {
    let minf = child(mdia, b"minf", budget)?;
    let stbl = child(minf, b"stbl", budget)?;
    let stsd = child(stbl, b"stsd", budget)?;
    // Version, flags and entry count come before the first entry.
    let (_, entry, _) = split_box(stsd.get(8..)?)?;
    let width = be_u16(entry, 24)?;
    let height = be_u16(entry, 26)?;
    nonzero(u32::from(width), u32::from(height))
}

fn nonzero(width: u32, height: u32) -> Option<(u32, u32)> {
    (width > 0 && height > 0).then_some((width, height))
}

fn be_bytes<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
    data.get(at..at.checked_add(N)?)?.try_into().ok()
}

fn be_u16(data: &[u8], at: usize) -> Option<u16> {
    be_bytes(data, at).map(u16::from_be_bytes)
}

fn be_u32(data: &[u8], at: usize) -> Option<u32> {
    be_bytes(data, at).map(u32::from_be_bytes)
}

fn be_u64(data: &[u8], at: usize) -> Option<u64> {
    be_bytes(data, at).map(u64::from_be_bytes)
}

#[cfg(test)]
mod tests {
    use crate::media::testing::Lcg;
    use crate::media::{HeaderInfo, read_header};
    use std::io::Cursor;

    /// A box with a 32-bit size.
    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let size = u32::try_from(8 + body.len()).unwrap();
        [&size.to_be_bytes()[..], kind, body].concat()
    }

    /// A box with size 1 and a 64-bit "largesize".
    fn large_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let size = u64::try_from(16 + body.len()).unwrap();
        [&1u32.to_be_bytes()[..], kind, &size.to_be_bytes(), body].concat()
    }

    /// A "full box": version and flags before the body.
    fn full_box(kind: &[u8; 4], version: u8, fields: &[&[u8]]) -> Vec<u8> {
        bx(kind, &[&[version, 0, 0, 0][..], &fields.concat()].concat())
    }

    fn ftyp() -> Vec<u8> {
        bx(b"ftyp", b"isom\0\0\x02\0isomiso2avc1mp41")
    }

    /// The movie header's fields after the duration: rate, volume, reserved, matrix,
    /// pre_defined and next_track_ID.
    const MVHD_TAIL: [u8; 80] = [0; 80];

    fn mvhd_v0(timescale: u32, duration: u32) -> Vec<u8> {
        let times = [0u8; 8]; // creation and modification
        let fields: [&[u8]; 4] = [
            &times,
            &timescale.to_be_bytes(),
            &duration.to_be_bytes(),
            &MVHD_TAIL,
        ];
        full_box(b"mvhd", 0, &fields)
    }

    fn mvhd_v1(timescale: u32, duration: u64) -> Vec<u8> {
        let times = [0u8; 16];
        let fields: [&[u8]; 4] = [
            &times,
            &timescale.to_be_bytes(),
            &duration.to_be_bytes(),
            &MVHD_TAIL,
        ];
        full_box(b"mvhd", 1, &fields)
    }

    /// The track header's fields between the duration and the size: reserved, layer,
    /// alternate group, volume, reserved and the matrix.
    const TKHD_MIDDLE: [u8; 52] = [0; 52];

    fn fixed(pixels: u32) -> [u8; 4] {
        (pixels << 16).to_be_bytes()
    }

    fn tkhd_v0(width: u32, height: u32) -> Vec<u8> {
        // creation, modification, track_ID, reserved, duration: 32 bits each
        let ids = [0u8; 20];
        let fields: [&[u8]; 4] = [&ids, &TKHD_MIDDLE, &fixed(width), &fixed(height)];
        full_box(b"tkhd", 0, &fields)
    }

    fn tkhd_v1(width: u32, height: u32) -> Vec<u8> {
        // creation and modification 64 bits, track_ID and reserved 32, duration 64
        let ids = [0u8; 32];
        let fields: [&[u8]; 4] = [&ids, &TKHD_MIDDLE, &fixed(width), &fixed(height)];
        full_box(b"tkhd", 1, &fields)
    }

    fn hdlr(handler: &[u8; 4]) -> Vec<u8> {
        full_box(b"hdlr", 0, &[&[0; 4], handler, &[0; 12], b"Handler\0"])
    }

    fn trak(tkhd: Vec<u8>, handler: &[u8; 4]) -> Vec<u8> {
        let mdhd = full_box(b"mdhd", 0, &[&[0; 20]]);
        let mdia = bx(b"mdia", &[mdhd, hdlr(handler)].concat());
        bx(b"trak", &[tkhd, mdia].concat())
    }

    fn moov(children: &[Vec<u8>]) -> Vec<u8> {
        bx(b"moov", &children.concat())
    }

    fn read(bytes: &[u8]) -> Option<HeaderInfo> {
        read_header(&mut Cursor::new(bytes))
    }

    fn mp4(width: Option<u32>, height: Option<u32>, seconds: Option<f64>) -> Option<HeaderInfo> {
        Some(HeaderInfo {
            width,
            height,
            duration_seconds: seconds,
            container: Some("mp4"),
        })
    }

    /// A small complete file: 12.5 s, one 1280x720 video track.
    fn sample_file() -> Vec<u8> {
        let video = trak(tkhd_v0(1280, 720), b"vide");
        let movie = moov(&[mvhd_v0(1000, 12_500), video]);
        [ftyp(), movie, bx(b"mdat", &[0; 64])].concat()
    }

    #[test]
    fn reads_version_0_headers() {
        assert_eq!(read(&sample_file()), mp4(Some(1280), Some(720), Some(12.5)));
    }

    #[test]
    fn reads_version_1_headers() {
        let video = trak(tkhd_v1(3840, 2160), b"vide");
        let movie = moov(&[mvhd_v1(90_000, 90_000 * 7200), video]);
        let file = [ftyp(), movie].concat();
        assert_eq!(read(&file), mp4(Some(3840), Some(2160), Some(7200.0)));
    }

    #[test]
    fn finds_moov_after_the_media_data() {
        let video = trak(tkhd_v0(640, 360), b"vide");
        let movie = moov(&[mvhd_v0(600, 1800), video]);
        let file = [ftyp(), bx(b"mdat", &[0xAB; 1024]), movie].concat();
        assert_eq!(read(&file), mp4(Some(640), Some(360), Some(3.0)));
    }

    #[test]
    fn follows_a_64_bit_largesize() {
        let video = trak(tkhd_v0(720, 576), b"vide");
        let movie = moov(&[mvhd_v0(25, 250), video]);
        let file = [ftyp(), large_box(b"mdat", &[7; 1024]), movie].concat();
        assert_eq!(read(&file), mp4(Some(720), Some(576), Some(10.0)));
    }

    #[test]
    fn a_size_of_zero_runs_to_the_end_of_the_file() {
        let movie = moov(&[mvhd_v0(1, 60), trak(tkhd_v0(320, 240), b"vide")]);
        let open_ended_mdat = [&0u32.to_be_bytes()[..], b"mdat", &[1; 100]].concat();
        let file = [ftyp(), movie.clone(), open_ended_mdat.clone()].concat();
        assert_eq!(read(&file), mp4(Some(320), Some(240), Some(60.0)));
        // Nothing can follow an open-ended box, so a movie after it is never seen.
        let file = [ftyp(), open_ended_mdat, movie].concat();
        assert_eq!(read(&file), mp4(None, None, None));
    }

    #[test]
    fn ignores_audio_tracks() {
        // The audio track claims a size only to prove it is not taken.
        let audio = trak(tkhd_v0(111, 222), b"soun");
        let video = trak(tkhd_v0(1920, 1080), b"vide");
        let movie = moov(&[mvhd_v0(48_000, 48_000), audio, video]);
        let file = [ftyp(), movie].concat();
        assert_eq!(read(&file), mp4(Some(1920), Some(1080), Some(1.0)));
    }

    #[test]
    fn without_a_video_track_only_the_duration_is_known() {
        let movie = moov(&[mvhd_v0(44_100, 441_000), trak(tkhd_v0(0, 0), b"soun")]);
        let file = [ftyp(), movie].concat();
        assert_eq!(read(&file), mp4(None, None, Some(10.0)));
    }

    #[test]
    fn prefers_the_first_video_track() {
        let first = trak(tkhd_v0(1280, 720), b"vide");
        let second = trak(tkhd_v1(640, 480), b"vide");
        let file = [ftyp(), moov(&[mvhd_v0(1, 1), first, second])].concat();
        assert_eq!(read(&file), mp4(Some(1280), Some(720), Some(1.0)));
    }

    /// A video track whose sample description gives a coded size.
    fn trak_with_sample_entry(tkhd: Vec<u8>, width: u16, height: u16) -> Vec<u8> {
        // A visual sample entry: 6 reserved bytes, data reference index, 16 bytes of
        // pre-defined and reserved fields, then the size.
        let entry = [
            &[0u8; 24][..],
            &width.to_be_bytes(),
            &height.to_be_bytes(),
            &[0; 50],
        ]
        .concat();
        let stsd = full_box(b"stsd", 0, &[&1u32.to_be_bytes(), &bx(b"avc1", &entry)]);
        let minf = bx(
            b"minf",
            &[bx(b"vmhd", &[0; 12]), bx(b"stbl", &stsd)].concat(),
        );
        let mdia = bx(b"mdia", &[hdlr(b"vide"), minf].concat());
        bx(b"trak", &[tkhd, mdia].concat())
    }

    #[test]
    fn prefers_the_coded_size_to_the_display_size() {
        // Anamorphic NTSC: 720x480 coded, shown as 853x480.
        let video = trak_with_sample_entry(tkhd_v0(853, 480), 720, 480);
        let file = [ftyp(), moov(&[mvhd_v0(1, 5), video])].concat();
        assert_eq!(read(&file), mp4(Some(720), Some(480), Some(5.0)));
        // Either one alone is enough.
        let video = trak_with_sample_entry(tkhd_v0(0, 0), 1920, 800);
        let file = [ftyp(), moov(&[mvhd_v0(1, 5), video])].concat();
        assert_eq!(read(&file), mp4(Some(1920), Some(800), Some(5.0)));
        let video = trak_with_sample_entry(tkhd_v1(1280, 544), 0, 0);
        let file = [ftyp(), moov(&[mvhd_v0(1, 5), video])].concat();
        assert_eq!(read(&file), mp4(Some(1280), Some(544), Some(5.0)));
    }

    #[test]
    fn fragmented_files_give_the_duration_in_mehd() {
        let mehd = full_box(b"mehd", 0, &[&30_000u32.to_be_bytes()]);
        let mvex = bx(b"mvex", &mehd);
        let movie = moov(&[mvhd_v0(1000, 0), trak(tkhd_v0(854, 480), b"vide"), mvex]);
        let file = [ftyp(), movie].concat();
        assert_eq!(read(&file), mp4(Some(854), Some(480), Some(30.0)));
    }

    #[test]
    fn unknown_or_meaningless_durations_are_none() {
        for header in [
            mvhd_v0(1000, u32::MAX),
            mvhd_v1(1000, u64::MAX),
            mvhd_v0(0, 100),
            mvhd_v0(1000, 0),
        ] {
            let file = [ftyp(), moov(&[header])].concat();
            assert_eq!(read(&file), mp4(None, None, None));
        }
    }

    #[test]
    fn quicktime_files_may_start_without_ftyp() {
        let movie = moov(&[mvhd_v0(600, 600), trak(tkhd_v0(640, 480), b"vide")]);
        let file = [bx(b"wide", &[]), bx(b"mdat", &[0; 32]), movie.clone()].concat();
        assert_eq!(read(&file), mp4(Some(640), Some(480), Some(1.0)));
        // Even with a 64-bit size on the very first box.
        let file = [large_box(b"mdat", &[0; 32]), movie].concat();
        assert_eq!(read(&file), mp4(Some(640), Some(480), Some(1.0)));
    }

    #[test]
    fn a_truncated_file_tells_only_what_it_still_holds() {
        let file = sample_file();
        let moov_end = file.len() - 72;
        for len in 0..file.len() {
            let info = read(&file[..len]);
            if len < 8 {
                assert_eq!(info, None, "cut at {len}");
            } else if len < moov_end {
                assert_eq!(info, mp4(None, None, None), "cut at {len}");
            } else {
                assert_eq!(info, mp4(Some(1280), Some(720), Some(12.5)), "cut at {len}");
            }
        }
    }

    #[test]
    fn stops_at_inconsistent_sizes() {
        // A box smaller than its own header.
        let tiny = [&4u32.to_be_bytes()[..], b"free"].concat();
        assert_eq!(
            read(&[ftyp(), tiny, sample_file()].concat()),
            mp4(None, None, None)
        );
        // A media box claiming far more than the file holds.
        let huge = [&1u32.to_be_bytes()[..], b"mdat", &u64::MAX.to_be_bytes()].concat();
        assert_eq!(
            read(&[ftyp(), huge, sample_file()].concat()),
            mp4(None, None, None)
        );
        // A track running past the end of moov: the movie header before it still counts.
        let mut video = trak(tkhd_v0(1280, 720), b"vide");
        video[3] += 1;
        let file = [ftyp(), moov(&[mvhd_v0(10, 20), video])].concat();
        assert_eq!(read(&file), mp4(None, None, Some(2.0)));
    }

    #[test]
    fn survives_garbage() {
        let mut rng = Lcg(0x5EED);
        let valid = sample_file();
        for _ in 0..300 {
            // Pure noise, noise behind a believable first box, and a valid file with a few
            // bytes changed and its end cut at random.
            let len = rng.below(600);
            let noise = rng.bytes(len);
            let _ = read(&noise);
            let _ = read(&[ftyp(), noise].concat());
            let mut damaged = valid.clone();
            for _ in 0..4 {
                let at = rng.below(damaged.len());
                damaged[at] = rng.byte();
            }
            damaged.truncate(rng.below(damaged.len() + 1));
            let _ = read(&damaged);
        }
    }
}
