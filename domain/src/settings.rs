//! A user's own preferences (theme, uploads, subtitles, autoplay) and how their sessions are
//! described to them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The colour scheme of the pages; `System` follows the device's light/dark setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    Dark,
    Light,
    #[default]
    System,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Dark, Theme::Light];

    pub fn parse(text: &str) -> Option<Theme> {
        match text.trim().to_ascii_lowercase().as_str() {
            "dark" => Some(Theme::Dark),
            "light" => Some(Theme::Light),
            "system" => Some(Theme::System),
            _ => None,
        }
    }

    /// The stored and wire form, also the `data-theme` value of the page.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Dark => "dark",
            Theme::Light => "light",
            Theme::System => "system",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::Dark => "Dark",
            Theme::Light => "Light",
            Theme::System => "Same as this device",
        }
    }
}

pub const UPLOADS_MIN: i32 = 1;
pub const UPLOADS_MAX: i32 = 8;
pub const UPLOADS_DEFAULT: i32 = 3;

/// What `GET /api/me/settings` answers, and what every page knows of the user's choices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    pub theme: Theme,
    /// The library pages show (also chosen with the header's Library menu).
    pub default_library_id: Option<i32>,
    /// How many files the upload page sends at once.
    pub simultaneous_uploads: i32,
    /// ISO 639 code of the subtitles to switch on when a movie has them; none: off.
    pub subtitle_language: Option<String>,
    /// At the end of a movie, play the next part of its collection.
    pub autoplay_next: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            theme: Theme::System,
            default_library_id: None,
            simultaneous_uploads: UPLOADS_DEFAULT,
            subtitle_language: None,
            autoplay_next: true,
        }
    }
}

/// A change to some preferences: `PUT /api/me/settings`; absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PreferencesChange {
    pub theme: Option<String>,
    pub default_library_id: Option<i32>,
    pub simultaneous_uploads: Option<i32>,
    /// A language code, or `""` to switch subtitles off.
    pub subtitle_language: Option<String>,
    pub autoplay_next: Option<bool>,
}

/// Why a preference was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingsRuleError {
    InvalidTheme(String),
    InvalidUploads(i32),
    InvalidLanguage(String),
}

impl SettingsRuleError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidTheme(_) => "invalid_theme",
            Self::InvalidUploads(_) => "invalid_simultaneous_uploads",
            Self::InvalidLanguage(_) => "invalid_language",
        }
    }
}

impl fmt::Display for SettingsRuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidTheme(t) => {
                write!(f, "“{t}” is not a theme; choose dark, light or system.")
            }
            Self::InvalidUploads(n) => write!(
                f,
                "{n} simultaneous uploads is not possible; choose {UPLOADS_MIN} to {UPLOADS_MAX}."
            ),
            Self::InvalidLanguage(l) => write!(
                f,
                "“{l}” is not a language code this server knows (such as en, fr or pt-br)."
            ),
        }
    }
}

impl std::error::Error for SettingsRuleError {}

impl Preferences {
    /// Applies the fields of `change` that pass the rules; nothing is applied if one fails.
    /// The default library is checked by the caller (membership is not a plain rule).
    pub fn apply(&self, change: &PreferencesChange) -> Result<Preferences, SettingsRuleError> {
        let mut next = self.clone();
        if let Some(theme) = &change.theme {
            next.theme = Theme::parse(theme)
                .ok_or_else(|| SettingsRuleError::InvalidTheme(theme.clone()))?;
        }
        if let Some(n) = change.simultaneous_uploads {
            if !(UPLOADS_MIN..=UPLOADS_MAX).contains(&n) {
                return Err(SettingsRuleError::InvalidUploads(n));
            }
            next.simultaneous_uploads = n;
        }
        if let Some(lang) = &change.subtitle_language {
            next.subtitle_language = normalize_language(lang)?;
        }
        if let Some(id) = change.default_library_id {
            next.default_library_id = Some(id);
        }
        if let Some(on) = change.autoplay_next {
            next.autoplay_next = on;
        }
        Ok(next)
    }
}

