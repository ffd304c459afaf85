//! SubRip (.srt) subtitles turned into WebVTT, the only format a browser `<track>` reads.
//!
//! SRT files in the wild come in many encodings and with loose syntax, so decoding guesses the
//! encoding and conversion is forgiving: a malformed cue is skipped (and counted), never fatal.

/// The outcome of a conversion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Converted {
    /// The full WebVTT document, `\n` line endings, starting with `WEBVTT\n\n`.
    pub vtt: String,
    /// Cues written to `vtt`.
    pub cues: usize,
    /// Blocks that could not become a cue: no valid timing line, end before start, or no text.
    pub skipped: usize,
}

/// Decodes and converts the bytes of an SRT file. The bytes are taken by value so that a
/// UTF-8 file becomes the text without a copy; the WebVTT is then written in one pass.
pub fn convert(bytes: Vec<u8>) -> Converted {
    srt_to_vtt(&decode(bytes))
}

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// The text of an SRT file's bytes, decoded: UTF-8 (with or without BOM), UTF-16 LE/BE with
/// BOM, else Windows-1252 (which covers Latin-1). UTF-8 reuses the buffer it is given.
pub fn decode(mut bytes: Vec<u8>) -> String {
    if bytes.starts_with(UTF8_BOM) {
        // The BOM says UTF-8: a few bad bytes should not turn the whole file into cp1252 noise.
        bytes.drain(..UTF8_BOM.len());
        return String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, u16::from_be_bytes);
    }
    match String::from_utf8(bytes) {
        Ok(text) => text,
        // Legacy 8-bit files carry no marker; cp1252 is what Windows subtitle tools wrote.
        Err(e) => e.as_bytes().iter().map(|&b| cp1252(b)).collect(),
    }
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let chunks = bytes.chunks_exact(2);
    let odd_byte = !chunks.remainder().is_empty();
    let units = chunks.map(|pair| unit([pair[0], pair[1]]));
    let mut text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    if odd_byte {
        text.push(char::REPLACEMENT_CHARACTER);
    }
    text
}

/// Windows-1252 characters for bytes 0x80–0x9F; the five undefined ones keep their code point.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

fn cp1252(byte: u8) -> char {
    match byte {
        0x80..=0x9F => CP1252_HIGH[usize::from(byte - 0x80)],
        // Everything else is the same code point as Latin-1.
        _ => char::from(byte),
    }
}

/// A WebVTT document from SRT text.
pub fn srt_to_vtt(srt: &str) -> Converted {
    let srt = srt.strip_prefix('\u{FEFF}').unwrap_or(srt);
    // WebVTT is about as long as the SRT it comes from: one allocation, usually.
    let mut vtt = String::with_capacity(srt.len() + 16);
    vtt.push_str("WEBVTT\n\n");
    let mut out = Converted {
        vtt,
        cues: 0,
        skipped: 0,
    };
    let mut block = Vec::new();
    // A final empty line flushes the last block of a file without a trailing newline.
    for line in lines(srt).map(str::trim_end).chain([""]) {
        if !line.is_empty() {
            block.push(line);
            continue;
        }
        if block.is_empty() {
            continue;
        }
        match cue(&block) {
            Some(cue) => {
                if out.cues > 0 {
                    out.vtt.push('\n');
                }
                out.vtt.push_str(&cue);
                out.cues += 1;
            }
            None => out.skipped += 1,
        }
        block.clear();
    }
    out
}

