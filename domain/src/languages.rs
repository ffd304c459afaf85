//! Language names for subtitle tracks: the stored name `subtitle.pt-br.srt` becomes a track
//! labelled "Portuguese (Brazil)" with `srclang="pt-BR"`.

/// English names of the languages subtitles come in most, by ISO 639-1 (or -2) code.
const NAMES: &[(&str, &str)] = &[
    ("ar", "Arabic"),
    ("bg", "Bulgarian"),
    ("ca", "Catalan"),
    ("cs", "Czech"),
    ("da", "Danish"),
    ("de", "German"),
    ("el", "Greek"),
    ("en", "English"),
    ("es", "Spanish"),
    ("et", "Estonian"),
    ("fa", "Persian"),
    ("fi", "Finnish"),
    ("fr", "French"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("hr", "Croatian"),
    ("hu", "Hungarian"),
    ("id", "Indonesian"),
    ("is", "Icelandic"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("lt", "Lithuanian"),
    ("lv", "Latvian"),
    ("ms", "Malay"),
    ("nl", "Dutch"),
    ("no", "Norwegian"),
    ("nb", "Norwegian"),
    ("pl", "Polish"),
    ("pt", "Portuguese"),
    ("ro", "Romanian"),
    ("ru", "Russian"),
    ("sk", "Slovak"),
    ("sl", "Slovenian"),
    ("sr", "Serbian"),
    ("sv", "Swedish"),
    ("th", "Thai"),
    ("tr", "Turkish"),
    ("uk", "Ukrainian"),
    ("vi", "Vietnamese"),
    ("zh", "Chinese"),
    ("eng", "English"),
    ("fre", "French"),
    ("fra", "French"),
    ("ger", "German"),
    ("deu", "German"),
    ("spa", "Spanish"),
    ("ita", "Italian"),
    ("dut", "Dutch"),
    ("nld", "Dutch"),
    ("por", "Portuguese"),
    ("rus", "Russian"),
    ("jpn", "Japanese"),
    ("chi", "Chinese"),
    ("zho", "Chinese"),
    ("swe", "Swedish"),
    ("pol", "Polish"),
];

/// A subtitle track as a `<track>` element describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Track {
    /// BCP 47 tag for `srclang`, e.g. `pt-BR`; None when the file name has no language.
    pub lang: Option<String>,
    /// What the player's menu shows.
    pub label: String,
}

/// Whether a file name's last word is a language tag such as `en`, `eng` or `pt-br`.
pub fn is_language_tag(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    let (base, region) = lower.split_once('-').unwrap_or((&lower, ""));
    NAMES.iter().any(|(c, _)| *c == base)
        && (region.is_empty()
            || region.len() == 2 && region.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// The track of a stored subtitle file (`subtitle[.<lang>][-N].<ext>`).
pub fn track(file_name: &str) -> Track {
    let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s);
    let (stem, copy) = match stem.rsplit_once('-') {
        Some((s, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => (s, Some(n)),
        _ => (stem, None),
    };
    let code = stem.split_once('.').map(|(_, c)| c.to_ascii_lowercase());
    let (lang, name) = match code.as_deref() {
        Some(code) => {
            let (base, region) = code.split_once('-').unwrap_or((code, ""));
            let name = NAMES.iter().find(|(c, _)| *c == base).map(|(_, n)| *n);
            let tag = if region.is_empty() {
                base.to_owned()
            } else {
                format!("{base}-{}", region.to_ascii_uppercase())
            };
            let label = match (name, region) {
                (Some(n), "") => n.to_owned(),
                (Some("Portuguese"), "br") => "Portuguese (Brazil)".to_owned(),
                (Some(n), r) => format!("{n} ({})", r.to_ascii_uppercase()),
                (None, _) => tag.clone(),
            };
            (Some(tag), label)
        }
        None => (None, "Subtitles".to_owned()),
    };
    Track {
        lang,
        label: match copy {
            Some(n) => format!("{name} {n}"),
            None => name,
        },
    }
}

/// The language's name for a tag such as `eng`, `fr` or `pt-br` (the tag itself when unknown).
pub fn name_of(tag: &str) -> String {
    track(&format!("subtitle.{tag}.srt")).label
}

/// The languages a user can prefer, as (two-letter code, name), by name.
pub fn choices() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = NAMES
        .iter()
        .filter(|(code, _)| code.len() == 2 && *code != "nb")
        .copied()
        .collect();
    out.sort_by_key(|(_, name)| *name);
    out
}

/// The track to switch on for someone who prefers `preferred` (`en`, `pt-br`): an exact
/// match first, else the same language under another code or region (`eng`, `en-GB`).
pub fn preferred_track<'a>(
    langs: impl IntoIterator<Item = Option<&'a str>> + Clone,
    preferred: &str,
) -> Option<usize> {
    let name_of = |tag: &str| {
        let lower = tag.to_ascii_lowercase();
        let base = lower.split('-').next().unwrap_or_default().to_owned();
        NAMES
            .iter()
            .find(|(c, _)| *c == base)
            .map(|(_, n)| *n)
            .ok_or(base)
    };
    let exact = langs
        .clone()
        .into_iter()
        .position(|l| l.is_some_and(|l| l.eq_ignore_ascii_case(preferred)));
    exact.or_else(|| {
        let wanted = name_of(preferred);
        langs
            .into_iter()
            .position(|l| l.is_some_and(|l| name_of(l) == wanted))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preferred_track_matches_codes_and_regions() {
        let langs = [None, Some("eng"), Some("pt-BR"), Some("pt"), Some("fr")];
        assert_eq!(preferred_track(langs, "fr"), Some(4));
        assert_eq!(preferred_track(langs, "en"), Some(1));
        assert_eq!(preferred_track(langs, "pt"), Some(3));
        assert_eq!(preferred_track(langs, "pt-br"), Some(2));
        assert_eq!(preferred_track(langs, "de"), None);
        assert!(choices().iter().any(|(c, n)| *c == "en" && *n == "English"));
        assert!(choices().iter().all(|(c, _)| c.len() == 2));
    }

    #[test]
    fn language_names_come_from_tags() {
        assert_eq!(name_of("eng"), "English");
        assert_eq!(name_of("fra"), "French");
        assert_eq!(name_of("pt-br"), "Portuguese (Brazil)");
        assert_eq!(name_of("xx"), "xx");
    }

    /// Language tag ("" for none) and label.
    fn t(name: &str) -> (String, String) {
        let track = track(name);
        (track.lang.unwrap_or_default(), track.label)
    }

    #[test]
    fn stored_names_give_tracks() {
        assert_eq!(t("subtitle.en.srt"), ("en".into(), "English".into()));
        assert_eq!(
            t("subtitle.pt-br.srt"),
            ("pt-BR".into(), "Portuguese (Brazil)".into())
        );
        assert_eq!(t("subtitle.eng.srt"), ("eng".into(), "English".into()));
        assert_eq!(t("subtitle.fr-2.srt"), ("fr".into(), "French 2".into()));
        assert_eq!(t("subtitle.srt"), ("".into(), "Subtitles".into()));
        assert_eq!(t("subtitle-2.srt"), ("".into(), "Subtitles 2".into()));
        assert_eq!(t("subtitle.xx.srt"), ("xx".into(), "xx".into()));
        assert_eq!(
            t("subtitle.en-gb.vtt"),
            ("en-GB".into(), "English (GB)".into())
        );
    }
}
