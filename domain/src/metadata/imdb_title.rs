//! IMDb's title page (`/title/{tt}/`): its `<script type="application/ld+json">` block is a
//! schema.org `Movie` with the title, poster, genres, plot, date, cast, directors, rating,
//! running time and trailer. The rest of the page changes often; that block has been stable.
//!
//! IMDb writes HTML entities (`&apos;`, `&amp;`, `&quot;`) inside the JSON strings, so every
//! string read is decoded once more after JSON parsing.

use super::BadAnswer;
use super::details::{MovieDetails, Rating, RatingSource, Trailer, iso_date, year_of};
use super::duration::parse_iso8601_minutes;
use super::json::{as_text, float, text, uint};
use crate::imdb::ImdbId;
use scraper::{Html, Selector};
use serde_json::Value;

/// The path of a title's page, e.g. `/title/tt0133093/`.
pub fn page_path(imdb_id: &str) -> String {
    // Ids are checked before use; encoding anyway keeps a bad one from leaving the path.
    let encoded = super::percent_encode(imdb_id);
    format!("/title/{encoded}/")
}

/// The details in the title page of `imdb_id`. An error when the page has no JSON-LD (IMDb
/// changed its pages, or answered something else such as a bot challenge), when it describes
/// something other than a movie, or another title than the one asked for.
pub fn parse(imdb_id: &str, html: &str) -> Result<MovieDetails, BadAnswer> {
    if ImdbId::parse(imdb_id).is_err() {
        return Err(BadAnswer(format!(
            "\"{imdb_id}\" is not an IMDb title id, so no IMDb page can be read for it"
        )));
    }
    let document = Html::parse_document(html);
    let movie = movie_node(imdb_id, &document)?;
    check_same_title(imdb_id, &movie, &document)?;
    Ok(details(imdb_id, &movie))
}

fn select<'a>(document: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    // The selectors are constants; a failure to parse one would only mean no match.
    match Selector::parse(css) {
        Ok(selector) => document.select(&selector).collect(),
        Err(_) => Vec::new(),
    }
}

/// The JSON-LD object of type `Movie`, wherever it sits (alone, in an array, in `@graph`).
fn movie_node(imdb_id: &str, document: &Html) -> Result<Value, BadAnswer> {
    let blocks: Vec<String> = select(document, "script")
        .into_iter()
        .filter(|s| {
            s.attr("type")
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"))
        })
        .map(|s| s.text().collect())
        .collect();
    if blocks.is_empty() {
        return Err(BadAnswer(format!(
            "IMDb's page for {imdb_id} has no JSON-LD block: IMDb changed its pages, or \
             answered with something else than a title page"
        )));
    }
    let mut other_type = None;
    let mut json_error = None;
    for block in blocks {
        let value: Value = match serde_json::from_str(&block) {
            Ok(value) => value,
            Err(e) => {
                json_error.get_or_insert(e);
                continue;
            }
        };
        let nodes = match value {
            Value::Array(nodes) => nodes,
            Value::Object(mut object) => match object.remove("@graph") {
                Some(Value::Array(nodes)) => nodes,
                _ => vec![Value::Object(object)],
            },
            _ => continue,
        };
        for node in nodes {
            let types = types(&node);
            if types.iter().any(|t| t == "Movie") {
                return Ok(node);
            }
            if let Some(first) = types.into_iter().next() {
                other_type.get_or_insert(first);
            }
        }
    }
    Err(BadAnswer(match (other_type, json_error) {
        (Some(kind), _) => {
            format!("IMDb's page for {imdb_id} describes a {kind}, not a movie")
        }
        (None, Some(e)) => format!("IMDb's JSON-LD for {imdb_id} is not valid JSON: {e}"),
        (None, None) => format!("IMDb's JSON-LD for {imdb_id} describes no movie"),
    }))
}

/// A node's `@type`, a string or a list of strings.
fn types(node: &Value) -> Vec<String> {
    match node.get("@type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts.iter().filter_map(as_text).collect(),
        _ => Vec::new(),
    }
}