/// `""` means no preferred language; otherwise a known code, lower-cased (`pt-BR` → `pt-br`).
pub fn normalize_language(input: &str) -> Result<Option<String>, SettingsRuleError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.len() > 10 || !crate::languages::is_language_tag(trimmed) {
        return Err(SettingsRuleError::InvalidLanguage(
            trimmed.chars().take(20).collect(),
        ));
    }
    Ok(Some(trimmed.to_ascii_lowercase()))
}

/// A browser session as its owner sees it: `GET /api/me/sessions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// Names the session for `DELETE /api/me/sessions/{id}`; it cannot be used to log in.
    pub id: String,
    /// "Firefox on Windows", from the browser's User-Agent.
    pub device: String,
    pub ip: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; updated at most every few minutes.
    pub last_seen_at: String,
    /// The session this request was made with.
    pub current: bool,
}

/// A short human name for the device behind a User-Agent header.
pub fn device(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.map(str::trim).filter(|ua| !ua.is_empty()) else {
        return "Unknown device".to_owned();
    };
    // Order matters: Edge and Opera say "Chrome", Chrome says "Safari", Android says "Linux".
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("ott-upload/", "Open OTT uploader"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(mark, _)| ua.contains(mark))
    .map(|(_, name)| *name);
    let system = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Macintosh", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(mark, _)| ua.contains(mark))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => format!("A browser on {s}"),
        (None, None) => ua.chars().take(60).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn themes_round_trip_and_refuse_others() {
        for t in Theme::ALL {
            assert_eq!(Theme::parse(t.as_str()), Some(t));
        }
        assert_eq!(Theme::parse(" Dark "), Some(Theme::Dark));
        assert_eq!(Theme::parse("blue"), None);
        assert_eq!(
            serde_json::to_string(&Theme::Light).unwrap(),
            "\"light\"".to_owned()
        );
    }

    #[test]
    fn a_change_applies_only_what_it_names() {
        let start = Preferences::default();
        let next = start
            .apply(&PreferencesChange {
                theme: Some("light".into()),
                subtitle_language: Some("FR".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(next.theme, Theme::Light);
        assert_eq!(next.subtitle_language.as_deref(), Some("fr"));
        assert_eq!(next.simultaneous_uploads, UPLOADS_DEFAULT);
        assert!(next.autoplay_next);
        let off = next
            .apply(&PreferencesChange {
                subtitle_language: Some(String::new()),
                autoplay_next: Some(false),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(off.subtitle_language, None);
        assert!(!off.autoplay_next);
    }

    #[test]
    fn bad_values_are_refused_with_their_codes() {
        let start = Preferences::default();
        let refused = |change: PreferencesChange| start.apply(&change).unwrap_err().code();
        assert_eq!(
            refused(PreferencesChange {
                theme: Some("neon".into()),
                ..Default::default()
            }),
            "invalid_theme"
        );
        for n in [0, 9, -1] {
            assert_eq!(
                refused(PreferencesChange {
                    simultaneous_uploads: Some(n),
                    ..Default::default()
                }),
                "invalid_simultaneous_uploads"
            );
        }
        for lang in ["klingon", "x", "en-usa", "../etc"] {
            assert_eq!(
                refused(PreferencesChange {
                    subtitle_language: Some(lang.into()),
                    ..Default::default()
                }),
                "invalid_language"
            );
        }
        assert_eq!(
            normalize_language("pt-BR").unwrap().as_deref(),
            Some("pt-br")
        );
    }

    #[test]
    fn devices_are_named_from_user_agents() {
        let firefox_windows =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0";
        assert_eq!(device(Some(firefox_windows)), "Firefox on Windows");
        let chrome_android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36";
        assert_eq!(device(Some(chrome_android)), "Chrome on Android");
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
        assert_eq!(device(Some(safari_iphone)), "Safari on iPhone");
        let edge =
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0";
        assert_eq!(device(Some(edge)), "Edge on Windows");
        assert_eq!(device(Some("curl/8.5.0")), "curl");
        assert_eq!(device(None), "Unknown device");
        assert_eq!(device(Some("  ")), "Unknown device");
    }
}
