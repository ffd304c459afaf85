//! OMDb (`?i=tt...`): one flat object of strings, "N/A" for anything unknown. It is the
//! source of the Rotten Tomatoes and Metacritic scores.

use super::BadAnswer;
use super::details::{MovieDetails, Rating, RatingSource, year_of};
use super::duration::parse_omdb_runtime;
use super::json::{self, items};
use crate::imdb::ImdbId;
use serde_json::Value;

/// The query of a lookup by IMDb id with the full plot; the caller appends `&apikey=`.
pub fn by_id_query(imdb_id: &str) -> String {
    let encoded = super::percent_encode(imdb_id);
    format!("?i={encoded}&plot=full")
}

/// A field's value; None when absent, empty, "N/A" or not a string.
fn field(v: &Value, key: &str) -> Option<String> {
    json::text(v, key).filter(|s| s != "N/A")
}

/// A comma-separated list ("Action, Sci-Fi").
fn list(v: &Value, key: &str) -> Vec<String> {
    field(v, key)
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty() && *s != "N/A")
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The details in OMDb's answer. An error for OMDb's refusals
/// (`{"Response":"False","Error":"Movie not found!"}`), for an answer without an IMDb id,
/// and for series, episodes and games.
pub fn parse(json: &[u8]) -> Result<MovieDetails, BadAnswer> {
    let v = json::parse(json, "OMDb")?;
    if !v.is_object() {
        return Err(BadAnswer(
            "OMDb's answer is not the expected JSON: not an object".into(),
        ));
    }
    if json::text(&v, "Response").is_some_and(|r| r.eq_ignore_ascii_case("false")) {
        let error = field(&v, "Error").unwrap_or_else(|| "no reason given".into());
        return Err(BadAnswer(format!("OMDb found nothing: {error}")));
    }
    let imdb_id = field(&v, "imdbID")
        .and_then(|id| ImdbId::parse(&id.to_ascii_lowercase()).ok())
        .map(ImdbId::into_string)
        .ok_or_else(|| BadAnswer("OMDb's answer has no IMDb id".into()))?;
    if let Some(kind) =
        field(&v, "Type").filter(|t| matches!(t.as_str(), "series" | "episode" | "game"))
    {
        return Err(BadAnswer(format!(
            "OMDb says {imdb_id} is a {kind}, not a movie"
        )));
    }
    let imdb_rating = field(&v, "imdbRating")
        .and_then(|r| r.parse::<f32>().ok())
        .filter(|r| (0.0..=10.0).contains(r));
    Ok(MovieDetails {
        imdb_id,
        title: field(&v, "Title"),
        original_title: None,
        year: field(&v, "Year").and_then(|y| year_of(&y)),
        release_date: field(&v, "Released").and_then(|d| released(&d)),
        plot: field(&v, "Plot"),
        content_rating: field(&v, "Rated"),
        runtime_minutes: field(&v, "Runtime").and_then(|r| parse_omdb_runtime(&r)),
        genres: list(&v, "Genre"),
        directors: list(&v, "Director"),
        cast: list(&v, "Actors"),
        poster_url: field(&v, "Poster"),
        backdrop_url: None,
        imdb_rating,
        imdb_votes: field(&v, "imdbVotes").and_then(|n| n.replace(',', "").parse().ok()),
        ratings: ratings(&v, imdb_rating),
        trailer: None,
        collection: None,
    })
}

/// `Ratings`, completed from `imdbRating` and `Metascore` when the list lacks them.
fn ratings(v: &Value, imdb_rating: Option<f32>) -> Vec<Rating> {
    let mut out: Vec<Rating> = Vec::new();
    for entry in items(v, "Ratings") {
        let source = match field(entry, "Source").as_deref() {
            Some("Internet Movie Database") => RatingSource::Imdb,
            Some("Rotten Tomatoes") => RatingSource::RottenTomatoes,
            Some("Metacritic") => RatingSource::Metacritic,
            _ => continue,
        };
        let Some(value) = field(entry, "Value") else {
            continue;
        };
        if !out.iter().any(|r| r.source == source) {
            out.push(Rating::new(source, value));
        }
    }
    let mut add = |source, value: Option<String>| {
        if let Some(value) = value.filter(|_| !out.iter().any(|r| r.source == source)) {
            out.push(Rating::new(source, value));
        }
    };
    add(
        RatingSource::Imdb,
        imdb_rating.map(|r| format!("{r:.1}/10")),
    );
    add(
        RatingSource::Metacritic,
        field(v, "Metascore")
            .filter(|m| m.parse::<u8>().is_ok())
            .map(|m| format!("{m}/100")),
    );
    out
}

