//! What a details lookup tells about one movie, whichever provider answered: every provider
//! knows only part of it (IMDb has the ratings, TMDB the backdrops and collections, OMDb
//! the critics' scores), so answers are [`MovieDetails::merge`]d into one.

use serde::{Deserialize, Serialize};

/// One movie's details; everything but the IMDb id may be unknown.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MovieDetails {
    pub imdb_id: String,
    pub title: Option<String>,
    /// The title in the original language, when the provider tells it apart.
    pub original_title: Option<String>,
    pub year: Option<u16>,
    /// First release, ISO `yyyy-mm-dd`.
    pub release_date: Option<String>,
    pub plot: Option<String>,
    /// The US certification, e.g. "R" or "PG-13".
    pub content_rating: Option<String>,
    pub runtime_minutes: Option<u32>,
    #[serde(default)]
    pub genres: Vec<String>,
    #[serde(default)]
    pub directors: Vec<String>,
    /// In billing order.
    #[serde(default)]
    pub cast: Vec<String>,
    pub poster_url: Option<String>,
    pub backdrop_url: Option<String>,
    /// IMDb's user rating, 1 to 10.
    pub imdb_rating: Option<f32>,
    pub imdb_votes: Option<u64>,
    /// At most one per source.
    #[serde(default)]
    pub ratings: Vec<Rating>,
    pub trailer: Option<Trailer>,
    pub collection: Option<CollectionRef>,
}

/// Who gave a rating.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RatingSource {
    Imdb,
    RottenTomatoes,
    Metacritic,
    Tmdb,
}

/// A rating as its source shows it, with a score to compare sources by.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rating {
    pub source: RatingSource,
    /// As shown, e.g. "8.7/10", "94%", "89/100".
    pub value: String,
    /// The value on a 0–100 scale; None when the value could not be read.
    pub score: Option<f32>,
}

impl Rating {
    /// A rating whose score is read from the shown value.
    pub fn new(source: RatingSource, value: impl Into<String>) -> Self {
        let value = value.into();
        let score = score_of(&value);
        Rating {
            source,
            value,
            score,
        }
    }
}

/// A trailer: a video on a site (with the site's key) or a plain URL.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trailer {
    /// "YouTube", "Vimeo", "IMDb"...
    pub site: String,
    /// The video's id on the site, e.g. a YouTube key or IMDb's `vi...`.
    pub key: Option<String>,
    pub url: Option<String>,
    /// True only when `url` is a video file a `<video>` element can play; otherwise it is a
    /// page or player to embed or link to.
    pub direct_video: bool,
}

/// The TMDB collection (franchise) a movie belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionRef {
    pub tmdb_id: u64,
    pub name: String,
}

impl MovieDetails {
    /// Fills what is unknown here from `other`, keeping what is known: a list is taken whole
    /// only when this one is empty (mixing two providers' cast lists would scramble billing),
    /// ratings are joined by source.
    pub fn merge(&mut self, other: MovieDetails) {
        fn fill<T>(mine: &mut Option<T>, theirs: Option<T>) {
            if mine.is_none() {
                *mine = theirs;
            }
        }
        fn fill_list<T>(mine: &mut Vec<T>, theirs: Vec<T>) {
            if mine.is_empty() {
                *mine = theirs;
            }
        }
        if self.imdb_id.is_empty() {
            self.imdb_id = other.imdb_id;
        }
        fill(&mut self.title, other.title);
        fill(&mut self.original_title, other.original_title);
        fill(&mut self.year, other.year);
        fill(&mut self.release_date, other.release_date);
        fill(&mut self.plot, other.plot);
        fill(&mut self.content_rating, other.content_rating);
        fill(&mut self.runtime_minutes, other.runtime_minutes);
        fill_list(&mut self.genres, other.genres);
        fill_list(&mut self.directors, other.directors);
        fill_list(&mut self.cast, other.cast);
        fill(&mut self.poster_url, other.poster_url);
        fill(&mut self.backdrop_url, other.backdrop_url);
        fill(&mut self.imdb_rating, other.imdb_rating);
        fill(&mut self.imdb_votes, other.imdb_votes);
        for rating in other.ratings {
            if !self.ratings.iter().any(|r| r.source == rating.source) {
                self.ratings.push(rating);
            }
        }
        fill(&mut self.trailer, other.trailer);
        fill(&mut self.collection, other.collection);
    }
}

