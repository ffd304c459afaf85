//! A movie named by a link or an id instead of its title: what an uploader pastes when the
//! search cannot help (the movie database is unreachable, or the title is ambiguous).

use crate::imdb::ImdbId;

/// Which movie a pasted text points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MovieLink {
    /// An IMDb id, lowercased (`tt0133093`), written alone or in an IMDb address.
    Imdb(String),
    /// A TMDB movie number, from an address such as `themoviedb.org/movie/603-the-matrix`.
    Tmdb(u64),
}

/// The movie `text` names if it is an IMDb id, an IMDb title address or a TMDB movie address
/// (with or without `https://`, `www.` or `m.`, a language or a query); `None` for anything
/// else, such as a title to search for.
pub fn parse(text: &str) -> Option<MovieLink> {
    let text = text.trim();
    if text.contains(char::is_whitespace) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    if ImdbId::parse(&lower).is_ok() {
        return Some(MovieLink::Imdb(lower));
    }
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let (host, path) = rest.split_once('/')?;
    let host = host.trim_start_matches("www.").trim_start_matches("m.");
    let segments = path
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .split('/')
        .filter(|s| !s.is_empty());
    match host {
        // imdb.com/title/tt0133093/, imdb.com/de/title/tt0133093/reference
        "imdb.com" => {
            let id = segments.skip_while(|s| *s != "title").nth(1)?;
            ImdbId::parse(id).ok()?;
            Some(MovieLink::Imdb(id.to_owned()))
        }
        // themoviedb.org/movie/603-the-matrix, themoviedb.org/movie/603?language=fr
        "themoviedb.org" => {
            let slug = segments.skip_while(|s| *s != "movie").nth(1)?;
            let digits: String = slug.chars().take_while(char::is_ascii_digit).collect();
            let rest = &slug[digits.len()..];
            if digits.is_empty() || !(rest.is_empty() || rest.starts_with('-')) {
                return None;
            }
            digits.parse().ok().filter(|n| *n > 0).map(MovieLink::Tmdb)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imdb(id: &str) -> Option<MovieLink> {
        Some(MovieLink::Imdb(id.into()))
    }

    #[test]
    fn imdb_ids_and_addresses() {
        assert_eq!(parse("tt0133093"), imdb("tt0133093"));
        assert_eq!(parse("  TT0133093 "), imdb("tt0133093"));
        assert_eq!(
            parse("https://www.imdb.com/title/tt0133093/"),
            imdb("tt0133093")
        );
        assert_eq!(
            parse("https://www.imdb.com/title/tt0133093/?ref_=nv_sr_srsg_0"),
            imdb("tt0133093")
        );
        assert_eq!(parse("imdb.com/title/tt0133093"), imdb("tt0133093"));
        assert_eq!(
            parse("https://m.imdb.com/title/tt10872600/"),
            imdb("tt10872600")
        );
        assert_eq!(
            parse("https://www.imdb.com/de/title/tt0133093/reference"),
            imdb("tt0133093")
        );
    }

    #[test]
    fn tmdb_addresses() {
        assert_eq!(
            parse("https://www.themoviedb.org/movie/603-the-matrix"),
            Some(MovieLink::Tmdb(603))
        );
        assert_eq!(
            parse("themoviedb.org/movie/603?language=fr-FR"),
            Some(MovieLink::Tmdb(603))
        );
        assert_eq!(
            parse("https://www.themoviedb.org/movie/603/"),
            Some(MovieLink::Tmdb(603))
        );
    }

    #[test]
    fn anything_else_is_a_title() {
        for text in [
            "",
            "The Matrix",
            "The Matrix tt0133093",
            "tt123",
            "tt0133093x",
            "https://www.imdb.com/name/nm0000206/",
            "https://www.imdb.com/title/tt12/",
            "https://evil.example/imdb.com/title/tt0133093/",
            "https://imdb.com.evil.example/title/tt0133093/",
            "https://www.themoviedb.org/tv/1399-game-of-thrones",
            "https://www.themoviedb.org/movie/abc",
            "https://www.themoviedb.org/movie/0",
            "https://www.themoviedb.org/movie/603x",
            "https://www.themoviedb.org/movie/99999999999999999999999",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
