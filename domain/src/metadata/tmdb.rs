//! TMDB's v3 API: title search, IMDb-id lookup (`/find`), a movie's details with videos,
//! images, release dates and credits in one request, and collections (franchises).
//!
//! The paths carry no key: the caller adds `api_key=` or an `Authorization: Bearer` header,
//! so keys never end up in logs of paths. Image paths (`/abc.jpg`) are joined to an image
//! base such as `https://image.tmdb.org/t/p/original`, which the caller knows from its
//! configuration.

use super::BadAnswer;
use super::details::{CollectionRef, MovieDetails, Rating, RatingSource, Trailer, iso_date};
use super::json::{self, float, items, text, uint};
use crate::imdb::ImdbId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A movie in a search answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TmdbHit {
    pub tmdb_id: u64,
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<u16>,
    /// To join to the image base, e.g. `/vfrQk5IPloGg1v9Rzbh2Eg3VGyM.jpg`.
    pub poster_path: Option<String>,
    pub popularity: Option<f64>,
}

/// A collection (franchise) and its movies, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    pub tmdb_id: u64,
    pub name: String,
    pub parts: Vec<CollectionPart>,
}

/// A movie of a collection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionPart {
    pub tmdb_id: u64,
    pub title: String,
    /// ISO `yyyy-mm-dd`; None for movies not dated yet.
    pub release_date: Option<String>,
    pub year: Option<u16>,
}

/// The path of a movie search; `year` narrows it to movies released that year.
pub fn search_path(query: &str, year: Option<u16>) -> String {
    let year = year.map(|y| format!("&year={y}")).unwrap_or_default();
    format!(
        "/3/search/movie?query={}{year}&include_adult=false",
        super::percent_encode(query.trim())
    )
}

/// The path of a lookup by IMDb id.
pub fn find_path(imdb_id: &str) -> String {
    format!(
        "/3/find/{}?external_source=imdb_id",
        super::percent_encode(imdb_id)
    )
}

/// The path of a movie's details, with what [`parse_details`] reads appended.
pub fn details_path(tmdb_id: u64) -> String {
    format!("/3/movie/{tmdb_id}?append_to_response=videos,images,release_dates,credits")
}

/// The path of a collection.
pub fn collection_path(tmdb_id: u64) -> String {
    format!("/3/collection/{tmdb_id}")
}

/// The answer as JSON, refusing TMDB's error bodies
/// (`{"status_code":7,"status_message":"Invalid API key...","success":false}`).
fn answer(json: &[u8]) -> Result<Value, BadAnswer> {
    let value = json::parse(json, "TMDB")?;
    if !value.is_object() {
        return Err(BadAnswer(
            "TMDB's answer is not the expected JSON: not an object".into(),
        ));
    }
    let failed = value.get("success").and_then(Value::as_bool) == Some(false)
        || (value.get("status_code").is_some()
            && value.get("success").and_then(Value::as_bool) != Some(true));
    if failed {
        let message = text(&value, "status_message").unwrap_or_else(|| "no reason given".into());
        return Err(BadAnswer(match uint(&value, "status_code") {
            Some(code) => format!("TMDB refused the request: {message} (status code {code})"),
            None => format!("TMDB refused the request: {message}"),
        }));
    }
    Ok(value)
}

/// The array that makes an answer what it is; its absence means the format changed.
fn required_list<'a>(value: &'a Value, key: &str, what: &str) -> Result<&'a [Value], BadAnswer> {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| BadAnswer(format!("TMDB's {what} answer has no \"{key}\" list")))
}

fn year(value: &Value, key: &str) -> (Option<String>, Option<u16>) {
    let date = text(value, key).and_then(|d| iso_date(&d));
    let year = date.as_deref().and_then(super::details::year_of);
    (date, year)
}