/// OMDb's `Released` ("31 Mar 1999") as ISO `1999-03-31`.
fn released(text: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let mut parts = text.split_whitespace();
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 {
        return None;
    }
    let day: u8 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let month = month.to_ascii_lowercase();
    let month = MONTHS.iter().position(|m| month.starts_with(m))? + 1;
    let year = year_of(year)?;
    Some(format!("{year:04}-{month:02}-{day:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MATRIX: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/metadata/omdb_tt0133093.json"
    ));
    const NOT_FOUND: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/metadata/omdb_not_found.json"
    ));

    #[test]
    fn no_cut_answer_panics() {
        for whole in [MATRIX, NOT_FOUND] {
            for end in 0..whole.len() {
                assert!(parse(&whole[..end]).is_err());
            }
        }
    }

    #[test]
    fn reads_the_matrix() {
        let d = parse(MATRIX).unwrap();
        assert_eq!(d.imdb_id, "tt0133093");
        assert_eq!(d.title.as_deref(), Some("The Matrix"));
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
        assert!(
            d.plot
                .as_deref()
                .is_some_and(|p| p.starts_with("Thomas A. Anderson is a man living two lives."))
        );
        assert_eq!(
            d.poster_url.as_deref(),
            Some(
                "https://m.media-amazon.com/images/M/MV5BN2NmN2VhMTQtMDNiOS00NDlhLTliMjgtODE2ZTY0ODQyNDRhXkEyXkFqcGc@._V1_SX300.jpg"
            )
        );
        assert_eq!((d.imdb_rating, d.imdb_votes), (Some(8.7), Some(2_187_654)));
        let ratings: Vec<_> = d
            .ratings
            .iter()
            .map(|r| (r.source, r.value.as_str(), r.score))
            .collect();
        assert_eq!(
            ratings,
            [
                (RatingSource::Imdb, "8.7/10", Some(87.0)),
                (RatingSource::RottenTomatoes, "83%", Some(83.0)),
                (RatingSource::Metacritic, "73/100", Some(73.0)),
            ]
        );
        assert_eq!(
            (d.trailer, d.collection, d.original_title),
            (None, None, None)
        );
    }

    #[test]
    fn refusals_carry_omdb_s_words() {
        assert_eq!(
            parse(NOT_FOUND).unwrap_err().0,
            "OMDb found nothing: Movie not found!"
        );
        assert_eq!(
            parse(br#"{"Response":"False","Error":"Invalid API key!"}"#)
                .unwrap_err()
                .0,
            "OMDb found nothing: Invalid API key!"
        );
        assert!(
            parse(br#"{"Response":"False"}"#)
                .unwrap_err()
                .0
                .contains("no reason given")
        );
        assert!(
            parse(br#"{"Title":"The Matrix","Yea"#)
                .unwrap_err()
                .0
                .contains("not the expected JSON")
        );
        assert!(parse(b"[]").is_err());
        assert!(parse(b"Request limit reached!").is_err());
        assert_eq!(
            parse(br#"{"Title":"The Matrix","Response":"True"}"#)
                .unwrap_err()
                .0,
            "OMDb's answer has no IMDb id"
        );
        assert_eq!(
            parse(r#"{"Title":"Breaking Bad","Year":"2008–2013","imdbID":"tt0903747","Type":"series","Response":"True"}"#.as_bytes())
                .unwrap_err()
                .0,
            "OMDb says tt0903747 is a series, not a movie"
        );
    }

    #[test]
    fn n_a_and_wrong_types_are_absent() {
        let d = parse(
            r#"{"Title":"Obscure","Year":"2005–2007","Rated":"N/A","Released":"N/A","Runtime":"N/A",
            "Genre":"N/A","Director":"N/A","Actors":"A, N/A, , B","Plot":"N/A","Poster":"N/A",
            "Ratings":[{"Source":"Rotten Tomatoes","Value":"N/A"},{"Source":"Letterboxd","Value":"4/5"},
            {"Source":"Metacritic"},"junk",{"Source":"Metacritic","Value":"61/100"},{"Source":"Metacritic","Value":"1/100"}],
            "Metascore":"N/A","imdbRating":"N/A","imdbVotes":"N/A","imdbID":"tt1234567","Type":"movie","Response":"True"}"#
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(d.year, Some(2005));
        assert_eq!(
            (
                d.content_rating,
                d.release_date,
                d.runtime_minutes,
                d.plot,
                d.poster_url
            ),
            (None, None, None, None, None)
        );
        assert!(d.genres.is_empty() && d.directors.is_empty());
        assert_eq!(d.cast, ["A", "B"]);
        assert_eq!((d.imdb_rating, d.imdb_votes), (None, None));
        assert_eq!(d.ratings, [Rating::new(RatingSource::Metacritic, "61/100")]);

        let d = parse(
            br#"{"Title":7,"Year":1999,"Runtime":136,"Ratings":"none","imdbRating":"8.7","Metascore":"73",
            "imdbVotes":"lots","imdbID":"TT0133093"}"#,
        )
        .unwrap();
        assert_eq!(d.imdb_id, "tt0133093");
        assert_eq!(
            (d.title, d.year, d.runtime_minutes, d.imdb_votes),
            (None, None, None, None)
        );
        let shown: Vec<_> = d.ratings.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(shown, ["8.7/10", "73/100"]);
    }

    #[test]
    fn dates_and_query() {
        assert_eq!(released("31 Mar 1999").as_deref(), Some("1999-03-31"));
        assert_eq!(released("1 Sep 2005").as_deref(), Some("2005-09-01"));
        for bad in [
            "",
            "N/A",
            "Mar 1999",
            "32 Mar 1999",
            "31 Foo 1999",
            "31 Mar 99",
            "31 Mar 1999 x",
            "é Mar 1999",
        ] {
            assert_eq!(released(bad), None, "{bad}");
        }
        assert_eq!(by_id_query("tt0133093"), "?i=tt0133093&plot=full");
        assert_eq!(by_id_query("tt1&x=y"), "?i=tt1%26x%3Dy&plot=full");
    }
}
