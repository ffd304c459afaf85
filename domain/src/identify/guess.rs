//! What a movie file's name says about it: title, year, and the release details people and
//! release groups put in names (`The.Matrix.1999.1080p.BluRay.x264-GROUP.mkv`).
//!
//! The name is cut into words; the title is the words before the first one that is clearly
//! not part of a title (a resolution, source, codec, edition...), and the year is the last
//! plausible year before that point which still leaves a title in front of it, so that
//! `2001.A.Space.Odyssey.1968`, `Blade.Runner.2049.2017` and `1917.2019` come out right.

use serde::{Deserialize, Serialize};

/// Everything a name tells; fields it does not tell are `None` (or empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Guess {
    pub title: Option<String>,
    pub year: Option<u16>,
    /// `2160p`, `1080p`, `720p`, `576p`, `480p`.
    pub resolution: Option<String>,
    /// `BluRay`, `WEB-DL`, `WEBRip`, `HDTV`, `DVDRip`, `DVD`, `BDRip`, `HDRip`, `Remux`, `CAM`.
    pub source: Option<String>,
    /// `x264`, `x265`, `H.264`, `H.265`, `XviD`, `DivX`, `AV1`, `VP9`.
    pub codec: Option<String>,
    /// `Director's Cut`, `Extended`, `Unrated`, ...
    pub edition: Option<String>,
    /// The part of a film split over several files (CD1, Disc 2, Part 2).
    pub part: Option<u32>,
    /// ISO 639-1 codes of language tags (`mul` for MULTI).
    pub languages: Vec<String>,
    /// The release group.
    pub group: Option<String>,
    pub imdb_id: Option<String>,
}

/// Years a film can have been released in. (The upper bound is generous so the guesser
/// needs no clock; `Blade Runner 2049` still keeps its number.)
const YEARS: std::ops::RangeInclusive<u16> = 1888..=2040;

/// Names seen on disks that cannot be uploaded but still name a film, beyond the upload lists.
const MORE_VIDEO_EXTENSIONS: &[&str] = &["vob", "iso", "divx", "3gp"];
const MORE_SUBTITLE_EXTENSIONS: &[&str] = &["idx", "sup"];

/// Guesses from a file name alone.
pub fn guess(filename: &str) -> Guess {
    guess_name(filename)
}

/// Guesses from a file name, falling back on its folder's name when the file name is weak
/// (`movie.mkv`, `CD1.avi`, a hash) for the title and year.
pub fn guess_with_folder(filename: &str, folder: Option<&str>) -> Guess {
    let mut found = guess_name(filename);
    let Some(folder) = folder.filter(|f| !f.trim().is_empty()) else {
        return found;
    };
    if !is_weak(&found) {
        return found;
    }
    let from_folder = guess_name(folder);
    if from_folder.title.is_none() {
        return found;
    }
    found.title = from_folder.title;
    found.year = found.year.or(from_folder.year);
    found.imdb_id = found.imdb_id.or(from_folder.imdb_id);
    found.resolution = found.resolution.or(from_folder.resolution);
    found.source = found.source.or(from_folder.source);
    found.codec = found.codec.or(from_folder.codec);
    found.edition = found.edition.or(from_folder.edition);
    found.group = found.group.or(from_folder.group);
    if found.languages.is_empty() {
        found.languages = from_folder.languages;
    }
    found
}