/// The lines of a text, whatever ends them (`\n`, `\r\n` or a lone `\r`), borrowed from it
/// rather than copied into a normalised text.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.find(['\r', '\n']) {
            Some(end) => {
                let ending = if text[end..].starts_with("\r\n") {
                    2
                } else {
                    1
                };
                rest = Some(&text[end + ending..]);
                Some(&text[..end])
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// One WebVTT cue (ending in `\n`) from the non-blank lines of an SRT block.
fn cue(block: &[&str]) -> Option<String> {
    // The cue number is optional and WebVTT does not need it.
    let is_number = !block[0].is_empty() && block[0].trim().bytes().all(|b| b.is_ascii_digit());
    let timing_at = usize::from(is_number && block.len() > 1);
    let (start, end) = timing(block[timing_at])?;
    if end < start {
        return None;
    }
    let lines: Vec<String> = block[timing_at + 1..]
        .iter()
        .map(|line| cue_text(line).trim_end().to_owned())
        // A blank line would end the cue early in WebVTT.
        .filter(|line| !line.trim().is_empty())
        .collect();
    if lines.is_empty() {
        return None;
    }
    Some(format!(
        "{} --> {}\n{}\n",
        timestamp_text(start),
        timestamp_text(end),
        lines.join("\n")
    ))
}

/// Start and end in milliseconds; anything after the end time (SRT `X1:` coordinates) is dropped.
fn timing(line: &str) -> Option<(u64, u64)> {
    let (start, rest) = line.split_once("-->")?;
    let end = rest.split_whitespace().next()?;
    Some((timestamp(start.trim())?, timestamp(end)?))
}

/// Milliseconds from `H:M:S,mmm` (or `.mmm`), with short fields allowed.
fn timestamp(text: &str) -> Option<u64> {
    let (hms, fraction) = text.split_once([',', '.'])?;
    let mut fields = hms.split(':');
    let hours = number(fields.next()?, 3)?;
    let minutes = number(fields.next()?, 2)?;
    let seconds = number(fields.next()?, 2)?;
    if fields.next().is_some() || minutes >= 60 || seconds >= 60 {
        return None;
    }
    // `,5` is half a second, so short fractions are padded on the right.
    let millis = number(fraction, 3)? * 10u64.pow(3 - fraction.len() as u32);
    Some(((hours * 60 + minutes) * 60 + seconds) * 1000 + millis)
}

/// A run of 1 to `max_digits` ASCII digits.
fn number(text: &str, max_digits: usize) -> Option<u64> {
    let valid = (1..=max_digits).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| text.parse().ok()).flatten()
}