/// Refuses a page about another title (IMDb redirects merged titles to the surviving one).
fn check_same_title(imdb_id: &str, movie: &Value, document: &Html) -> Result<(), BadAnswer> {
    let from_url = text(movie, "url").and_then(|u| ImdbId::find_in(&u));
    let found = from_url.or_else(|| {
        select(document, r#"meta[property="imdb:pageConst"]"#)
            .first()
            .and_then(|m| m.attr("content"))
            .and_then(ImdbId::find_in)
    });
    match found {
        Some(found) if *found != imdb_id.to_ascii_lowercase() => Err(BadAnswer(format!(
            "IMDb answered with the page of {found} when asked for {imdb_id}"
        ))),
        _ => Ok(()),
    }
}

fn details(imdb_id: &str, movie: &Value) -> MovieDetails {
    let string = |key: &str| text(movie, key).map(|s| decode_entities(&s));
    let date = string("datePublished");
    let rating = movie.get("aggregateRating");
    let imdb_rating = rating
        .and_then(|r| float(r, "ratingValue"))
        .filter(|v| (0.0..=10.0).contains(v));
    MovieDetails {
        imdb_id: imdb_id.to_ascii_lowercase(),
        title: string("name"),
        original_title: string("alternateName"),
        year: date.as_deref().and_then(year_of),
        release_date: date.as_deref().and_then(iso_date),
        plot: string("description"),
        content_rating: string("contentRating"),
        runtime_minutes: text(movie, "duration").and_then(|d| parse_iso8601_minutes(&d)),
        genres: strings(movie.get("genre")),
        directors: names(movie.get("director")),
        cast: names(movie.get("actor")),
        poster_url: movie.get("image").and_then(image_url),
        backdrop_url: None,
        imdb_rating: imdb_rating.map(|v| v as f32),
        imdb_votes: rating.and_then(|r| uint(r, "ratingCount")),
        ratings: imdb_rating
            .map(|v| Rating::new(RatingSource::Imdb, format!("{v:.1}/10")))
            .into_iter()
            .collect(),
        trailer: movie.get("trailer").and_then(trailer),
        collection: None,
    }
}

/// A string or a list of strings, decoded.
fn strings(value: Option<&Value>) -> Vec<String> {
    let one = |v: &Value| as_text(v).map(|s| decode_entities(&s));
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(one).collect(),
        Some(v) => one(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The names of one person or a list of them (`{"@type": "Person", "name": ...}`); plain
/// strings are taken as names.
fn names(value: Option<&Value>) -> Vec<String> {
    let one = |v: &Value| {
        let name = match v {
            Value::Object(_) => text(v, "name"),
            _ => as_text(v),
        };
        name.map(|s| decode_entities(&s))
    };
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(one).collect(),
        Some(v) => one(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// `image` as a URL or an `ImageObject`.
fn image_url(value: &Value) -> Option<String> {
    match value {
        Value::Object(_) => text(value, "url").or_else(|| text(value, "contentUrl")),
        Value::Array(items) => items.first().and_then(image_url),
        _ => as_text(value),
    }
    .map(|s| decode_entities(&s))
}

/// The trailer `VideoObject`. Its `embedUrl` is IMDb's player page, not a file, so the
/// trailer is direct only when a `contentUrl` names a video file.
fn trailer(value: &Value) -> Option<Trailer> {
    let video = match value {
        Value::Array(items) => items.first()?,
        other => other,
    };
    let string = |key: &str| text(video, key).map(|s| decode_entities(&s));
    let content = string("contentUrl").filter(|u| is_video_file(u));
    let page = string("embedUrl").or_else(|| string("url"));
    let key = [string("embedUrl"), string("url"), string("contentUrl")]
        .into_iter()
        .flatten()
        .find_map(|u| video_id(&u));
    if content.is_none() && page.is_none() && key.is_none() {
        return None;
    }
    Some(Trailer {
        site: "IMDb".to_owned(),
        key,
        direct_video: content.is_some(),
        url: content.or(page),
    })
}

/// Whether a URL's path ends in a video file's extension.
fn is_video_file(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let path = path.to_ascii_lowercase();
    path.ends_with(".mp4") || path.ends_with(".webm")
}

/// IMDb's video id (`vi1032782617`) in a video URL.
fn video_id(url: &str) -> Option<String> {
    url.split(['/', '?', '#']).find_map(|segment| {
        let digits = segment.strip_prefix("vi")?;
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| segment.to_owned())
    })
}

/// Decodes the entities IMDb writes into JSON-LD strings: `&amp;` `&apos;` `&quot;` `&lt;`
/// `&gt;` `&nbsp;` and numeric ones (`&#39;`, `&#x27;`). Anything else is left as written.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // Entity names are short; `;` is ASCII, so slicing at it stays on a char boundary.
        let end = rest.bytes().skip(1).take(11).position(|b| b == b';');
        let decoded = end.and_then(|end| Some((entity(&rest[1..=end])?, end + 2)));
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character an entity's name (between `&` and `;`) stands for.
fn entity(name: &str) -> Option<char> {
    let code = match name {
        "amp" => return Some('&'),
        "apos" => return Some('\''),
        "quot" => return Some('"'),
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "nbsp" => return Some('\u{a0}'),
        _ => {
            let number = name.strip_prefix('#')?;
            match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            }
        }
    };
    char::from_u32(code).filter(|c| *c != '\0')
}

/// Whether an answer is IMDb's AWS WAF bot challenge instead of the page: it comes as
/// HTTP 202 with `x-amzn-waf-action: challenge` (or `captcha`) and a small page that loads
/// `challenge.js` and calls `AwsWafIntegration` with `window.gokuProps`. Retrying at once
/// does not help; the caller should back off or use another provider.
pub fn is_bot_challenge(status: u16, headers: &[(&str, &str)], body: &[u8]) -> bool {
    if status == 202 {
        return true;
    }
    let waf_header = headers.iter().any(|(name, value)| {
        name.trim().eq_ignore_ascii_case("x-amzn-waf-action")
            && matches!(
                value.trim().to_ascii_lowercase().as_str(),
                "challenge" | "captcha"
            )
    });
    waf_header
        || [
            b"challenge.js".as_slice(),
            b"AwsWafIntegration",
            b"gokuProps",
        ]
        .iter()
        .any(|needle| body.windows(needle.len()).any(|w| w == *needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MATRIX: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/metadata/imdb_title_tt0133093.html"
    ));
    const NO_JSONLD: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/metadata/imdb_title_no_jsonld.html"
    ));
    const CHALLENGE: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/metadata/imdb_waf_challenge.html"
    ));

    /// A page around one JSON-LD block.
    fn page(json_ld: &str) -> String {
        format!(
            "<!DOCTYPE html><html><head><title>x</title>\
             <script type=\"application/ld+json\">{json_ld}</script></head><body></body></html>"
        )
    }

    #[test]
    fn reads_the_matrix() {
        let d = parse("tt0133093", MATRIX).unwrap();
        assert_eq!(d.imdb_id, "tt0133093");
        assert_eq!(d.title.as_deref(), Some("The Matrix"));
        assert_eq!(d.original_title, None);
        assert_eq!(d.year, Some(1999));
        assert_eq!(d.release_date.as_deref(), Some("1999-03-31"));
        assert_eq!(d.content_rating.as_deref(), Some("R"));
        assert_eq!(d.runtime_minutes, Some(136));
        assert_eq!(d.genres, ["Action", "Sci-Fi"]);
        assert_eq!(d.directors, ["Lana Wachowski", "Lilly Wachowski"]);
        assert_eq!(
            d.cast,
            ["Keanu Reeves", "Laurence Fishburne", "Carrie-Anne Moss"]
        );
        assert_eq!(
            d.plot.as_deref(),
            Some(
                "When a beautiful stranger leads computer hacker Neo to a forbidding \
                 underworld, he discovers the shocking truth--the life he knows is the \
                 elaborate deception of an evil cyber-intelligence's \"Matrix\"."
            )
        );
        assert!(
            d.poster_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://m.media-amazon.com/images/M/"))
        );
        assert_eq!(d.imdb_rating, Some(8.7));
        assert_eq!(d.imdb_votes, Some(2_187_654));
        assert_eq!(d.ratings, [Rating::new(RatingSource::Imdb, "8.7/10")]);
        assert_eq!(d.ratings[0].score, Some(87.0));
        assert_eq!(
            d.trailer,
            Some(Trailer {
                site: "IMDb".into(),
                key: Some("vi1032782617".into()),
                url: Some("https://www.imdb.com/video/imdb/vi1032782617".into()),
                direct_video: false,
            })
        );
        assert_eq!(d.backdrop_url, None);
        assert_eq!(d.collection, None);
    }

    #[test]
    fn pages_that_are_not_the_movie_are_errors() {
        let err = parse("tt0133093", NO_JSONLD).unwrap_err();
        assert!(err.0.contains("no JSON-LD"), "{err}");
        let err = parse("tt0133093", std::str::from_utf8(CHALLENGE).unwrap()).unwrap_err();
        assert!(err.0.contains("no JSON-LD"), "{err}");
        assert!(parse("tt0133093", "").unwrap_err().0.contains("no JSON-LD"));

        let err = parse("tt0234215", MATRIX).unwrap_err();
        assert_eq!(
            err.0,
            "IMDb answered with the page of tt0133093 when asked for tt0234215"
        );

        let series = page(
            r#"{"@context":"https://schema.org","@type":"TVSeries","url":"https://www.imdb.com/title/tt0903747/","name":"Breaking Bad"}"#,
        );
        let err = parse("tt0903747", &series).unwrap_err();
        assert_eq!(
            err.0,
            "IMDb's page for tt0903747 describes a TVSeries, not a movie"
        );

        let truncated = page(r#"{"@context":"https://schema.org","@type":"Movie","name":"The Ma"#);
        let err = parse("tt0133093", &truncated).unwrap_err();
        assert!(err.0.contains("not valid JSON"), "{err}");

        let err = parse("tt0133093", &page(r#"[1, "x", null]"#)).unwrap_err();
        assert!(err.0.contains("describes no movie"), "{err}");

        let err = parse("../../etc", MATRIX).unwrap_err();
        assert!(err.0.contains("not an IMDb title id"), "{err}");
    }

    #[test]
    fn sparse_and_sloppy_json_ld_gives_what_it_can() {
        let d = parse(
            "tt0133093",
            &page(r#"{"@type":"Movie","url":"/title/tt0133093/"}"#),
        )
        .unwrap();
        assert_eq!(
            d,
            MovieDetails {
                imdb_id: "tt0133093".into(),
                ..MovieDetails::default()
            }
        );

        let sloppy = page(
            r#"{"@type":["Movie"],"name":42,"genre":"Drama","actor":{"@type":"Person","name":"Solo Actor"},
            "director":"Plain Name","duration":"two hours","datePublished":"soon",
            "aggregateRating":{"ratingValue":"8.1","ratingCount":"many"},
            "image":{"@type":"ImageObject","url":"https://example.com/p.jpg"},
            "trailer":{"@type":"VideoObject","contentUrl":"https://cdn.example.com/t.MP4?sig=1"},
            "alternateName":"Le fabuleux destin d&apos;Am&#233;lie Poulain"}"#,
        );
        let d = parse("tt0133093", &sloppy).unwrap();
        assert_eq!(d.title, None);
        assert_eq!(
            d.original_title.as_deref(),
            Some("Le fabuleux destin d'Amélie Poulain")
        );
        assert_eq!(d.genres, ["Drama"]);
        assert_eq!(d.cast, ["Solo Actor"]);
        assert_eq!(d.directors, ["Plain Name"]);
        assert_eq!(
            (d.runtime_minutes, d.year, d.release_date),
            (None, None, None)
        );
        assert_eq!((d.imdb_rating, d.imdb_votes), (Some(8.1), None));
        assert_eq!(d.poster_url.as_deref(), Some("https://example.com/p.jpg"));
        let trailer = d.trailer.unwrap();
        assert!(trailer.direct_video);
        assert_eq!(
            trailer.url.as_deref(),
            Some("https://cdn.example.com/t.MP4?sig=1")
        );
        assert_eq!(trailer.key, None);

        let in_graph = page(
            r#"{"@graph":[{"@type":"WebSite"},{"@type":"Movie","name":"Alien","url":"https://www.imdb.com/title/tt0078748/","trailer":{"@type":"VideoObject"},"aggregateRating":{"ratingValue":99}}]}"#,
        );
        let d = parse("tt0078748", &in_graph).unwrap();
        assert_eq!(d.title.as_deref(), Some("Alien"));
        assert_eq!(d.trailer, None);
        assert_eq!(d.imdb_rating, None);
        assert!(d.ratings.is_empty());
    }

    #[test]
    fn id_is_checked_against_the_page_meta_when_the_url_is_missing() {
        let html = "<html><head><meta property=\"imdb:pageConst\" content=\"tt0078748\">\
            <script type=\"application/ld+json\">{\"@type\":\"Movie\",\"name\":\"Alien\"}</script>\
            </head></html>";
        assert!(parse("tt0078748", html).is_ok());
        assert!(parse("tt0133093", html).is_err());
    }

    #[test]
    fn no_cut_page_panics() {
        for whole in [MATRIX, NO_JSONLD] {
            let cuts = (0..whole.len())
                .step_by(61)
                .filter(|i| whole.is_char_boundary(*i));
            for end in cuts {
                let cut = &whole[..end];
                let _ = parse("tt0133093", cut);
                assert!(!is_bot_challenge(200, &[], cut.as_bytes()));
                let _ = decode_entities(cut);
            }
        }
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            decode_entities("Ocean&apos;s &amp; &quot;Co&quot; &lt;b&gt; &#39;x&#x27; &#8212;"),
            "Ocean's & \"Co\" <b> 'x' \u{2014}"
        );
        assert_eq!(
            decode_entities("AT&T &unknown; &#0; &#xZZ; & &"),
            "AT&T &unknown; &#0; &#xZZ; & &"
        );
        assert_eq!(decode_entities("&amp;apos;"), "&apos;");
        assert_eq!(
            decode_entities("&#1114112;&#99999999999;"),
            "&#1114112;&#99999999999;"
        );
        assert_eq!(decode_entities("é&é;&"), "é&é;&");
        assert_eq!(decode_entities("&amp;éééééé;"), "&éééééé;");
        assert_eq!(decode_entities(""), "");
    }

    #[test]
    fn recognises_the_waf_challenge() {
        assert!(is_bot_challenge(202, &[], CHALLENGE));
        assert!(is_bot_challenge(
            200,
            &[("X-Amzn-Waf-Action", "challenge")],
            b""
        ));
        assert!(is_bot_challenge(
            405,
            &[("x-amzn-waf-action", "Captcha")],
            b""
        ));
        assert!(is_bot_challenge(200, &[], CHALLENGE));
        assert!(is_bot_challenge(
            200,
            &[],
            b"<script>AwsWafIntegration.getToken()</script>"
        ));
        assert!(!is_bot_challenge(
            200,
            &[
                ("content-type", "text/html; charset=utf-8"),
                ("x-amzn-waf-action", "allow")
            ],
            MATRIX.as_bytes()
        ));
        assert!(!is_bot_challenge(404, &[], b"Not found"));
        assert!(!is_bot_challenge(200, &[], b""));
    }

    #[test]
    fn paths() {
        assert_eq!(page_path("tt0133093"), "/title/tt0133093/");
        assert_eq!(page_path("../x"), "/title/%2E%2E%2Fx/");
    }
}