/// A title that cannot be a film's: missing, generic, a number, or a hash.
fn is_weak(g: &Guess) -> bool {
    let Some(title) = g.title.as_deref() else {
        return true;
    };
    if g.year.is_some() {
        return false;
    }
    let lower = title.to_lowercase();
    const GENERIC: &[&str] = &[
        "movie", "film", "video", "sample", "main", "feature", "title", "untitled", "output",
        "final", "vts", "track", "clip", "part", "disc", "cd",
    ];
    let words: Vec<&str> = lower.split_whitespace().collect();
    let generic = words.iter().all(|w| {
        GENERIC.contains(w)
            || w.bytes().all(|b| b.is_ascii_digit() || b == b'_')
            // MakeMKV's `title_t00`.
            || w.strip_prefix('t').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            || GENERIC.iter().any(|g| {
                w.strip_prefix(g)
                    .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit() || b == b'_'))
            })
    });
    let hash = words.len() == 1
        && lower.len() >= 8
        && lower.bytes().all(|b| b.is_ascii_alphanumeric())
        && lower.bytes().any(|b| b.is_ascii_digit())
        && lower.bytes().any(|b| b.is_ascii_alphabetic());
    // Scene-obfuscated names: `abc-xyz`, `grp-mtrx1080`.
    let scene = words.len() == 1
        && title == lower
        && lower.split_once('-').is_some_and(|(a, b)| {
            (2..=8).contains(&a.len())
                && (2..=12).contains(&b.len())
                && a.bytes().all(|c| c.is_ascii_alphanumeric())
                && b.bytes().all(|c| c.is_ascii_alphanumeric())
        });
    generic || hash || scene
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Word,
    Dash,
    Year(u16),
    Resolution(&'static str),
    Source(&'static str),
    Codec(&'static str),
    Edition(&'static str, usize),
    Part(u32, usize),
    Language(&'static str),
    /// Release details that mean nothing to us (audio, HDR, PROPER...) but end the title.
    Other,
}

impl Kind {
    fn ends_title(self) -> bool {
        !matches!(self, Kind::Word | Kind::Dash | Kind::Year(_))
    }
}

#[derive(Debug)]
struct Token<'a> {
    text: &'a str,
    lower: String,
    bracketed: bool,
}

fn guess_name(name: &str) -> Guess {
    let mut out = Guess::default();
    let mut rest = name.trim();
    // A path: judge the last component.
    if let Some((_, last)) = rest.rsplit_once(['/', '\\']) {
        rest = last;
    }
    let (stem, subtitle) = strip_extension(rest);
    let mut stem = stem.to_owned();
    if subtitle {
        stem = strip_subtitle_tags(&stem, &mut out.languages);
    }
    if let Some(id) = crate::imdb::ImdbId::find_in(&stem).map(crate::imdb::ImdbId::into_string) {
        let at = stem.to_ascii_lowercase().find(&id).unwrap_or(0);
        stem.replace_range(at..at + id.len(), "");
        out.imdb_id = Some(id);
    }
    let stem = strip_site_prefix(&stem);
    let (stem, lead_group) = strip_leading_group(stem);
    let (stem, tail_group) = strip_trailing_group(stem);
    out.group = tail_group.or(lead_group).map(|g| without_domain(&g));

    let (stem, edition) = take_plex_edition(stem);
    out.edition = edition;
    let mut tokens = split_compounds(tokenize(&stem));
    // `...[Eng]-aXXo`: a group after the last bracket.
    if let Some(last) = tokens.last()
        && let Some(rest) = last.text.strip_prefix('-')
        && !rest.is_empty()
        && tokens.len() > 1
    {
        let bracketed = last.bracketed;
        let n = tokens.len();
        tokens[n - 1] = token(rest, bracketed);
        if !classify(&tokens, n - 1).ends_title() && out.group.is_none() {
            out.group = Some(rest.to_owned());
            tokens.pop();
        }
    }
    let mut kinds: Vec<Kind> = Vec::with_capacity(tokens.len());
    for i in 0..tokens.len() {
        kinds.push(classify(&tokens, i));
    }
    // The scene group glued to the last word: `x264-SPARKS`, `H.265-FLUX`. Only among release
    // details, so that `Spider-Man` keeps its name.
    let n = tokens.len();
    if out.group.is_none()
        && n > 1
        && let Some((left, right)) = tokens[n - 1].text.rsplit_once('-')
        && !left.is_empty()
        && !right.is_empty()
        && (1..n).any(|i| kinds[i].ends_title() || matches!(kinds[i], Kind::Year(_)))
    {
        out.group = Some(right.to_owned());
        tokens[n - 1] = token(left, false);
        kinds[n - 2] = classify(&tokens, n - 2);
        kinds[n - 1] = classify(&tokens, n - 1);
    }

    // Where the title ends: at the first release detail. A first word ends it only when it
    // cannot be a title's (`CD1.avi`, `1080p.mkv`); `Cam`, `Extended` or `FRENCH` could be.
    let first_detail = (0..kinds.len())
        .find(|&i| {
            kinds[i].ends_title()
                && (i > 0
                    || matches!(
                        kinds[0],
                        Kind::Resolution(_) | Kind::Codec(_) | Kind::Part(..)
                    ))
        })
        .unwrap_or(kinds.len());
    // The year: the last one before that point that leaves a title in front of it; else the
    // first one after it.
    let year_at = (1..first_detail)
        .rev()
        .find(|&i| matches!(kinds[i], Kind::Year(_)) && has_words(&kinds[..i]))
        .or_else(|| (first_detail..kinds.len()).find(|&i| matches!(kinds[i], Kind::Year(_))));
    if let Some(i) = year_at
        && let Kind::Year(y) = kinds[i]
    {
        out.year = Some(y);
    }
    let title_end = match year_at {
        Some(i) if i < first_detail => i,
        _ => first_detail,
    };

    let mut i = title_end;
    while i < kinds.len() {
        match kinds[i] {
            Kind::Resolution(r) => {
                out.resolution.get_or_insert_with(|| r.to_owned());
            }
            // A remux says more than the disc it came from.
            Kind::Source(s) if s == "Remux" => out.source = Some(s.to_owned()),
            Kind::Source(s) => {
                out.source.get_or_insert_with(|| s.to_owned());
            }
            Kind::Codec(c) => {
                out.codec.get_or_insert_with(|| c.to_owned());
            }
            Kind::Edition(e, width) => {
                out.edition.get_or_insert_with(|| e.to_owned());
                i += width - 1;
            }
            Kind::Part(p, width) => {
                out.part.get_or_insert(p);
                i += width - 1;
            }
            Kind::Language(l) if !out.languages.iter().any(|x| x == l) => {
                out.languages.push(l.to_owned());
            }
            Kind::Word if tokens[i].lower == "part" => {
                if let Some(p) = tokens.get(i + 1).and_then(|t| number(&t.lower)) {
                    out.part.get_or_insert(p);
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.title = title(&tokens[..title_end]);
    out
}

fn has_words(kinds: &[Kind]) -> bool {
    kinds.iter().any(|k| !matches!(k, Kind::Dash))
}

/// Removes a known extension; says whether it was a subtitle's.
fn strip_extension(name: &str) -> (&str, bool) {
    use crate::upload::{SUBTITLE_EXTENSIONS, VIDEO_EXTENSIONS, extension};
    let ext = extension(name);
    let is = |lists: [&[&str]; 2]| lists.iter().any(|l| l.contains(&ext.as_str()));
    let stem = || &name[..name.len() - ext.len() - 1];
    if is([VIDEO_EXTENSIONS, MORE_VIDEO_EXTENSIONS]) {
        (stem(), false)
    } else if is([SUBTITLE_EXTENSIONS, MORE_SUBTITLE_EXTENSIONS]) {
        (stem(), true)
    } else {
        (name, false)
    }
}

/// `Movie.2010.forced.eng` → `Movie.2010`, noting `en`.
fn strip_subtitle_tags(stem: &str, languages: &mut Vec<String>) -> String {
    let mut end = stem.len();
    while let Some((head, tag)) = stem[..end].rsplit_once(['.', '_', ' ']) {
        let tag = tag.to_ascii_lowercase();
        if ["forced", "sdh", "hi", "cc", "default", "full"].contains(&tag.as_str()) {
            end = head.len();
        } else if let Some(code) = language_code(&tag) {
            if !languages.iter().any(|l| l == code) {
                languages.insert(0, code.to_owned());
            }
            end = head.len();
        } else {
            break;
        }
    }
    stem[..end].to_owned()
}

/// Drops an advertised web site in front: `www.Site.com - Title`, `[ www.Site.org ] Title`,
/// `Site.to - Title`.
fn strip_site_prefix(stem: &str) -> &str {
    if let Some((head, tail)) = stem.split_once(" - ")
        && looks_like_domain(head.trim())
    {
        return tail.trim_start();
    }
    let trimmed = stem.trim_start_matches(['[', '(', '{', ' ']);
    if !trimmed.to_ascii_lowercase().starts_with("www.") {
        return stem;
    }
    let lower = trimmed.to_ascii_lowercase();
    for tld in [
        ".com", ".org", ".net", ".to", ".me", ".cc", ".info", ".io", ".tv", ".mx", ".am",
    ] {
        if let Some(at) = lower.find(tld) {
            let after = &trimmed[at + tld.len()..];
            return after.trim_start_matches([']', ')', '}', ' ', '-', '.', '_']);
        }
    }
    stem
}

/// `YTS.MX` → `YTS`: groups that publish under several domains are one group.
fn without_domain(group: &str) -> String {
    match group.rsplit_once('.') {
        Some((name, tld))
            if tld.len() == 2
                && tld.bytes().all(|b| b.is_ascii_alphabetic())
                && !name.is_empty() =>
        {
            name.to_owned()
        }
        _ => group.to_owned(),
    }
}

/// Plex's `{edition-Director's Cut}`: the edition, and the name without it.
fn take_plex_edition(stem: &str) -> (String, Option<String>) {
    let lower = stem.to_lowercase();
    if let Some(at) = lower.find("{edition-")
        && let Some(len) = stem[at..].find('}')
    {
        let edition = stem[at + "{edition-".len()..at + len].trim().to_owned();
        let rest = format!("{}{}", &stem[..at], &stem[at + len + 1..]);
        return (rest, (!edition.is_empty()).then_some(edition));
    }
    (stem.to_owned(), None)
}

/// Splits words such as `Bluray-1080p` whose every dash-separated part is a release detail.
fn split_compounds(tokens: Vec<Token<'_>>) -> Vec<Token<'_>> {
    let mut out = Vec::with_capacity(tokens.len());
    for t in tokens {
        let whole = classify(std::slice::from_ref(&t), 0);
        let parts: Vec<&str> = t.text.split('-').collect();
        let all_details = parts.len() > 1
            && parts.iter().all(|p| {
                !p.is_empty() && {
                    let k = classify(&[token(p, t.bracketed)], 0);
                    k.ends_title() || matches!(k, Kind::Year(_))
                }
            });
        if whole == Kind::Word && all_details {
            out.extend(parts.into_iter().map(|p| token(p, t.bracketed)));
        } else {
            out.push(t);
        }
    }
    out
}

/// `name.tld` with no spaces and a short alphabetic last part.
fn looks_like_domain(text: &str) -> bool {
    !text.contains(' ')
        && text.rsplit_once('.').is_some_and(|(name, tld)| {
            !name.is_empty()
                && (2..=4).contains(&tld.len())
                && tld.bytes().all(|b| b.is_ascii_alphabetic())
        })
}

/// `[YTS.MX] Title (2010)` → the group in front.
fn strip_leading_group(stem: &str) -> (&str, Option<String>) {
    let trimmed = stem.trim_start();
    if let Some(inner) = trimmed.strip_prefix('[')
        && let Some(close) = inner.find(']')
    {
        let group = inner[..close].trim();
        let after = inner[close + 1..].trim_start_matches([' ', '.', '_', '-']);
        if !group.is_empty() && !after.is_empty() && !group.bytes().all(|b| b.is_ascii_digit()) {
            return (after, Some(group.to_owned()));
        }
    }
    (stem, None)
}

/// `Title 2010 1080p [YTS.MX]` or `...x264-[rarbg]` → the group at the end, when the bracket
/// holds no release detail itself.
fn strip_trailing_group(stem: &str) -> (&str, Option<String>) {
    let trimmed = stem.trim_end();
    if let Some(inner) = trimmed.strip_suffix(']')
        && let Some(open) = inner.rfind('[')
    {
        let group = inner[open + 1..].trim();
        let before = inner[..open].trim_end_matches([' ', '.', '_', '-']);
        let tokens = split_compounds(tokenize(group));
        let is_detail = (0..tokens.len()).any(|i| {
            let k = classify(&tokens, i);
            k.ends_title() || matches!(k, Kind::Year(_))
        });
        if !group.is_empty() && !before.is_empty() && !is_detail && !group.contains(' ') {
            return (before, Some(group.to_owned()));
        }
    }
    (stem, None)
}

/// Cuts a name into words at spaces, dots, underscores and brackets, noting which words were
/// inside brackets.
fn tokenize(stem: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut depth = 0u32;
    let mut start: Option<usize> = None;
    // In a name written with spaces, a dot before a space is punctuation (`Dr. Strangelove`,
    // `Vol. 1`), not a separator.
    let spaced = stem.matches(' ').count() >= stem.matches('.').count();
    let mut chars = stem.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let abbreviation = c == '.'
            && spaced
            && start.is_some()
            && chars.peek().is_some_and(|&(_, next)| next == ' ');
        if abbreviation || !matches!(c, ' ' | '.' | '_' | '(' | ')' | '[' | ']' | '{' | '}') {
            start.get_or_insert(at);
            continue;
        }
        if let Some(s) = start.take() {
            out.push(token(&stem[s..at], depth > 0));
        }
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(token(&stem[s..], depth > 0));
    }
    out
}

fn token(text: &str, bracketed: bool) -> Token<'_> {
    Token {
        text,
        lower: text.to_lowercase(),
        bracketed,
    }
}

fn number(text: &str) -> Option<u32> {
    if let Ok(n) = text.parse::<u32>() {
        return (n > 0 && n < 20).then_some(n);
    }
    let roman = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"];
    roman.iter().position(|r| *r == text).map(|p| p as u32 + 1)
}

/// Like [`classify`], without the language rule's look-ahead (which would recurse).
fn classify_plain(tokens: &[Token<'_>], i: usize) -> Kind {
    match classify(tokens, i) {
        Kind::Language(_) => Kind::Word,
        k => k,
    }
}

fn classify(tokens: &[Token<'_>], i: usize) -> Kind {
    let t = &tokens[i];
    let w = t.lower.as_str();
    let next = tokens.get(i + 1).map(|t| t.lower.as_str());
    let next2 = tokens.get(i + 2).map(|t| t.lower.as_str());
    if w == "-" || w == "–" {
        return Kind::Dash;
    }
    if w.len() == 4
        && w.bytes().all(|b| b.is_ascii_digit())
        && let Ok(y) = w.parse::<u16>()
        && YEARS.contains(&y)
    {
        return Kind::Year(y);
    }
    if let Some(r) = resolution(w) {
        return Kind::Resolution(r);
    }
    if let Some(s) = source(w) {
        return Kind::Source(s);
    }
    // `H.264` arrives as two tokens.
    if (w == "h" || w == "x") && matches!(next, Some("264") | Some("265")) {
        return Kind::Codec(if next == Some("264") {
            "H.264"
        } else {
            "H.265"
        });
    }
    if let Some(c) = codec(w) {
        return Kind::Codec(c);
    }
    if let Some((e, width)) = edition(w, next, next2) {
        return Kind::Edition(e, width);
    }
    for prefix in ["cd", "disc", "disk", "dvd", "part"] {
        if let Some(n) = w.strip_prefix(prefix) {
            if let Some(p) = number(n) {
                return Kind::Part(p, 1);
            }
            if n.is_empty()
                && matches!(prefix, "cd" | "disc" | "disk")
                && let Some(p) = next.and_then(number)
            {
                return Kind::Part(p, 2);
            }
        }
    }
    if let Some(pt) = w.strip_prefix("pt")
        && let Some(p) = number(pt)
    {
        return Kind::Part(p, 1);
    }
    // Language tags end a title only when written the scene way (FRENCH, iTALiAN), since
    // "The French Connection" is a title.
    if let Some(code) = release_language(w) {
        let upper = t.text.chars().filter(|c| c.is_uppercase()).count();
        let letters = t.text.chars().filter(|c| c.is_alphabetic()).count();
        let before_detail = i > 0
            && tokens.get(i + 1).is_some_and(|_| {
                let k = classify_plain(tokens, i + 1);
                k.ends_title() || matches!(k, Kind::Year(_))
            });
        if upper * 2 > letters || t.bracketed || before_detail {
            return Kind::Language(code);
        }
    }
    if is_other_detail(w) {
        return Kind::Other;
    }
    Kind::Word
}

fn resolution(w: &str) -> Option<&'static str> {
    Some(match w {
        "2160p" | "4k" | "uhd" | "2160i" | "3840x2160" | "4096x2160" => "2160p",
        "1440p" => "1440p",
        "1080p" | "1080i" | "1920x1080" => "1080p",
        "720p" | "720i" | "1280x720" => "720p",
        "576p" | "576i" => "576p",
        "480p" | "480i" => "480p",
        _ => return None,
    })
}

fn source(w: &str) -> Option<&'static str> {
    Some(match w {
        "bluray" | "blu-ray" => "BluRay",
        "bdrip" | "brrip" | "bd-rip" | "br-rip" => "BDRip",
        "web-dl" | "webdl" | "web" => "WEB-DL",
        "webrip" | "web-rip" => "WEBRip",
        "hdtv" | "pdtv" => "HDTV",
        "dvdrip" | "dvd-rip" => "DVDRip",
        "dvd" | "dvdr" | "dvd5" | "dvd9" | "dvdscr" => "DVD",
        "hdrip" => "HDRip",
        "remux" | "bdremux" => "Remux",
        "cam" | "camrip" | "hdcam" | "hdts" | "telesync" => "CAM",
        _ => return None,
    })
}

fn codec(w: &str) -> Option<&'static str> {
    Some(match w {
        "x264" => "x264",
        "x265" => "x265",
        "h264" | "h.264" | "avc" => "H.264",
        "h265" | "h.265" | "hevc" => "H.265",
        "xvid" => "XviD",
        "divx" => "DivX",
        "av1" => "AV1",
        "vp9" => "VP9",
        _ => return None,
    })
}

/// An edition, and how many words it took.
fn edition(w: &str, next: Option<&str>, next2: Option<&str>) -> Option<(&'static str, usize)> {
    let suffix = |n: Option<&str>| matches!(n, Some("edition" | "cut" | "version"));
    match w {
        "director's" | "directors" | "director’s" if next == Some("cut") => {
            Some(("Director's Cut", 2))
        }
        "dc" => Some(("Director's Cut", 1)),
        "extended" => Some(("Extended", 1 + usize::from(suffix(next)))),
        "unrated" => Some(("Unrated", 1 + usize::from(suffix(next)))),
        "uncut" => Some(("Uncut", 1)),
        "theatrical" => Some(("Theatrical", 1 + usize::from(suffix(next)))),
        "remastered" => Some(("Remastered", 1)),
        "imax" => Some(("IMAX", 1 + usize::from(suffix(next)))),
        "criterion" => Some(("Criterion", 1 + usize::from(suffix(next)))),
        "special" if next == Some("edition") => Some(("Special Edition", 2)),
        "ultimate" if suffix(next) => Some(("Ultimate", 2)),
        "final" if next == Some("cut") => Some(("Final Cut", 2)),
        "collector's" | "collectors" if next == Some("edition") => Some(("Collector's Edition", 2)),
        "anniversary" if next == Some("edition") => Some(("Anniversary Edition", 2)),
        _ if w.ends_with("th") && next == Some("anniversary") && suffix(next2) => {
            Some(("Anniversary Edition", 3))
        }
        _ => None,
    }
}

/// Language words release names carry (not two-letter codes, which are too often words).
fn release_language(w: &str) -> Option<&'static str> {
    Some(match w {
        "french" | "truefrench" | "vff" | "vfq" | "vostfr" | "vf2" => "fr",
        "german" | "deutsch" => "de",
        "italian" | "ita" => "it",
        "spanish" | "castellano" | "latino" | "esp" => "es",
        "english" | "eng" => "en",
        "multi" | "multi-subs" => "mul",
        "russian" | "rus" => "ru",
        "japanese" | "jpn" => "ja",
        "korean" | "kor" => "ko",
        "hindi" => "hi",
        "dutch" => "nl",
        "swedish" | "swe" => "sv",
        "danish" => "da",
        "norwegian" => "no",
        "finnish" => "fi",
        "polish" => "pl",
        "portuguese" => "pt",
        "chinese" | "mandarin" | "cantonese" => "zh",
        _ => return None,
    })
}

/// A language code or word, for subtitle name tags (`.en`, `.eng`, `.pt-BR`).
fn language_code(tag: &str) -> Option<&'static str> {
    if let Some(code) = release_language(tag) {
        return Some(code);
    }
    let base = tag.split_once('-').map_or(tag, |(b, _)| b);
    Some(match base {
        "en" => "en",
        "fr" | "fre" | "fra" => "fr",
        "de" | "ger" | "deu" => "de",
        "it" => "it",
        "es" | "spa" => "es",
        "pt" | "por" => "pt",
        "nl" | "dut" | "nld" => "nl",
        "ru" => "ru",
        "ja" => "ja",
        "zh" | "chi" | "zho" => "zh",
        "ko" => "ko",
        "sv" => "sv",
        "da" | "dan" => "da",
        "no" | "nor" | "nb" => "no",
        "fi" | "fin" => "fi",
        "pl" | "pol" => "pl",
        "ar" | "ara" => "ar",
        "he" | "heb" => "he",
        "tr" | "tur" => "tr",
        "el" | "gre" | "ell" => "el",
        _ => return None,
    })
}

fn is_other_detail(w: &str) -> bool {
    const DETAILS: &[&str] = &[
        "proper",
        "repack",
        "rerip",
        "internal",
        "limited",
        "readnfo",
        "nfo",
        "hdr",
        "hdr10",
        "hdr10+",
        "dv",
        "dovi",
        "sdr",
        "10bit",
        "8bit",
        "12bit",
        "aac",
        "aac2",
        "ac3",
        "eac3",
        "dts",
        "dts-hd",
        "dtshd",
        "dts-x",
        "truehd",
        "atmos",
        "flac",
        "mp3",
        "dd2",
        "dd5",
        "ddp",
        "ddp2",
        "ddp5",
        "dd+",
        "5.1",
        "7.1",
        "2.0",
        "6ch",
        "2ch",
        "8ch",
        "hc",
        "subbed",
        "dubbed",
        "dual",
        "dual-audio",
        "sample",
        "ma",
        "hq",
        "xxx",
        "amzn",
        "nf",
        "dsnp",
        "hmax",
        "atvp",
        "hulu",
        "pcok",
        "web-dlrip",
        "bd25",
        "bd50",
        "3d",
        "hsbs",
        "sbs",
        "hou",
    ];
    DETAILS.contains(&w)
}

/// Joins the title words; puts a trailing article back in front (`Matrix, The`); capitalises
/// names written all in lowercase.
fn title(tokens: &[Token<'_>]) -> Option<String> {
    let mut words: Vec<&str> = tokens.iter().map(|t| t.text).collect();
    while words.first().is_some_and(|w| *w == "-") {
        words.remove(0);
    }
    while words.last().is_some_and(|w| *w == "-") {
        words.pop();
    }
    if words.is_empty() {
        return None;
    }
    let mut text = words.join(" ");
    let trimmed = text.trim_end_matches([',', ';', ':', '-', ' ']).to_owned();
    text = trimmed;
    const ARTICLES: &[&str] = &[
        "The", "A", "An", "Der", "Die", "Das", "Le", "La", "Les", "El", "Il", "Los", "Las", "L'",
    ];
    if let Some((head, article)) = text.rsplit_once(", ")
        && let Some(a) = ARTICLES
            .iter()
            .find(|a| a.eq_ignore_ascii_case(article.trim()))
    {
        // Romance titles are written in sentence case (`El laberinto del fauno`): when the
        // words after the first are lowercase, so is the first once the article leads.
        let mut words = head.split(' ');
        let first = words.next().unwrap_or_default();
        let rest: Vec<&str> = words.collect();
        let sentence_case = !["The", "A", "An"].contains(a)
            && !rest.is_empty()
            && rest
                .iter()
                .all(|w| !w.chars().next().is_some_and(char::is_uppercase));
        let first = if sentence_case {
            first.to_lowercase()
        } else {
            first.to_owned()
        };
        text = std::iter::once(*a)
            .chain(std::iter::once(first.as_str()))
            .chain(rest.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
    }
    let has_upper = text.chars().any(char::is_uppercase);
    let has_lower = text.chars().any(char::is_lowercase);
    if has_lower && !has_upper {
        text = capitalise(&text);
    }
    (!text.is_empty()).then_some(text)
}

fn capitalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            start = false;
        } else {
            out.push(c);
            if c == ' ' || c == '-' {
                start = true;
            } else if c.is_alphanumeric() {
                start = false;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(name: &str) -> (Option<String>, Option<u16>) {
        let g = guess(name);
        (g.title, g.year)
    }

    fn t(title: &str, year: Option<u16>) -> (Option<String>, Option<u16>) {
        (Some(title.to_owned()), year)
    }

    #[test]
    fn scene_names() {
        let g = guess("The.Matrix.1999.1080p.BluRay.x264-SPARKS.mkv");
        assert_eq!(g.title.as_deref(), Some("The Matrix"));
        assert_eq!(g.year, Some(1999));
        assert_eq!(g.resolution.as_deref(), Some("1080p"));
        assert_eq!(g.source.as_deref(), Some("BluRay"));
        assert_eq!(g.codec.as_deref(), Some("x264"));
        assert_eq!(g.group.as_deref(), Some("SPARKS"));
        let g = guess("Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.Atmos.DV.HDR.H.265-FLUX.mkv");
        assert_eq!(g.title.as_deref(), Some("Dune Part Two"));
        assert_eq!(g.codec.as_deref(), Some("H.265"));
        assert_eq!(g.source.as_deref(), Some("WEB-DL"));
        assert_eq!(g.group.as_deref(), Some("FLUX"));
    }

    #[test]
    fn years_inside_titles() {
        assert_eq!(
            ty("2001.A.Space.Odyssey.1968.mkv"),
            t("2001 A Space Odyssey", Some(1968))
        );
        assert_eq!(
            ty("Blade Runner 2049 (2017).mkv"),
            t("Blade Runner 2049", Some(2017))
        );
        assert_eq!(ty("1917.2019.1080p.mkv"), t("1917", Some(2019)));
        assert_eq!(
            ty("Wonder.Woman.1984.2020.mkv"),
            t("Wonder Woman 1984", Some(2020))
        );
        assert_eq!(ty("2012.2009.720p.mkv"), t("2012", Some(2009)));
        assert_eq!(ty("1999.mkv"), t("1999", None));
    }

    #[test]
    fn numbers_sequels_and_articles() {
        assert_eq!(ty("Die.Hard.2.1990.mkv"), t("Die Hard 2", Some(1990)));
        assert_eq!(ty("Rocky IV (1985).avi"), t("Rocky IV", Some(1985)));
        assert_eq!(
            ty("Ocean's.Eleven.2001.mkv"),
            t("Ocean's Eleven", Some(2001))
        );
        assert_eq!(ty("Matrix, The (1999).mkv"), t("The Matrix", Some(1999)));
        assert_eq!(ty("300.2006.1080p.mkv"), t("300", Some(2006)));
        assert_eq!(
            ty("Harry.Potter.and.the.Deathly.Hallows.Part.1.2010.mkv"),
            t("Harry Potter and the Deathly Hallows Part 1", Some(2010))
        );
    }

    #[test]
    fn lowercase_non_ascii_and_no_year() {
        assert_eq!(ty("the matrix 1999.mkv"), t("The Matrix", Some(1999)));
        assert_eq!(ty("spider-man.2002.mkv"), t("Spider-Man", Some(2002)));
        assert_eq!(ty("Amélie.2001.FRENCH.720p.mkv"), t("Amélie", Some(2001)));
        assert_eq!(
            ty("千と千尋の神隠し (2001).mkv"),
            t("千と千尋の神隠し", Some(2001))
        );
        assert_eq!(ty("Inception.mkv"), t("Inception", None));
        assert_eq!(
            ty("The French Connection 1971.mkv"),
            t("The French Connection", Some(1971))
        );
    }

    #[test]
    fn parts_editions_languages_ids() {
        let g = guess("Kill.Bill.Vol.1.2003.CD2.XviD.avi");
        assert_eq!(
            (g.title.as_deref(), g.part),
            (Some("Kill Bill Vol 1"), Some(2))
        );
        let g = guess("Alien.1979.Directors.Cut.1080p.mkv");
        assert_eq!(g.edition.as_deref(), Some("Director's Cut"));
        assert_eq!(g.title.as_deref(), Some("Alien"));
        let g = guess("Amelie.2001.FRENCH.MULTI.1080p.mkv");
        assert_eq!(g.languages, ["fr", "mul"]);
        let g = guess("The Matrix [tt0133093].mkv");
        assert_eq!(g.imdb_id.as_deref(), Some("tt0133093"));
        assert_eq!(g.title.as_deref(), Some("The Matrix"));
        let g = guess("tt0133093.mkv");
        assert_eq!((g.title, g.imdb_id.as_deref()), (None, Some("tt0133093")));
        let g = guess("Heat.1995.forced.eng.srt");
        assert_eq!(
            (g.title.as_deref(), g.languages.as_slice()),
            (Some("Heat"), &["en".to_owned()][..])
        );
    }

    #[test]
    fn junk_and_groups() {
        let g = guess("www.Torrenting.com - Inception 2010 1080p.mkv");
        assert_eq!(
            (g.title.as_deref(), g.year),
            (Some("Inception"), Some(2010))
        );
        let g = guess("[YTS.MX] Parasite (2019) [1080p].mp4");
        assert_eq!(
            (g.title.as_deref(), g.group.as_deref()),
            (Some("Parasite"), Some("YTS"))
        );
        assert_eq!(g.resolution.as_deref(), Some("1080p"));
    }

    #[test]
    fn weak_names_use_the_folder() {
        let g = guess_with_folder("movie.mkv", Some("Heat (1995)"));
        assert_eq!((g.title.as_deref(), g.year), (Some("Heat"), Some(1995)));
        let g = guess_with_folder("CD1.avi", Some("Heat.1995.DVDRip"));
        assert_eq!((g.title.as_deref(), g.part), (Some("Heat"), Some(1)));
        let g = guess_with_folder("Heat.1995.mkv", Some("Other (2000)"));
        assert_eq!(g.title.as_deref(), Some("Heat"));
    }
}