fn timestamp_text(ms: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// A line of cue text made safe for WebVTT: the basic tags it shares with SRT are kept, SRT-only
/// markup is dropped, and everything else that is special is escaped. Escaping every `>` also
/// takes care of `-->`, which WebVTT forbids in cue text.
fn cue_text(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if let Some((len, keep)) = markup(rest) {
            out.push_str(keep);
            rest = &rest[len..];
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The byte length of the markup `text` starts with, and what replaces it in WebVTT.
fn markup(text: &str) -> Option<(usize, &'static str)> {
    if text.starts_with("{\\") {
        // SSA override such as `{\an8}`; WebVTT has no equivalent inline.
        return Some((text.find('}')? + 1, ""));
    }
    if !text.starts_with('<') {
        return None;
    }
    let len = text.find('>')? + 1;
    let tag = text[..len].to_ascii_lowercase();
    let keep = match tag.as_str() {
        "<i>" => "<i>",
        "</i>" => "</i>",
        "<b>" => "<b>",
        "</b>" => "</b>",
        "<u>" => "<u>",
        "</u>" => "</u>",
        "</font>" => "",
        _ if tag
            .strip_prefix("<font")
            .is_some_and(|attrs| attrs.starts_with(|c: char| c.is_whitespace() || c == '>')) =>
        {
            ""
        }
        _ => return None,
    };
    Some((len, keep))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "WEBVTT\n\n";

    fn vtt(srt: &str) -> String {
        srt_to_vtt(srt).vtt
    }

    #[test]
    fn converts_a_simple_file() {
        let srt = "1\n00:01:02,345 --> 00:01:04,000\nHello\nWorld\n\n2\n00:01:05,000 --> 00:01:06,500\nBye\n";
        let converted = srt_to_vtt(srt);
        assert_eq!(
            converted.vtt,
            "WEBVTT\n\n00:01:02.345 --> 00:01:04.000\nHello\nWorld\n\n00:01:05.000 --> 00:01:06.500\nBye\n"
        );
        assert_eq!((converted.cues, converted.skipped), (2, 0));
    }

    #[test]
    fn empty_input_gives_only_the_header() {
        for srt in ["", "\n\n", "   \r\n", "\u{FEFF}"] {
            assert_eq!(
                srt_to_vtt(srt),
                Converted {
                    vtt: HEADER.to_owned(),
                    cues: 0,
                    skipped: 0
                }
            );
        }
        assert_eq!(convert(Vec::new()).vtt, HEADER);
    }

    #[test]
    fn accepts_crlf_and_cr_line_endings() {
        let expected =
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA\nB\n\n00:00:03.000 --> 00:00:04.000\nC\n";
        let crlf = "1\r\n00:00:01,000 --> 00:00:02,000\r\nA\r\nB\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nC\r\n";
        let cr = "1\r00:00:01,000 --> 00:00:02,000\rA\rB\r\r2\r00:00:03,000 --> 00:00:04,000\rC\r";
        assert_eq!(vtt(crlf), expected);
        assert_eq!(vtt(cr), expected);
    }

    #[test]
    fn tolerates_loose_spacing_and_missing_final_newline() {
        let srt = "\n\n1  \n00:00:01,000 --> 00:00:02,000  \nA \t\n\n\n\n \n2\n00:00:03,000 --> 00:00:04,000\nB";
        let converted = srt_to_vtt(srt);
        assert_eq!(
            converted.vtt,
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA\n\n00:00:03.000 --> 00:00:04.000\nB\n"
        );
        assert_eq!((converted.cues, converted.skipped), (2, 0));
        let trailing = "00:00:01,000 --> 00:00:02,000\nA\n\n\n\n";
        assert_eq!(
            vtt(trailing),
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA\n"
        );
    }

    #[test]
    fn cue_number_is_optional() {
        let srt = "00:00:01,000 --> 00:00:02,000\nA\n\n7\n00:00:03,000 --> 00:00:04,000\nB\n";
        assert_eq!(
            vtt(srt),
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA\n\n00:00:03.000 --> 00:00:04.000\nB\n"
        );
    }

    #[test]
    fn a_number_as_the_only_text_line_is_kept() {
        let srt = "00:00:01,000 --> 00:00:02,000\n42\n";
        assert_eq!(vtt(srt), "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n42\n");
    }

    #[test]
    fn normalises_timestamps() {
        let cases = [
            (
                "00:01:02,345 --> 00:01:04,000",
                "00:01:02.345 --> 00:01:04.000",
            ),
            (
                "00:01:02.345 --> 00:01:04.000",
                "00:01:02.345 --> 00:01:04.000",
            ),
            ("0:1:2,5 --> 0:1:4,05", "00:01:02.500 --> 00:01:04.050"),
            ("1:02:03,4 --> 01:2:3,40", "01:02:03.400 --> 01:02:03.400"),
            (
                "00:00:01,000-->00:00:02,000",
                "00:00:01.000 --> 00:00:02.000",
            ),
            (
                "  00:00:01,000    -->   00:00:02,000  ",
                "00:00:01.000 --> 00:00:02.000",
            ),
            (
                "100:00:00,000 --> 100:00:01,000",
                "100:00:00.000 --> 100:00:01.000",
            ),
        ];
        for (timing, expected) in cases {
            let converted = srt_to_vtt(&format!("1\n{timing}\nText\n"));
            assert_eq!(
                converted.vtt,
                format!("{HEADER}{expected}\nText\n"),
                "{timing}"
            );
        }
    }

    #[test]
    fn drops_position_coordinates() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000 X1:100 X2:600 Y1:50 Y2:80\nText\n";
        assert_eq!(vtt(srt), "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nText\n");
    }

    #[test]
    fn skips_malformed_cues_and_keeps_the_rest() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nGood one\n\n\
                   2\n00:00:03,000 00:00:04,000\nNo arrow\n\n\
                   3\n00:61:00,000 --> 00:62:00,000\nBad minutes\n\n\
                   4\n00:00:60,000 --> 00:00:61,000\nBad seconds\n\n\
                   5\n00:00:0a,000 --> 00:00:04,000\nNot a number\n\n\
                   6\n00:00:05,0000 --> 00:00:06,000\nFour-digit fraction\n\n\
                   7\n00:00:05 --> 00:00:06\nNo fraction\n\n\
                   Just some text\n\n\
                   8\n\n\
                   9\n00:00:07,000 --> 00:00:08,000\nGood two\n";
        let converted = srt_to_vtt(srt);
        assert_eq!(
            converted.vtt,
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nGood one\n\n00:00:07.000 --> 00:00:08.000\nGood two\n"
        );
        assert_eq!((converted.cues, converted.skipped), (2, 8));
    }

    #[test]
    fn skips_cues_ending_before_they_start() {
        let srt = "1\n00:00:05,000 --> 00:00:04,999\nBackwards\n\n2\n00:00:06,000 --> 00:00:06,000\nInstant\n";
        let converted = srt_to_vtt(srt);
        assert_eq!(
            converted.vtt,
            "WEBVTT\n\n00:00:06.000 --> 00:00:06.000\nInstant\n"
        );
        assert_eq!((converted.cues, converted.skipped), (1, 1));
    }

    #[test]
    fn skips_cues_without_text() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\n\n\
                   2\n00:00:03,000 --> 00:00:04,000\n{\\an8}\n\n\
                   3\n00:00:05,000 --> 00:00:06,000\n<font color=\"red\"></font>\n\n\
                   4\n00:00:07,000 --> 00:00:08,000\nText\n";
        let converted = srt_to_vtt(srt);
        assert_eq!(
            converted.vtt,
            "WEBVTT\n\n00:00:07.000 --> 00:00:08.000\nText\n"
        );
        assert_eq!((converted.cues, converted.skipped), (1, 3));
    }

    #[test]
    fn escapes_arrows_in_text() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\n-->\nso --> that\n";
        assert_eq!(
            vtt(srt),
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n--&gt;\nso --&gt; that\n"
        );
    }

    #[test]
    fn escapes_ampersands_and_angle_brackets() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nTom & Jerry &amp; co\n1 < 2 > 0 <3 <br>\n";
        assert_eq!(
            vtt(srt),
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nTom &amp; Jerry &amp;amp; co\n1 &lt; 2 &gt; 0 &lt;3 &lt;br&gt;\n"
        );
    }

    #[test]
    fn keeps_basic_tags_and_drops_font() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\n<i>Italic</i> <B>bold</B> <u>under</u>\n<font color=\"#ffff00\">Yellow</font> <FONT face=x>F</FONT><font>plain</font>\n<fonts>\n";
        assert_eq!(
            vtt(srt),
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<i>Italic</i> <b>bold</b> <u>under</u>\nYellow Fplain\n&lt;fonts&gt;\n"
        );
    }

    #[test]
    fn drops_ssa_overrides() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\n{\\an8}Top line\n{\\i1}Styled{\\i0} {not an override}\n{\\an2}\n";
        assert_eq!(
            vtt(srt),
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nTop line\nStyled {not an override}\n"
        );
    }

    #[test]
    fn decodes_utf8_with_and_without_bom() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nCafé ’\n";
        let expected = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nCafé ’\n";
        assert_eq!(convert(srt.as_bytes().to_vec()).vtt, expected);
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), srt.as_bytes()].concat();
        assert_eq!(decode(with_bom.clone()), srt);
        assert_eq!(convert(with_bom).vtt, expected);
        // A BOM followed by a stray invalid byte still decodes as UTF-8.
        assert_eq!(decode(b"\xEF\xBB\xBFa\xFFb".to_vec()), "a\u{FFFD}b");
    }

    #[test]
    fn text_with_a_bom_character_converts() {
        let srt = "\u{FEFF}1\n00:00:01,000 --> 00:00:02,000\nA\n";
        assert_eq!(vtt(srt), "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA\n");
    }

    #[test]
    fn decodes_windows_1252() {
        assert_eq!(decode(vec![0x43, 0x61, 0x66, 0xE9]), "Café");
        assert_eq!(decode(vec![0x92]), "’");
        assert_eq!(
            decode(vec![0x80, 0x81, 0x8A, 0x93, 0x94, 0x96, 0x9F, 0xA0, 0xFF]),
            "€\u{81}Š“”–Ÿ\u{A0}ÿ"
        );
        let srt = b"1\r\n00:00:01,000 --> 00:00:02,000\r\nCaf\xE9 l\x92ami\r\n";
        assert_eq!(
            convert(srt.to_vec()).vtt,
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nCafé l’ami\n"
        );
    }

    #[test]
    fn decodes_utf16_with_bom() {
        let srt = "1\r\n00:00:01,000 --> 00:00:02,000\r\nCafé ’ 😀\r\n";
        let expected = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nCafé ’ 😀\n";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(srt.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(srt.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(le.clone()), srt);
        assert_eq!(decode(be), srt);
        assert_eq!(convert(le).vtt, expected);
        // A truncated final unit becomes a replacement character rather than vanishing.
        assert_eq!(decode(vec![0xFF, 0xFE, b'a', 0, b'b']), "a\u{FFFD}");
    }

    #[test]
    fn utf8_is_decoded_in_place_and_lines_end_any_way() {
        let bytes = b"1\n00:00:01,000 --> 00:00:02,000\nA\n".to_vec();
        let at = bytes.as_ptr();
        let text = decode(bytes);
        assert_eq!(text.as_ptr(), at, "no copy of a UTF-8 file");
        let mut with_bom = UTF8_BOM.to_vec();
        with_bom.extend_from_slice(b"abc");
        let at = with_bom.as_ptr();
        let text = decode(with_bom);
        assert_eq!(text.as_ptr(), at, "nor of one with a BOM");
        let split: Vec<&str> = lines("a\r\nb\rc\n\nd\r\n").collect();
        assert_eq!(split, ["a", "b", "c", "", "d", ""]);
        assert_eq!(lines("").collect::<Vec<_>>(), [""]);
    }
}