/// A shown rating on a 0–100 scale: "8.7/10" → 87, "94%" → 94, "73/100" → 73; None when it
/// is not one of those forms or falls outside the scale.
pub fn score_of(value: &str) -> Option<f32> {
    let value = value.trim();
    let score = if let Some(percent) = value.strip_suffix('%') {
        number(percent)?
    } else {
        let (got, best) = value.split_once('/')?;
        let best = number(best)?;
        if best <= 0.0 {
            return None;
        }
        number(got)? * 100.0 / best
    };
    // One decimal is all a rating carries; rounding also hides 8.7 * 10 = 86.99999.
    (0.0..=100.0)
        .contains(&score)
        .then(|| ((score * 10.0).round() / 10.0) as f32)
}

fn number(text: &str) -> Option<f64> {
    let text = text.trim();
    // `f64::from_str` also reads "inf", "NaN" and "1e3", which no rating is written as.
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    text.parse().ok()
}

/// The ISO date at the start of `text` ("1979-05-25" or "1979-05-25T00:00:00.000Z").
pub(crate) fn iso_date(text: &str) -> Option<String> {
    let date = text.trim().get(..10)?;
    let b = date.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)) {
        return None;
    }
    let month: u8 = date[5..7].parse().ok()?;
    let day: u8 = date[8..10].parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then(|| date.to_owned())
}

