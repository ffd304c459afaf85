//! Matroska and WebM (EBML).
//!
//! EBML is a tree of elements: an ID and a size, both variable-length integers, then the body.
//! A file is an EBML header naming the document type, then a Segment holding Info (duration),
//! Tracks (frame size) and the Clusters of media. Segment children are walked by seeking, so
//! clusters are never read; only the EBML header, Info and Tracks are read into memory.

use super::{Budget, HeaderInfo, read_at_most, read_exact_at, stream_len};
use std::io::{Read, Seek};

const EBML: u32 = 0x1A45_DFA3;
const DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TIMECODE_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_TYPE: u32 = 0x83;
const VIDEO: u32 = 0xE0;
const PIXEL_WIDTH: u32 = 0xB0;
const PIXEL_HEIGHT: u32 = 0xBA;

const TRACK_TYPE_VIDEO: u64 = 1;
/// Nanoseconds per tick when Info does not say: the durations are then in milliseconds.
const DEFAULT_TIMECODE_SCALE: u64 = 1_000_000;

/// Elements visited in the whole file, on disk and in memory together.
const MAX_ELEMENTS: usize = 10_000;
/// Largest EBML header read into memory; a real one is a few dozen bytes.
const MAX_EBML_HEADER_BYTES: u64 = 64 * 1024;
/// Largest Info or Tracks read into memory. Tracks carry codec setup data, usually a few KiB.
const MAX_MASTER_BYTES: u64 = 16 * 1024 * 1024;

/// Whether a file starts with an EBML header ID.
pub(super) fn is_signature(magic: &[u8]) -> bool {
    magic.starts_with(&EBML.to_be_bytes())
}

/// Checks the document type, then reads Info and Tracks from the first Segment.
pub(super) fn read<R: Read + Seek>(reader: &mut R) -> Option<HeaderInfo> {
    let file_end = stream_len(reader)?;
    let budget = Budget::new(MAX_ELEMENTS);
    let header = read_element_header(reader, 0, file_end)?;
    if header.id != EBML {
        return None;
    }
    let body = read_body(reader, &header, MAX_EBML_HEADER_BYTES)?;
    if !is_matroska(&body, &budget) {
        return None;
    }
    let mut info = HeaderInfo {
        container: Some("matroska"),
        ..HeaderInfo::default()
    };
    let mut pos = header.end?;
    while budget.spend() {
        // No end limit here: a Segment running past the end of a truncated file still holds
        // its headers, and anything else that does only makes the next read fail.
        let Some(element) = read_element_header(reader, pos, u64::MAX) else {
            break;
        };
        if element.id == SEGMENT {
            read_segment(reader, &element, file_end, &budget, &mut info);
            break;
        }
        let Some(end) = element.end else {
            break;
        };
        pos = end;
    }
    Some(info)
}

/// Walks the Segment's children until both Info and Tracks were read.
fn read_segment<R: Read + Seek>(
    reader: &mut R,
    segment: &Element,
    file_end: u64,
    budget: &Budget,
    info: &mut HeaderInfo,
) {
    // A segment cut short by a truncated file still has its headers at the front.
    let segment_end = segment.end.unwrap_or(file_end).min(file_end);
    let mut pos = segment.body_start;
    let (mut seen_info, mut seen_tracks) = (false, false);
    while !(seen_info && seen_tracks) && budget.spend() {
        let Some(element) = read_element_header(reader, pos, segment_end) else {
            break;
        };
        // Only a Cluster written live has an unknown size, and its end can only be found by
        // reading through it: stop there, the headers come before the media in practice.
        let Some(end) = element.end else {
            break;
        };
        match element.id {
            INFO if !seen_info => {
                seen_info = true;
                if let Some(body) = read_body(reader, &element, MAX_MASTER_BYTES) {
                    info.duration_seconds = duration_seconds(&body, budget);
                }
            }
            TRACKS if !seen_tracks => {
                seen_tracks = true;
                if let Some(body) = read_body(reader, &element, MAX_MASTER_BYTES)
                    && let Some((width, height)) = video_size(&body, budget)
                {
                    info.width = Some(width);
                    info.height = Some(height);
                }
            }
            // Clusters, cues, tags...: seek past without reading.
            _ => {}
        }
        pos = end;
    }
}