/// The movies found, in TMDB's order; entries without an id or a title are left out.
pub fn parse_search(json: &[u8]) -> Result<Vec<TmdbHit>, BadAnswer> {
    let value = answer(json)?;
    let hits = required_list(&value, "results", "search")?
        .iter()
        .filter_map(|hit| {
            Some(TmdbHit {
                tmdb_id: uint(hit, "id")?,
                title: text(hit, "title")?,
                original_title: text(hit, "original_title"),
                year: year(hit, "release_date").1,
                poster_path: text(hit, "poster_path"),
                popularity: float(hit, "popularity"),
            })
        })
        .collect();
    Ok(hits)
}

/// The TMDB id of the movie an IMDb-id lookup found; None when it found no movie.
pub fn parse_find(json: &[u8]) -> Result<Option<u64>, BadAnswer> {
    let value = answer(json)?;
    Ok(required_list(&value, "movie_results", "find")?
        .iter()
        .find_map(|m| uint(m, "id")))
}

/// A movie's details from [`details_path`]'s answer; image paths are joined to
/// `image_base`. An error when the movie has no IMDb id, which everything here is keyed by.
pub fn parse_details(json: &[u8], image_base: &str) -> Result<MovieDetails, BadAnswer> {
    let movie = answer(json)?;
    let Some(tmdb_id) = uint(&movie, "id") else {
        return Err(BadAnswer("TMDB's answer is not a movie's details".into()));
    };
    let imdb_id = text(&movie, "imdb_id")
        .and_then(|id| ImdbId::parse(&id.to_ascii_lowercase()).ok())
        .map(ImdbId::into_string)
        .ok_or_else(|| BadAnswer(format!("TMDB's movie {tmdb_id} has no IMDb id")))?;
    let (release_date, year) = year(&movie, "release_date");
    let image = |key: &str| text(&movie, key).map(|path| image_url(image_base, &path));
    let votes = uint(&movie, "vote_count").unwrap_or(0);
    let tmdb_rating = float(&movie, "vote_average")
        .filter(|v| votes > 0 && (0.0..=10.0).contains(v))
        .map(|v| Rating {
            source: RatingSource::Tmdb,
            value: format!("{v:.1}/10"),
            score: Some(((v * 100.0).round() / 10.0) as f32),
        });
    let credits = movie.get("credits").unwrap_or(&Value::Null);
    Ok(MovieDetails {
        imdb_id,
        title: text(&movie, "title"),
        original_title: text(&movie, "original_title"),
        year,
        release_date,
        plot: text(&movie, "overview"),
        content_rating: us_certification(&movie),
        runtime_minutes: uint(&movie, "runtime")
            .filter(|m| *m > 0)
            .and_then(|m| u32::try_from(m).ok()),
        genres: items(&movie, "genres")
            .iter()
            .filter_map(|g| text(g, "name"))
            .collect(),
        directors: directors(credits),
        cast: cast(credits),
        poster_url: image("poster_path"),
        backdrop_url: image("backdrop_path"),
        imdb_rating: None,
        imdb_votes: None,
        ratings: tmdb_rating.into_iter().collect(),
        trailer: trailer(&movie),
        collection: movie.get("belongs_to_collection").and_then(|c| {
            Some(CollectionRef {
                tmdb_id: uint(c, "id")?,
                name: text(c, "name")?,
            })
        }),
    })
}

