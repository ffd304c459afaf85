//! IMDb's suggestion API (`/suggestion/{letter}/{query}.json`, no key): the search box's
//! answers, `{"d": [{"id", "l" (title), "y" (year), "q"/"qid" (kind), "s" (cast),
//! "i": {"imageUrl", ...}}, ...]}`.

use super::BadAnswer;
use crate::identify::ranking::Candidate;
use serde::Deserialize;

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    d: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    id: Option<String>,
    l: Option<String>,
    y: Option<i64>,
    q: Option<String>,
    qid: Option<String>,
    s: Option<String>,
    i: Option<Image>,
}

#[derive(Deserialize)]
struct Image {
    #[serde(rename = "imageUrl")]
    image_url: Option<String>,
}

/// The path of a search for `query`: the first letter (or `x`) and the query, percent-encoded.
pub fn search_path(query: &str) -> String {
    let query = query.trim().to_lowercase();
    let letter = query
        .chars()
        .find(char::is_ascii_alphanumeric)
        .unwrap_or('x');
    let encoded = super::percent_encode(&query);
    format!("/suggestion/{letter}/{encoded}.json")
}

/// The path of a lookup by IMDb id.
pub fn lookup_path(imdb_id: &str) -> String {
    format!("/suggestion/t/{imdb_id}.json")
}

/// The titles in an answer, in the provider's order; people and other entries without a
/// title id are left out.
pub fn parse(json: &[u8]) -> Result<Vec<Candidate>, BadAnswer> {
    let answer: Answer = serde_json::from_slice(json).map_err(|e| {
        BadAnswer(format!(
            "IMDb's suggestion answer is not the expected JSON: {e}"
        ))
    })?;
    let mut out = Vec::new();
    for entry in answer.d {
        let (Some(id), Some(title)) = (entry.id, entry.l) else {
            continue;
        };
        if crate::imdb::ImdbId::parse(&id).is_err() || title.trim().is_empty() {
            continue;
        }
        let kind = entry.qid.or_else(|| entry.q.map(|q| kind_from_label(&q)));
        out.push(Candidate {
            imdb_id: id,
            title,
            year: entry.y.and_then(|y| u16::try_from(y).ok()),
            kind,
            rank: out.len() as u32,
            poster_url: entry.i.and_then(|i| i.image_url),
            cast: entry.s.filter(|s| !s.is_empty()),
        });
    }
    Ok(out)
}

/// Older answers carry only a label such as "feature" or "TV series".
fn kind_from_label(label: &str) -> String {
    match label {
        "feature" => "movie",
        "TV movie" => "tvMovie",
        "TV series" => "tvSeries",
        "TV mini-series" => "tvMiniSeries",
        "TV episode" => "tvEpisode",
        "video" => "video",
        "short" => "short",
        "video game" => "videoGame",
        other => other,
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_titles_and_skips_people() {
        let json = br#"{"d":[
            {"i":{"height":1500,"imageUrl":"https://m.media-amazon.com/images/M/alien.jpg","width":1000},"id":"tt0078748","l":"Alien","q":"feature","qid":"movie","rank":512,"s":"Sigourney Weaver, Tom Skerritt","y":1979},
            {"id":"nm0000244","l":"Sigourney Weaver","s":"Actress, Alien (1979)"},
            {"id":"tt10011298","l":"Alien Warfare","q":"feature","y":2019},
            {"id":"tt1234567","l":"Alien Nation","q":"TV series","y":1989}
        ],"q":"alien","v":1}"#;
        let found = parse(json).unwrap();
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].imdb_id, "tt0078748");
        assert_eq!(found[0].year, Some(1979));
        assert_eq!(found[0].kind.as_deref(), Some("movie"));
        assert_eq!(
            found[0].poster_url.as_deref(),
            Some("https://m.media-amazon.com/images/M/alien.jpg")
        );
        assert_eq!(
            found[0].cast.as_deref(),
            Some("Sigourney Weaver, Tom Skerritt")
        );
        assert_eq!(
            (found[1].rank, found[1].kind.as_deref()),
            (1, Some("movie"))
        );
        assert_eq!(found[2].kind.as_deref(), Some("tvSeries"));
    }

    #[test]
    fn broken_answers_are_errors_and_missing_fields_are_tolerated() {
        assert!(parse(b"{\"d\":[{\"id\":\"tt0078").is_err());
        assert!(parse(b"<html>Access denied</html>").is_err());
        assert_eq!(parse(b"{}").unwrap(), vec![]);
        let odd = parse(br#"{"d":[{"id":"tt0078748","l":"Alien","y":"soon"}]}"#);
        assert!(
            odd.is_err(),
            "a year that is not a number is a changed format"
        );
        let sparse = parse(
            br#"{"d":[{"id":"tt0078748","l":"Alien"},{"l":"no id"},{"id":"tt1","l":"bad id"}]}"#,
        )
        .unwrap();
        assert_eq!(sparse.len(), 1);
        assert_eq!(sparse[0].year, None);
    }

    #[test]
    fn paths_are_safe() {
        assert_eq!(search_path("Alien"), "/suggestion/a/alien.json");
        assert_eq!(
            search_path("  Ocean's Eleven "),
            "/suggestion/o/ocean%27s%20eleven.json"
        );
        assert_eq!(
            search_path("../../etc"),
            "/suggestion/e/%2E%2E%2F%2E%2E%2Fetc.json"
        );
        assert_eq!(search_path("Amélie"), "/suggestion/a/am%C3%A9lie.json");
        assert_eq!(search_path("!!!"), "/suggestion/x/%21%21%21.json");
        assert_eq!(lookup_path("tt0078748"), "/suggestion/t/tt0078748.json");
    }
}