/// The year a date or year range starts with ("1999", "1999-03-31", "2005–2007").
pub(crate) fn year_of(text: &str) -> Option<u16> {
    let year = text.trim().get(..4)?;
    if !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    year.parse().ok().filter(|y| *y > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(source: RatingSource, value: &str) -> Rating {
        Rating::new(source, value)
    }

    #[test]
    fn scores_are_on_one_scale() {
        assert_eq!(score_of("8.7/10"), Some(87.0));
        assert_eq!(score_of("94%"), Some(94.0));
        assert_eq!(score_of(" 73/100 "), Some(73.0));
        assert_eq!(score_of("3.5/5"), Some(70.0));
        assert_eq!(score_of("0/10"), Some(0.0));
        for bad in [
            "", "N/A", "8.7", "11/10", "5/0", "-1/10", "abc%", "1e3/1e4", "inf%", "NaN/10", "/10",
            "8/", "%",
        ] {
            assert_eq!(score_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_and_years() {
        assert_eq!(iso_date("1979-05-25").as_deref(), Some("1979-05-25"));
        assert_eq!(
            iso_date("1979-05-25T00:00:00.000Z").as_deref(),
            Some("1979-05-25")
        );
        for bad in [
            "",
            "1979",
            "1979-5-25",
            "1979-13-01",
            "1979-00-10",
            "25 May 1979",
            "ééééééééééé",
        ] {
            assert_eq!(iso_date(bad), None, "{bad}");
        }
        assert_eq!(year_of("1999"), Some(1999));
        assert_eq!(year_of("2005–2007"), Some(2005));
        assert_eq!(year_of("1999-03-31"), Some(1999));
        assert_eq!(year_of("99"), None);
        assert_eq!(year_of("N/A"), None);
        assert_eq!(year_of("0000"), None);
        assert_eq!(year_of("é999"), None);
    }

    #[test]
    fn merge_fills_only_what_is_unknown() {
        let mut imdb = MovieDetails {
            imdb_id: "tt0078748".into(),
            title: Some("Alien".into()),
            year: Some(1979),
            cast: vec!["Sigourney Weaver".into(), "Tom Skerritt".into()],
            imdb_rating: Some(8.5),
            ratings: vec![rating(RatingSource::Imdb, "8.5/10")],
            trailer: Some(Trailer {
                site: "IMDb".into(),
                key: Some("vi1497801241".into()),
                url: Some("https://www.imdb.com/video/imdb/vi1497801241".into()),
                direct_video: false,
            }),
            ..MovieDetails::default()
        };
        let tmdb = MovieDetails {
            imdb_id: "tt0078748".into(),
            title: Some("Alien (TMDB)".into()),
            original_title: Some("Alien".into()),
            year: Some(1980),
            runtime_minutes: Some(117),
            genres: vec!["Horror".into(), "Science Fiction".into()],
            cast: vec!["Tom Skerritt".into(), "Sigourney Weaver".into()],
            backdrop_url: Some("https://image.tmdb.org/t/p/original/b.jpg".into()),
            ratings: vec![
                rating(RatingSource::Tmdb, "8.1/10"),
                rating(RatingSource::Imdb, "1.0/10"),
            ],
            trailer: Some(Trailer {
                site: "YouTube".into(),
                key: Some("LjLamj-b0I8".into()),
                ..Trailer::default()
            }),
            collection: Some(CollectionRef {
                tmdb_id: 8091,
                name: "Alien Collection".into(),
            }),
            ..MovieDetails::default()
        };
        imdb.merge(tmdb);
        assert_eq!(imdb.title.as_deref(), Some("Alien"));
        assert_eq!(imdb.original_title.as_deref(), Some("Alien"));
        assert_eq!(imdb.year, Some(1979));
        assert_eq!(imdb.runtime_minutes, Some(117));
        assert_eq!(imdb.genres, ["Horror", "Science Fiction"]);
        assert_eq!(imdb.cast, ["Sigourney Weaver", "Tom Skerritt"]);
        assert_eq!(
            imdb.backdrop_url.as_deref(),
            Some("https://image.tmdb.org/t/p/original/b.jpg")
        );
        assert_eq!(imdb.imdb_rating, Some(8.5));
        let sources: Vec<_> = imdb.ratings.iter().map(|r| (r.source, r.score)).collect();
        assert_eq!(
            sources,
            [
                (RatingSource::Imdb, Some(85.0)),
                (RatingSource::Tmdb, Some(81.0))
            ]
        );
        assert_eq!(imdb.trailer.as_ref().map(|t| t.site.as_str()), Some("IMDb"));
        assert_eq!(imdb.collection.map(|c| c.tmdb_id), Some(8091));
    }

    #[test]
    fn merge_into_empty_takes_everything() {
        let full = MovieDetails {
            imdb_id: "tt0133093".into(),
            title: Some("The Matrix".into()),
            directors: vec!["Lana Wachowski".into()],
            imdb_votes: Some(2_000_000),
            ..MovieDetails::default()
        };
        let mut empty = MovieDetails::default();
        empty.merge(full.clone());
        assert_eq!(empty, full);
        let mut same = full.clone();
        same.merge(MovieDetails::default());
        assert_eq!(same, full);
    }

    #[test]
    fn wire_form_is_camel_case_and_lists_may_be_missing() {
        let details = MovieDetails {
            imdb_id: "tt0133093".into(),
            runtime_minutes: Some(136),
            ratings: vec![rating(RatingSource::RottenTomatoes, "83%")],
            ..MovieDetails::default()
        };
        let json = serde_json::to_value(&details).unwrap();
        assert_eq!(json["imdbId"], "tt0133093");
        assert_eq!(json["runtimeMinutes"], 136);
        assert_eq!(json["ratings"][0]["source"], "rottenTomatoes");
        assert_eq!(json["ratings"][0]["score"], 83.0);
        let back: MovieDetails = serde_json::from_value(json).unwrap();
        assert_eq!(back, details);
        let minimal: MovieDetails = serde_json::from_str(r#"{"imdbId":"tt0133093"}"#).unwrap();
        assert_eq!(minimal.imdb_id, "tt0133093");
        assert!(minimal.cast.is_empty());
    }
}
