//! Finding movies of a library by what a user types in the search box: words of the title or
//! of the cast, each matched as a prefix, accents and case ignored, and a year.
//! "matr", "Matrix 1999", "keanu", "amelie" (for "Amélie") all find their movie.

use crate::identify::ranking::search_words;

/// What was typed, as words and a year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    words: Vec<String>,
    year: Option<i32>,
}

impl Query {
    /// `None` when nothing searchable was typed.
    pub fn parse(text: &str) -> Option<Query> {
        let words = search_words(text);
        // The last four-digit number that can be a release year is one; it may also be a
        // title word ("1917", "2001 a space odyssey"), which `score` allows for.
        let year = words.iter().rev().find_map(|w| {
            w.parse::<i32>()
                .ok()
                .filter(|y| w.len() == 4 && (1888..=2100).contains(y))
        });
        (!words.is_empty()).then_some(Query { words, year })
    }
}

/// What a movie can be found by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Findable {
    title: Vec<String>,
    cast: Vec<String>,
    year: Option<i32>,
}

impl Findable {
    /// From the titles (the shown and the original one), the cast's names and the year.
    pub fn new<'a>(
        titles: impl IntoIterator<Item = &'a str>,
        cast: &[String],
        year: Option<i32>,
    ) -> Findable {
        let mut title: Vec<String> = Vec::new();
        for t in titles {
            // "d'Amélie" folds to `damelie`; split at the apostrophe too, to find `amelie`.
            let split = t.replace(['\'', '\u{2019}'], " ");
            for w in search_words(t).into_iter().chain(search_words(&split)) {
                if !title.contains(&w) {
                    title.push(w);
                }
            }
        }
        Findable {
            title,
            cast: cast.iter().flat_map(|n| search_words(n)).collect(),
            year,
        }
    }

    /// How well the movie answers the query, higher is better; `None` when it does not.
    /// Every word must start a word of the title or of the cast (title words count more); the
    /// year word must be the movie's year or start a title word.
    pub fn score(&self, query: &Query) -> Option<u32> {
        let starts = |list: &[String], w: &str| list.iter().any(|t| t.starts_with(w));
        let year_word = query.year.map(|y| y.to_string());
        let mut score = 0;
        for w in &query.words {
            let is_year = year_word.as_deref() == Some(w.as_str());
            if starts(&self.title, w) || (is_year && self.year == query.year) {
                score += 2;
            } else if !is_year && starts(&self.cast, w) {
                score += 1;
            } else {
                return None;
            }
        }
        // The title starting with what was typed ranks first.
        if self
            .title
            .first()
            .is_some_and(|t| t.starts_with(&query.words[0]))
        {
            score += 1;
        }
        Some(score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movie(title: &str, cast: &[&str], year: i32) -> Findable {
        let cast: Vec<String> = cast.iter().map(|s| s.to_string()).collect();
        Findable::new([title], &cast, Some(year))
    }

    fn finds(query: &str, m: &Findable) -> bool {
        Query::parse(query).is_some_and(|q| m.score(&q).is_some())
    }

    #[test]
    fn prefixes_of_title_words_ignoring_case_and_accents() {
        let amelie = movie(
            "Le Fabuleux Destin d'Amélie Poulain",
            &["Audrey Tautou"],
            2001,
        );
        assert!(finds("amelie", &amelie));
        assert!(finds("AMÉL", &amelie));
        assert!(finds("fabuleux destin", &amelie));
        assert!(finds("le fab", &amelie));
        assert!(!finds("amelia", &amelie));
        let matrix = movie("The Matrix", &["Keanu Reeves", "Laurence Fishburne"], 1999);
        assert!(finds("matr", &matrix));
        assert!(finds("the matrix", &matrix));
        assert!(
            !finds("atrix", &matrix),
            "prefixes only, not the middle of a word"
        );
        assert_eq!(Query::parse("  ?! "), None);
    }

    #[test]
    fn cast_and_year() {
        let matrix = movie("The Matrix", &["Keanu Reeves"], 1999);
        assert!(finds("keanu", &matrix));
        assert!(finds("reeves matrix", &matrix));
        assert!(finds("matrix 1999", &matrix));
        assert!(!finds("matrix 2003", &matrix));
        assert!(
            finds("1999", &matrix),
            "a year alone finds the year's movies"
        );
        let war = movie("1917", &["George MacKay"], 2019);
        assert!(finds("1917", &war), "a year-like title");
        assert!(!finds("1918", &war));
        let odyssey = movie("2001: A Space Odyssey", &["Keir Dullea"], 1968);
        assert!(
            finds("2001 a space", &odyssey),
            "a title starting with a year-like number"
        );
        assert!(finds("space odyssey 1968", &odyssey));
        assert!(!finds("space odyssey 1969", &odyssey));
    }

    #[test]
    fn title_matches_rank_above_cast_matches() {
        let q = Query::parse("keanu").unwrap();
        let about = movie("Keanu", &["Keegan-Michael Key"], 2016);
        let starring = movie("John Wick", &["Keanu Reeves"], 2014);
        assert!(about.score(&q).unwrap() > starring.score(&q).unwrap());
    }
}