/// An image's URL: the base and the path with exactly one `/` between them.
pub fn image_url(image_base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        image_base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Names in billing order (`order`; entries without one last, in TMDB's order).
fn cast(credits: &Value) -> Vec<String> {
    let mut cast: Vec<(u64, String)> = items(credits, "cast")
        .iter()
        .filter_map(|c| Some((uint(c, "order").unwrap_or(u64::MAX), text(c, "name")?)))
        .collect();
    cast.sort_by_key(|(order, _)| *order);
    cast.into_iter().map(|(_, name)| name).collect()
}

/// The crew whose job is "Director", each once.
fn directors(credits: &Value) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for member in items(credits, "crew") {
        if text(member, "job").as_deref() != Some("Director") {
            continue;
        }
        if let Some(name) = text(member, "name").filter(|n| !names.contains(n)) {
            names.push(name);
        }
    }
    names
}

/// The US certification of the theatrical release (type 3), else of any US release.
fn us_certification(movie: &Value) -> Option<String> {
    let releases = movie.get("release_dates")?;
    let us = items(releases, "results")
        .iter()
        .find(|r| text(r, "iso_3166_1").as_deref() == Some("US"))?;
    let dates = items(us, "release_dates");
    let certified = |theatrical: bool| {
        dates
            .iter()
            .filter(|d| !theatrical || uint(d, "type") == Some(3))
            .find_map(|d| text(d, "certification"))
    };
    certified(true).or_else(|| certified(false))
}

/// The best video that is a trailer (or else a teaser): trailers before teasers, then
/// YouTube (which every player embeds) before other sites, then official before fan uploads.
fn trailer(movie: &Value) -> Option<Trailer> {
    let videos = movie.get("videos")?;
    items(videos, "results")
        .iter()
        .filter_map(|v| {
            let kind = text(v, "type")?;
            let rank_kind = match kind.as_str() {
                "Trailer" => 2,
                "Teaser" => 1,
                _ => return None,
            };
            let site = text(v, "site")?;
            let key = text(v, "key")?;
            let official = v.get("official").and_then(Value::as_bool).unwrap_or(false);
            let rank = (rank_kind, site == "YouTube", official);
            Some((rank, site, key))
        })
        // `max_by_key` keeps the last of equals; reversing first keeps TMDB's first instead.
        .rev()
        .max_by_key(|(rank, _, _)| *rank)
        .map(|(_, site, key)| Trailer {
            site,
            key: Some(key),
            url: None,
            direct_video: false,
        })
}

/// A collection with its movies sorted by release date, undated ones last.
pub fn parse_collection(json: &[u8]) -> Result<Collection, BadAnswer> {
    let value = answer(json)?;
    let (Some(tmdb_id), Some(name)) = (uint(&value, "id"), text(&value, "name")) else {
        return Err(BadAnswer(
            "TMDB's answer is not a collection: it has no id or name".into(),
        ));
    };
    let mut parts: Vec<CollectionPart> = required_list(&value, "parts", "collection")?
        .iter()
        .filter_map(|p| {
            let (release_date, year) = year(p, "release_date");
            Some(CollectionPart {
                tmdb_id: uint(p, "id")?,
                title: text(p, "title")?,
                release_date,
                year,
            })
        })
        .collect();
    // Stable: undated parts keep TMDB's order among themselves.
    parts.sort_by(|a, b| match (&a.release_date, &b.release_date) {
        (Some(a), Some(b)) => a.cmp(b),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    Ok(Collection {
        tmdb_id,
        name,
        parts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/metadata/",
                $name
            ))
            .as_slice()
        };
    }

    const BASE: &str = "https://image.tmdb.org/t/p/original";
    const ERROR: &[u8] = fixture!("tmdb_error_401.json");
    const INVALID_KEY: &str = "TMDB refused the request: Invalid API key: You must be granted a valid key. (status code 7)";

    #[test]
    fn no_cut_answer_panics() {
        for whole in [
            fixture!("tmdb_search_alien.json"),
            fixture!("tmdb_find_tt0078748.json"),
            fixture!("tmdb_movie_348.json"),
            fixture!("tmdb_collection_8091.json"),
            ERROR,
        ] {
            for end in (0..whole.len()).step_by(11) {
                let cut = &whole[..end];
                assert!(parse_search(cut).is_err());
                assert!(parse_find(cut).is_err());
                assert!(parse_details(cut, BASE).is_err());
                assert!(parse_collection(cut).is_err());
            }
        }
    }

    #[test]
    fn paths_carry_no_key_and_are_encoded() {
        assert_eq!(
            search_path("Alien", Some(1979)),
            "/3/search/movie?query=Alien&year=1979&include_adult=false"
        );
        assert_eq!(
            search_path(" Ocean's Eleven & Co ", None),
            "/3/search/movie?query=Ocean%27s%20Eleven%20%26%20Co&include_adult=false"
        );
        assert_eq!(
            search_path("Amélie", None),
            "/3/search/movie?query=Am%C3%A9lie&include_adult=false"
        );
        assert_eq!(
            find_path("tt0078748"),
            "/3/find/tt0078748?external_source=imdb_id"
        );
        assert_eq!(
            find_path("../x?y"),
            "/3/find/%2E%2E%2Fx%3Fy?external_source=imdb_id"
        );
        assert_eq!(
            details_path(348),
            "/3/movie/348?append_to_response=videos,images,release_dates,credits"
        );
        assert_eq!(collection_path(8091), "/3/collection/8091");
        assert_eq!(
            image_url("https://image.tmdb.org/t/p/w500/", "/a.jpg"),
            "https://image.tmdb.org/t/p/w500/a.jpg"
        );
        assert_eq!(
            image_url("https://i/t/p/original", "a.jpg"),
            "https://i/t/p/original/a.jpg"
        );
    }

    #[test]
    fn search_reads_hits_in_order() {
        let hits = parse_search(fixture!("tmdb_search_alien.json")).unwrap();
        assert_eq!(hits.len(), 5);
        assert_eq!(
            hits[0],
            TmdbHit {
                tmdb_id: 348,
                title: "Alien".into(),
                original_title: Some("Alien".into()),
                year: Some(1979),
                poster_path: Some("/vfrQk5IPloGg1v9Rzbh2Eg3VGyM.jpg".into()),
                popularity: Some(88.512),
            }
        );
        assert_eq!(hits[1].title, "Alien: Romulus");
        assert_eq!((hits[3].year, hits[3].poster_path.as_deref()), (None, None));
        assert_eq!(
            hits[4].original_title.as_deref(),
            Some("Alien 2 - Sulla Terra")
        );
    }

    #[test]
    fn search_tolerates_sloppy_hits_and_refuses_other_answers() {
        let hits = parse_search(
            br#"{"page":1,"results":[{"id":"x","title":"No id"},{"id":1,"title":""},
            {"id":2,"title":"Sparse","release_date":null,"popularity":"hot","poster_path":7}],"total_results":3}"#,
        )
        .unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(
            (hits[0].tmdb_id, hits[0].year, hits[0].popularity),
            (2, None, None)
        );
        assert_eq!(parse_search(br#"{"page":1,"results":[]}"#).unwrap(), vec![]);
        assert_eq!(parse_search(ERROR).unwrap_err().0, INVALID_KEY);
        assert!(
            parse_search(br#"{"page":1,"results":[{"id":348,"ti"#)
                .unwrap_err()
                .0
                .contains("not the expected JSON")
        );
        assert!(
            parse_search(b"{}")
                .unwrap_err()
                .0
                .contains("no \"results\" list")
        );
        assert!(parse_search(br#"{"results":{}}"#).is_err());
        assert!(parse_search(b"[]").is_err());
        assert!(parse_search(b"<html>502 Bad Gateway</html>").is_err());
    }

    #[test]
    fn find_gives_the_first_movie() {
        assert_eq!(
            parse_find(fixture!("tmdb_find_tt0078748.json")),
            Ok(Some(348))
        );
        let none = br#"{"movie_results":[],"person_results":[],"tv_results":[{"id":1396}]}"#;
        assert_eq!(parse_find(none), Ok(None));
        assert_eq!(
            parse_find(br#"{"movie_results":[{"id":null},{"id":679}]}"#),
            Ok(Some(679))
        );
        assert_eq!(parse_find(ERROR).unwrap_err().0, INVALID_KEY);
        assert!(parse_find(br#"{"tv_results":[]}"#).is_err());
        assert!(parse_find(b"").is_err());
    }

    #[test]
    fn details_of_alien() {
        let d = parse_details(fixture!("tmdb_movie_348.json"), BASE).unwrap();
        assert_eq!(d.imdb_id, "tt0078748");
        assert_eq!(d.title.as_deref(), Some("Alien"));
        assert_eq!(d.original_title.as_deref(), Some("Alien"));
        assert_eq!(
            (d.year, d.release_date.as_deref()),
            (Some(1979), Some("1979-05-25"))
        );
        assert!(
            d.plot
                .as_deref()
                .is_some_and(|p| p.starts_with("During its return to the earth"))
        );
        assert_eq!(d.runtime_minutes, Some(117));
        assert_eq!(d.genres, ["Horror", "Science Fiction"]);
        assert_eq!(d.directors, ["Ridley Scott"]);
        assert_eq!(d.cast.len(), 9);
        assert_eq!(
            &d.cast[..3],
            ["Sigourney Weaver", "Tom Skerritt", "Veronica Cartwright"]
        );
        assert_eq!(
            d.poster_url.as_deref(),
            Some("https://image.tmdb.org/t/p/original/vfrQk5IPloGg1v9Rzbh2Eg3VGyM.jpg")
        );
        assert_eq!(
            d.backdrop_url.as_deref(),
            Some("https://image.tmdb.org/t/p/original/AmR3JG1VQVxU8TfAvljUhfSFUOx.jpg")
        );
        assert_eq!(
            d.ratings,
            [Rating {
                source: RatingSource::Tmdb,
                value: "8.1/10".into(),
                score: Some(81.5)
            }]
        );
        assert_eq!((d.imdb_rating, d.imdb_votes), (None, None));
        assert_eq!(d.content_rating.as_deref(), Some("R"));
        assert_eq!(
            d.collection,
            Some(CollectionRef {
                tmdb_id: 8091,
                name: "Alien Collection".into()
            })
        );
        assert_eq!(
            d.trailer,
            Some(Trailer {
                site: "YouTube".into(),
                key: Some("LjLamj-b0I8".into()),
                url: None,
                direct_video: false
            })
        );
    }

    #[test]
    fn details_tolerate_wrong_types_on_optional_fields() {
        let sloppy = br#"{"id":348,"imdb_id":"TT0078748","title":"Alien","runtime":"abc",
            "release_date":"","genres":[{"id":27},{"name":"Horror"},"Sci-Fi"],"vote_average":8.1,
            "vote_count":0,"poster_path":null,"backdrop_path":42,"belongs_to_collection":null,
            "credits":{"cast":[{"name":"Late","order":"x"},{"name":"Second","order":1},
            {"order":0},{"name":"First","order":0}],"crew":"none"},
            "videos":{"results":[{"type":"Featurette","site":"YouTube","key":"a"},
            {"type":"Teaser","site":"YouTube","key":""},{"type":"Teaser","site":"Vimeo","key":"v1"},
            {"type":"Teaser","site":"Vimeo","key":"v2"}]},
            "release_dates":{"results":[{"iso_3166_1":"US","release_dates":[
            {"certification":"","type":3},{"certification":"PG","type":4}]}]}}"#;
        let d = parse_details(sloppy, BASE).unwrap();
        assert_eq!(d.imdb_id, "tt0078748");
        assert_eq!(d.runtime_minutes, None);
        assert_eq!((d.year, d.release_date), (None, None));
        assert_eq!(d.genres, ["Horror"]);
        assert!(d.ratings.is_empty(), "no votes, no rating");
        assert_eq!((d.poster_url, d.backdrop_url), (None, None));
        assert_eq!(d.collection, None);
        assert_eq!(d.cast, ["First", "Second", "Late"]);
        assert!(d.directors.is_empty());
        let trailer = d.trailer.unwrap();
        assert_eq!(
            (trailer.site.as_str(), trailer.key.as_deref()),
            ("Vimeo", Some("v1"))
        );
        assert_eq!(d.content_rating.as_deref(), Some("PG"));

        let bare = parse_details(
            br#"{"id":348,"imdb_id":"tt0078748","runtime":0,"videos":{"results":[]}}"#,
            BASE,
        )
        .unwrap();
        assert_eq!(
            bare,
            MovieDetails {
                imdb_id: "tt0078748".into(),
                ..MovieDetails::default()
            }
        );
    }

    #[test]
    fn details_refuse_what_they_cannot_key() {
        assert_eq!(parse_details(ERROR, BASE).unwrap_err().0, INVALID_KEY);
        let err = parse_details(br#"{"id":348,"imdb_id":null,"title":"Alien"}"#, BASE).unwrap_err();
        assert_eq!(err.0, "TMDB's movie 348 has no IMDb id");
        assert!(parse_details(br#"{"id":348,"imdb_id":"","title":"Alien"}"#, BASE).is_err());
        assert!(parse_details(br#"{"id":348,"imdb_id":"nm0000244"}"#, BASE).is_err());
        assert!(
            parse_details(br#"{"imdb_id":"tt0078748"}"#, BASE)
                .unwrap_err()
                .0
                .contains("not a movie")
        );
        assert!(parse_details(br#"{"id":348,"imdb_id":"tt00787"#, BASE).is_err());
        assert!(parse_details(br#"{"status_code":34,"status_message":"The resource you requested could not be found."}"#, BASE)
            .unwrap_err().0.contains("could not be found"));
    }

    #[test]
    fn collection_parts_oldest_first_undated_last() {
        let c = parse_collection(fixture!("tmdb_collection_8091.json")).unwrap();
        assert_eq!((c.tmdb_id, c.name.as_str()), (8091, "Alien Collection"));
        let parts: Vec<_> = c
            .parts
            .iter()
            .map(|p| (p.tmdb_id, p.title.as_str(), p.year))
            .collect();
        assert_eq!(
            parts,
            [
                (348, "Alien", Some(1979)),
                (679, "Aliens", Some(1986)),
                (8077, "Alien³", Some(1992)),
                (8078, "Alien Resurrection", Some(1997)),
                (945961, "Alien: Romulus", Some(2024)),
                (1226578, "Untitled Alien: Romulus Sequel", None),
            ]
        );
        assert_eq!(c.parts[0].release_date.as_deref(), Some("1979-05-25"));
        assert_eq!(c.parts[5].release_date, None);
    }

    #[test]
    fn collections_broken_or_sparse() {
        let c = parse_collection(
            br#"{"id":1,"name":"C","parts":[{"id":3,"title":"U1"},{"id":4,"title":"B","release_date":"2001-01-01"},
            {"id":5,"title":"U2","release_date":""},{"title":"no id"},{"id":6,"title":"A","release_date":"1999-12-31"}]}"#,
        )
        .unwrap();
        let order: Vec<_> = c.parts.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(order, ["A", "B", "U1", "U2"]);
        assert_eq!(
            parse_collection(br#"{"id":1,"name":"C","parts":[]}"#)
                .unwrap()
                .parts,
            vec![]
        );
        assert!(
            parse_collection(br#"{"id":1,"name":"C"}"#)
                .unwrap_err()
                .0
                .contains("\"parts\"")
        );
        assert!(
            parse_collection(br#"{"name":"C","parts":[]}"#)
                .unwrap_err()
                .0
                .contains("not a collection")
        );
        assert_eq!(parse_collection(ERROR).unwrap_err().0, INVALID_KEY);
        assert!(parse_collection(br#"{"id":1,"name":"C","parts":[{"id":2,"#).is_err());
    }
}