/// Where an element sits in the file; `end` is `None` for an unknown size.
struct Element {
    id: u32,
    body_start: u64,
    end: Option<u64>,
}

/// Reads the ID and size of the element at `pos`, which must end by `parent_end`.
fn read_element_header<R: Read + Seek>(
    reader: &mut R,
    pos: u64,
    parent_end: u64,
) -> Option<Element> {
    // The longest header: a 4-byte ID and an 8-byte size.
    let mut bytes = [0u8; 12];
    let len = read_at_most(reader, pos, &mut bytes)?;
    let bytes = &bytes[..len];
    let (id, id_len) = element_id(bytes)?;
    let (size, size_len) = element_size(bytes.get(id_len..)?)?;
    let body_start = pos.checked_add(u64::try_from(id_len + size_len).ok()?)?;
    let end = match size {
        Some(size) => Some(body_start.checked_add(size)?),
        None => None,
    };
    let fits = end.unwrap_or(body_start) <= parent_end;
    fits.then_some(Element {
        id,
        body_start,
        end,
    })
}

/// Reads an element's body into memory, refusing unknown sizes and anything over `max`.
fn read_body<R: Read + Seek>(reader: &mut R, element: &Element, max: u64) -> Option<Vec<u8>> {
    let len = element.end?.checked_sub(element.body_start)?;
    if len > max {
        return None;
    }
    read_exact_at(reader, element.body_start, len)
}

/// Decodes a variable-length integer at the start of `bytes`: the leading zero bits of the
/// first byte give its length (1 to 8 bytes), followed by a 1 marker bit. Returns the bytes
/// as a number, marker included, and the length.
fn vint(bytes: &[u8]) -> Option<(u64, usize)> {
    let first = *bytes.first()?;
    // A zero first byte would announce more than 8 bytes, which EBML does not allow.
    if first == 0 {
        return None;
    }
    let len = usize::try_from(first.leading_zeros()).ok()? + 1;
    let raw = bytes
        .get(..len)?
        .iter()
        .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
    Some((raw, len))
}

/// An element ID, which keeps its marker bits. Matroska IDs are at most 4 bytes long, and a
/// longer one does not fit in a `u32`.
fn element_id(bytes: &[u8]) -> Option<(u32, usize)> {
    let (raw, len) = vint(bytes)?;
    Some((u32::try_from(raw).ok()?, len))
}

/// An element size without its marker; `None` inside when all value bits are set, which
/// EBML reserves for "unknown size" (a stream written live).
fn element_size(bytes: &[u8]) -> Option<(Option<u64>, usize)> {
    let (raw, len) = vint(bytes)?;
    let all_ones = (1u64 << (7 * len)) - 1;
    let value = raw & all_ones;
    Some(((value != all_ones).then_some(value), len))
}

/// The child elements of an in-memory body, ending at the first inconsistent one.
fn children<'a>(body: &'a [u8], budget: &Budget) -> impl Iterator<Item = (u32, &'a [u8])> {
    super::children(body, budget, split_element)
}

/// Splits an in-memory element off the front of `data`: its ID, its body and what follows.
/// Elements of unknown size have no place inside the masters read into memory.
fn split_element(data: &[u8]) -> Option<(u32, &[u8], &[u8])> {
    let (id, id_len) = element_id(data)?;
    let (size, size_len) = element_size(data.get(id_len..)?)?;
    let start = id_len + size_len;
    let end = start.checked_add(usize::try_from(size?).ok()?)?;
    Some((id, data.get(start..end)?, data.get(end..)?))
}

/// Whether the EBML header's DocType is one this reader understands.
fn is_matroska(header: &[u8], budget: &Budget) -> bool {
    children(header, budget)
        .find(|(id, _)| *id == DOC_TYPE)
        .is_some_and(|(_, doc_type)| matches!(trim_nuls(doc_type), b"matroska" | b"webm"))
}

/// EBML strings may be padded with zero bytes.
fn trim_nuls(text: &[u8]) -> &[u8] {
    let len = text
        .iter()
        .rposition(|b| *b != 0)
        .map_or(0, |last| last + 1);
    &text[..len]
}

/// Info: Duration is a float counted in TimecodeScale nanoseconds.
fn duration_seconds(info: &[u8], budget: &Budget) -> Option<f64> {
    let mut scale = Some(DEFAULT_TIMECODE_SCALE);
    let mut duration = None;
    for (id, value) in children(info, budget) {
        match id {
            TIMECODE_SCALE => scale = uint(value),
            DURATION => duration = float(value),
            _ => {}
        }
    }
    let scale = scale.filter(|s| *s > 0)?;
    let seconds = duration? * scale as f64 / 1e9;
    (seconds.is_finite() && seconds > 0.0).then_some(seconds)
}

/// The pixel size of the first video track that gives one.
fn video_size(tracks: &[u8], budget: &Budget) -> Option<(u32, u32)> {
    children(tracks, budget)
        .filter(|(id, _)| *id == TRACK_ENTRY)
        .find_map(|(_, entry)| video_track_size(entry, budget))
}

/// A TrackEntry's PixelWidth and PixelHeight, if its TrackType says video.
fn video_track_size(entry: &[u8], budget: &Budget) -> Option<(u32, u32)> {
    let mut is_video = false;
    let mut size = None;
    for (id, value) in children(entry, budget) {
        match id {
            TRACK_TYPE => is_video = uint(value) == Some(TRACK_TYPE_VIDEO),
            VIDEO => size = pixel_size(value, budget),
            _ => {}
        }
    }
    size.filter(|_| is_video)
}

fn pixel_size(video: &[u8], budget: &Budget) -> Option<(u32, u32)> {
    let (mut width, mut height) = (None, None);
    for (id, value) in children(video, budget) {
        match id {
            PIXEL_WIDTH => width = uint(value).and_then(|w| u32::try_from(w).ok()),
            PIXEL_HEIGHT => height = uint(value).and_then(|h| u32::try_from(h).ok()),
            _ => {}
        }
    }
    let (width, height) = (width?, height?);
    (width > 0 && height > 0).then_some((width, height))
}

/// A big-endian unsigned integer of 0 to 8 bytes (empty means 0).
fn uint(bytes: &[u8]) -> Option<u64> {
    (bytes.len() <= 8).then(|| {
        bytes
            .iter()
            .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte))
    })
}

/// A big-endian IEEE float of 0, 4 or 8 bytes (empty means 0).
fn float(bytes: &[u8]) -> Option<f64> {
    match bytes.len() {
        0 => Some(0.0),
        4 => Some(f64::from(f32::from_be_bytes(bytes.try_into().ok()?))),
        8 => Some(f64::from_be_bytes(bytes.try_into().ok()?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::read_header;
    use crate::media::testing::Lcg;
    use std::io::Cursor;

    const CLUSTER: u32 = 0x1F43_B675;
    const VOID: u32 = 0xEC;

    /// An ID as written: its big-endian bytes without leading zeros (the marker is built in).
    fn id_bytes(id: u32) -> Vec<u8> {
        let bytes = id.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        bytes[skip..].to_vec()
    }

    /// A size as a vint of `len` bytes.
    fn size_vint(size: usize, len: usize) -> Vec<u8> {
        let marked = u64::try_from(size).unwrap() | (1 << (7 * len));
        marked.to_be_bytes()[8 - len..].to_vec()
    }

    /// A size as the shortest vint that holds it.
    fn short_size(size: usize) -> Vec<u8> {
        let len = (1..=8)
            .find(|len| u64::try_from(size).unwrap() < (1u64 << (7 * len)) - 1)
            .unwrap();
        size_vint(size, len)
    }

    fn el(id: u32, body: &[u8]) -> Vec<u8> {
        [id_bytes(id), short_size(body.len()), body.to_vec()].concat()
    }

    /// An element with an 8-byte size, as muxers write sizes they fill in afterwards.
    fn el8(id: u32, body: &[u8]) -> Vec<u8> {
        [id_bytes(id), size_vint(body.len(), 8), body.to_vec()].concat()
    }

    /// An element of unknown size, as written by live muxers (browsers' MediaRecorder).
    fn el_unknown(id: u32, body: &[u8]) -> Vec<u8> {
        [
            id_bytes(id),
            vec![0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            body.to_vec(),
        ]
        .concat()
    }

    fn uint_el(id: u32, value: u64) -> Vec<u8> {
        let bytes = value.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
        el(id, &bytes[skip..])
    }

    fn ebml_header(doc_type: &str) -> Vec<u8> {
        let fields = [
            uint_el(0x4286, 1), // EBMLVersion
            uint_el(0x42F7, 1), // EBMLReadVersion
            uint_el(0x42F2, 4), // EBMLMaxIDLength
            uint_el(0x42F3, 8), // EBMLMaxSizeLength
            el(DOC_TYPE, doc_type.as_bytes()),
            uint_el(0x4287, 4), // DocTypeVersion
            uint_el(0x4285, 2), // DocTypeReadVersion
        ];
        el(EBML, &fields.concat())
    }

    fn duration_f64(ticks: f64) -> Vec<u8> {
        el(DURATION, &ticks.to_be_bytes())
    }

    fn duration_f32(ticks: f32) -> Vec<u8> {
        el(DURATION, &ticks.to_be_bytes())
    }

    fn info(children: &[Vec<u8>]) -> Vec<u8> {
        let muxing_app = el(0x4D80, b"test");
        el(INFO, &[children.concat(), muxing_app].concat())
    }

    fn track(kind: u64, size: Option<(u64, u64)>) -> Vec<u8> {
        let mut fields = vec![
            uint_el(0xD7, 1), // TrackNumber
            uint_el(TRACK_TYPE, kind),
            el(0x86, b"V_VP9"), // CodecID
        ];
        if let Some((width, height)) = size {
            let pixels = [uint_el(PIXEL_WIDTH, width), uint_el(PIXEL_HEIGHT, height)];
            fields.push(el(VIDEO, &pixels.concat()));
        }
        el(TRACK_ENTRY, &fields.concat())
    }

    fn tracks(entries: &[Vec<u8>]) -> Vec<u8> {
        el(TRACKS, &entries.concat())
    }

    fn cluster(media_bytes: usize) -> Vec<u8> {
        let timecode = uint_el(0xE7, 0);
        let block = el(0xA3, &vec![0x55; media_bytes]); // SimpleBlock
        el(CLUSTER, &[timecode, block].concat())
    }

    fn read(bytes: &[u8]) -> Option<HeaderInfo> {
        read_header(&mut Cursor::new(bytes))
    }

    fn matroska(
        width: Option<u32>,
        height: Option<u32>,
        seconds: Option<f64>,
    ) -> Option<HeaderInfo> {
        Some(HeaderInfo {
            width,
            height,
            duration_seconds: seconds,
            container: Some("matroska"),
        })
    }

    /// Info (12.5 s in the default millisecond ticks), one 1920x1080 video track, media.
    fn sample_segment_children() -> Vec<Vec<u8>> {
        vec![
            el(VOID, &[0; 16]),
            info(&[uint_el(TIMECODE_SCALE, 1_000_000), duration_f64(12_500.0)]),
            tracks(&[track(1, Some((1920, 1080)))]),
            cluster(1024),
        ]
    }

    fn sample_file() -> Vec<u8> {
        [
            ebml_header("matroska"),
            el8(SEGMENT, &sample_segment_children().concat()),
        ]
        .concat()
    }

    #[test]
    fn reads_a_segment_of_known_size() {
        assert_eq!(
            read(&sample_file()),
            matroska(Some(1920), Some(1080), Some(12.5))
        );
    }

    #[test]
    fn reads_a_segment_of_unknown_size() {
        let file = [
            ebml_header("matroska"),
            el_unknown(SEGMENT, &sample_segment_children().concat()),
        ]
        .concat();
        assert_eq!(read(&file), matroska(Some(1920), Some(1080), Some(12.5)));
    }

    #[test]
    fn reads_float32_and_float64_durations() {
        for duration in [duration_f32(2_000.0), duration_f64(2_000.0)] {
            let children = [info(&[duration]), tracks(&[track(1, Some((640, 480)))])];
            let file = [ebml_header("matroska"), el8(SEGMENT, &children.concat())].concat();
            assert_eq!(read(&file), matroska(Some(640), Some(480), Some(2.0)));
        }
    }

    #[test]
    fn applies_a_custom_timecode_scale() {
        // Microsecond ticks, the duration written before the scale.
        let children = [info(&[
            duration_f64(2_500_000.0),
            uint_el(TIMECODE_SCALE, 1_000),
        ])];
        let file = [ebml_header("matroska"), el(SEGMENT, &children.concat())].concat();
        assert_eq!(read(&file), matroska(None, None, Some(2.5)));
    }

    #[test]
    fn the_default_timecode_scale_is_milliseconds() {
        let children = [info(&[duration_f32(1_500.0)])];
        let file = [ebml_header("matroska"), el(SEGMENT, &children.concat())].concat();
        assert_eq!(read(&file), matroska(None, None, Some(1.5)));
    }

    #[test]
    fn reads_webm() {
        let file = [
            ebml_header("webm"),
            el8(SEGMENT, &sample_segment_children().concat()),
        ]
        .concat();
        assert_eq!(read(&file), matroska(Some(1920), Some(1080), Some(12.5)));
        // Padded strings are allowed.
        let file = [
            ebml_header("webm\0\0"),
            el8(SEGMENT, &sample_segment_children().concat()),
        ]
        .concat();
        assert_eq!(read(&file), matroska(Some(1920), Some(1080), Some(12.5)));
    }

    #[test]
    fn other_ebml_documents_are_not_videos() {
        let segment = el8(SEGMENT, &sample_segment_children().concat());
        assert_eq!(
            read(&[ebml_header("mka-ish"), segment.clone()].concat()),
            None
        );
        let without_doc_type = el(EBML, &uint_el(0x4286, 1));
        assert_eq!(read(&[without_doc_type, segment].concat()), None);
    }

    #[test]
    fn skips_tracks_that_are_not_video() {
        // The audio and subtitle entries carry a Video element only to prove it is ignored.
        let entries = [
            track(2, Some((111, 222))),
            track(17, Some((333, 444))),
            track(1, Some((1280, 536))),
            track(1, Some((640, 480))),
        ];
        let children = [info(&[duration_f64(1_000.0)]), tracks(&entries)];
        let file = [ebml_header("matroska"), el8(SEGMENT, &children.concat())].concat();
        assert_eq!(read(&file), matroska(Some(1280), Some(536), Some(1.0)));
        // A video track without a size does not stop the search.
        let entries = [track(1, None), track(1, Some((720, 480)))];
        let file = [ebml_header("matroska"), el8(SEGMENT, &tracks(&entries))].concat();
        assert_eq!(read(&file), matroska(Some(720), Some(480), None));
    }

    #[test]
    fn seeks_past_clusters_to_late_headers() {
        let children = [
            info(&[duration_f64(4_000.0)]),
            cluster(1024),
            cluster(1024),
            el8(0x1C53_BB6B, &[0; 32]), // Cues
            tracks(&[track(1, Some((3840, 1600)))]),
        ];
        let file = [ebml_header("matroska"), el8(SEGMENT, &children.concat())].concat();
        assert_eq!(read(&file), matroska(Some(3840), Some(1600), Some(4.0)));
    }

    #[test]
    fn stops_at_a_cluster_of_unknown_size() {
        let children = [
            info(&[duration_f64(4_000.0)]),
            el_unknown(CLUSTER, &cluster(64)),
            tracks(&[track(1, Some((3840, 1600)))]),
        ];
        let file = [ebml_header("webm"), el_unknown(SEGMENT, &children.concat())].concat();
        assert_eq!(read(&file), matroska(None, None, Some(4.0)));
    }

    #[test]
    fn without_duration_or_tracks_only_the_container_is_known() {
        let file = [ebml_header("webm"), el(SEGMENT, &info(&[]))].concat();
        assert_eq!(read(&file), matroska(None, None, None));
        assert_eq!(read(&ebml_header("matroska")), matroska(None, None, None));
    }

    #[test]
    fn rejects_impossible_durations() {
        for duration in [
            duration_f64(f64::NAN),
            duration_f64(-5.0),
            duration_f64(f64::INFINITY),
            el(DURATION, &[0; 3]),
        ] {
            let file = [ebml_header("matroska"), el(SEGMENT, &info(&[duration]))].concat();
            assert_eq!(read(&file), matroska(None, None, None));
        }
        let zero_scale = info(&[uint_el(TIMECODE_SCALE, 0), duration_f64(1.0)]);
        let file = [ebml_header("matroska"), el(SEGMENT, &zero_scale)].concat();
        assert_eq!(read(&file), matroska(None, None, None));
    }

    #[test]
    fn decodes_variable_length_integers() {
        assert_eq!(element_size(&[0x81]), Some((Some(1), 1)));
        assert_eq!(element_size(&[0x40, 0x02]), Some((Some(2), 2)));
        assert_eq!(
            element_size(&[0x01, 0, 0, 0, 0, 0, 0x01, 0x00]),
            Some((Some(256), 8))
        );
        assert_eq!(element_size(&[0xFF]), Some((None, 1)));
        assert_eq!(
            element_size(&[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
            Some((None, 8))
        );
        // A zero first byte would mean more than 8 bytes; a vint cut short is no vint.
        assert_eq!(element_size(&[0x00, 0x81]), None);
        assert_eq!(element_size(&[0x40]), None);
        assert_eq!(element_size(&[]), None);
        assert_eq!(element_id(&[0x1A, 0x45, 0xDF, 0xA3]), Some((EBML, 4)));
        assert_eq!(element_id(&[0xEC]), Some((VOID, 1)));
        // IDs longer than 4 bytes are not Matroska.
        assert_eq!(element_id(&[0x08, 1, 2, 3, 4]), None);
    }

    #[test]
    fn stops_at_an_invalid_size() {
        // A size starting with a zero byte after Info: the headers before it still count.
        let broken = [id_bytes(TRACKS), vec![0x00, 0x81]].concat();
        let children = [
            info(&[duration_f64(3_000.0)]),
            broken,
            tracks(&[track(1, Some((1, 1)))]),
        ];
        let file = [
            ebml_header("matroska"),
            el_unknown(SEGMENT, &children.concat()),
        ]
        .concat();
        assert_eq!(read(&file), matroska(None, None, Some(3.0)));
        // Tracks claiming more than the segment holds.
        let mut late = tracks(&[track(1, Some((1, 1)))]);
        late[4] += 1;
        let children = [info(&[duration_f64(3_000.0)]), late];
        let file = [ebml_header("matroska"), el8(SEGMENT, &children.concat())].concat();
        assert_eq!(read(&file), matroska(None, None, Some(3.0)));
    }

    #[test]
    fn a_truncated_file_tells_only_what_it_still_holds() {
        let file = sample_file();
        let header_end = ebml_header("matroska").len();
        let tracks_end = file.len() - cluster(1024).len();
        for len in 0..file.len() {
            let info = read(&file[..len]);
            if len < header_end {
                assert_eq!(info, None, "cut at {len}");
            } else if len >= tracks_end {
                assert_eq!(
                    info,
                    matroska(Some(1920), Some(1080), Some(12.5)),
                    "cut at {len}"
                );
            } else {
                assert_eq!(info.unwrap().width, None, "cut at {len}");
            }
        }
    }

    #[test]
    fn survives_garbage() {
        let mut rng = Lcg(0xC0FFEE);
        let valid = sample_file();
        for _ in 0..300 {
            // Pure noise, noise behind a believable header, and a valid file with a few bytes
            // changed and its end cut at random.
            let len = rng.below(600);
            let noise = rng.bytes(len);
            let _ = read(&noise);
            let _ = read(&[ebml_header("webm"), noise.clone()].concat());
            let _ = read(&[ebml_header("webm"), id_bytes(SEGMENT), noise].concat());
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
