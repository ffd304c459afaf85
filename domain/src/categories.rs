//! Categories that a library's owner or managers make: home-page rows with a name, an
//! optional icon, and movies either picked by hand or chosen by a rule (genres, years, a
//! minimum rating). The rules are checked and matched here; the server stores the rule as
//! JSON and the hand-picked movies as rows.

use serde::{Deserialize, Serialize};
use std::fmt;

pub const NAME_MAX_CHARS: usize = 60;
/// An icon is an emoji or a few letters: 32 bytes hold the longest emoji sequences in use
/// (a family of four is 25).
pub const ICON_MAX_BYTES: usize = 32;
pub const GENRES_MAX: usize = 30;
/// Hand-picked movies per category.
pub const MOVIES_MAX: usize = 1000;
const YEARS: std::ops::RangeInclusive<i32> = 1870..=2200;

/// Which movies a rule-based category shows: all criteria that are set must hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CategoryRule {
    /// Any of these genres, by name (case is ignored); empty: any genre.
    #[serde(default)]
    pub genres: Vec<String>,
    /// Released in this year or later.
    #[serde(default)]
    pub year_from: Option<i32>,
    /// Released in this year or earlier.
    #[serde(default)]
    pub year_to: Option<i32>,
    /// IMDb rating of at least this (0–10).
    #[serde(default)]
    pub min_rating: Option<f64>,
}

/// What a category is made of, as a client sends it (create and replace).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CategoryInput {
    pub name: String,
    /// An emoji or a few letters shown before the name; empty or absent: none.
    #[serde(default)]
    pub icon: Option<String>,
    /// Given: the category shows the movies that match. Absent: movies are picked by hand.
    #[serde(default)]
    pub rule: Option<CategoryRule>,
    /// The hand-picked movies in row order (IMDb ids). Absent when replacing: unchanged.
    #[serde(default)]
    pub movies: Option<Vec<String>>,
}

/// A category as the API shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CategoryInfo {
    pub id: i32,
    pub library_id: i32,
    pub name: String,
    pub icon: Option<String>,
    pub rule: Option<CategoryRule>,
    /// Hand-picked movies in row order (IMDb ids); empty for a rule.
    pub movies: Vec<String>,
    /// How many movies the row shows now.
    pub count: u32,
    /// The home-page row (`category:ID`).
    pub row: String,
}

/// What the categories page shows for a library.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoriesOverview {
    pub library_id: i32,
    pub library_name: String,
    pub categories: Vec<CategoryInfo>,
    /// The genres the library's movies have, by name: what a rule can choose from.
    pub genres: Vec<String>,
    /// Whether the caller may make and change categories (owner and managers).
    pub can_manage: bool,
}

/// A hand-picked category as a movie page lists it for managers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MovieCategory {
    pub id: i32,
    pub title: String,
    /// Whether the movie is in it.
    pub included: bool,
}

/// A category input that passed the rules, trimmed and normalised.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedCategory {
    pub name: String,
    pub icon: Option<String>,
    pub rule: Option<CategoryRule>,
    pub movies: Option<Vec<String>>,
}

/// Why a category was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum CategoryRuleError {
    NameEmpty,
    NameTooLong,
    InvalidIcon,
    EmptyRule,
    InvalidYear(i32),
    YearsReversed(i32, i32),
    InvalidRating(f64),
    InvalidGenre(String),
    TooManyGenres,
    RuleAndMovies,
    TooManyMovies,
    InvalidImdbId(String),
}

impl CategoryRuleError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NameEmpty | Self::NameTooLong => "invalid_category_name",
            Self::InvalidIcon => "invalid_icon",
            Self::EmptyRule => "empty_rule",
            Self::InvalidYear(_) | Self::YearsReversed(..) => "invalid_years",
            Self::InvalidRating(_) => "invalid_rating",
            Self::InvalidGenre(_) | Self::TooManyGenres => "invalid_genre",
            Self::RuleAndMovies => "rule_and_movies",
            Self::TooManyMovies => "too_many_movies",
            Self::InvalidImdbId(_) => "invalid_imdb_id",
        }
    }
}

impl fmt::Display for CategoryRuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NameEmpty => f.write_str("Give the category a name."),
            Self::NameTooLong => write!(
                f,
                "A category name can be at most {NAME_MAX_CHARS} characters."
            ),
            Self::InvalidIcon => write!(
                f,
                "The icon must be an emoji or a few letters ({ICON_MAX_BYTES} bytes at most, no spaces)."
            ),
            Self::EmptyRule => f.write_str(
                "A rule needs at least one criterion: a genre, a year or a minimum rating.",
            ),
            Self::InvalidYear(y) => write!(
                f,
                "{y} is not a year a movie can be from ({} to {}).",
                YEARS.start(),
                YEARS.end()
            ),
            Self::YearsReversed(from, to) => {
                write!(f, "The years run backwards: from {from} to {to}.")
            }
            Self::InvalidRating(r) => write!(f, "{r} is not a rating; use 0 to 10."),
            Self::InvalidGenre(g) => write!(f, "“{g}” is not a genre name."),
            Self::TooManyGenres => write!(f, "A rule can name at most {GENRES_MAX} genres."),
            Self::RuleAndMovies => f.write_str(
                "A category either follows a rule or lists movies picked by hand, not both.",
            ),
            Self::TooManyMovies => write!(
                f,
                "A category can hold at most {MOVIES_MAX} hand-picked movies."
            ),
            Self::InvalidImdbId(id) => {
                write!(f, "“{id}” is not an IMDb id (tt followed by digits).")
            }
        }
    }
}

impl std::error::Error for CategoryRuleError {}

impl CategoryInput {
    /// Checks every field; the first problem found is the answer.
    pub fn check(&self) -> Result<CheckedCategory, CategoryRuleError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(CategoryRuleError::NameEmpty);
        }
        if name.chars().count() > NAME_MAX_CHARS {
            return Err(CategoryRuleError::NameTooLong);
        }
        let icon = match self.icon.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(icon)
                if icon.len() > ICON_MAX_BYTES
                    || icon.chars().any(|c| c.is_whitespace() || c.is_control()) =>
            {
                return Err(CategoryRuleError::InvalidIcon);
            }
            Some(icon) => Some(icon.to_owned()),
        };
        if self.rule.is_some() && self.movies.as_ref().is_some_and(|m| !m.is_empty()) {
            return Err(CategoryRuleError::RuleAndMovies);
        }
        let rule = self.rule.as_ref().map(CategoryRule::checked).transpose()?;
        let movies = match &self.movies {
            Some(_) if rule.is_some() => None,
            Some(ids) => Some(checked_movies(ids)?),
            None => None,
        };
        Ok(CheckedCategory {
            name: name.to_owned(),
            icon,
            rule,
            movies,
        })
    }
}

/// IMDb ids, checked, with repeats removed (the first place wins).
fn checked_movies(ids: &[String]) -> Result<Vec<String>, CategoryRuleError> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let id = id.trim();
        if crate::imdb::ImdbId::parse(id).is_err() {
            return Err(CategoryRuleError::InvalidImdbId(id.to_owned()));
        }
        if !out.iter().any(|o| o == id) {
            out.push(id.to_owned());
        }
    }
    if out.len() > MOVIES_MAX {
        return Err(CategoryRuleError::TooManyMovies);
    }
    Ok(out)
}

impl CategoryRule {
    /// The rule trimmed and checked: genre names trimmed and without repeats.
    pub fn checked(&self) -> Result<CategoryRule, CategoryRuleError> {
        let mut genres: Vec<String> = Vec::new();
        for g in &self.genres {
            let g = g.trim();
            if g.is_empty() || g.chars().count() > 40 || g.chars().any(char::is_control) {
                return Err(CategoryRuleError::InvalidGenre(g.to_owned()));
            }
            if !genres.iter().any(|o| o.eq_ignore_ascii_case(g)) {
                genres.push(g.to_owned());
            }
        }
        if genres.len() > GENRES_MAX {
            return Err(CategoryRuleError::TooManyGenres);
        }
        for year in [self.year_from, self.year_to].into_iter().flatten() {
            if !YEARS.contains(&year) {
                return Err(CategoryRuleError::InvalidYear(year));
            }
        }
        if let (Some(from), Some(to)) = (self.year_from, self.year_to)
            && from > to
        {
            return Err(CategoryRuleError::YearsReversed(from, to));
        }
        if let Some(r) = self.min_rating
            && !(0.0..=10.0).contains(&r)
        {
            return Err(CategoryRuleError::InvalidRating(r));
        }
        let rule = CategoryRule {
            genres,
            ..self.clone()
        };
        if rule.genres.is_empty()
            && rule.year_from.is_none()
            && rule.year_to.is_none()
            && rule.min_rating.is_none()
        {
            return Err(CategoryRuleError::EmptyRule);
        }
        Ok(rule)
    }

    /// Whether a movie with this year, rating and genres belongs. A criterion on a value the
    /// movie does not have (no year, no rating) leaves it out.
    pub fn matches<'a>(
        &self,
        year: Option<i32>,
        rating: Option<f64>,
        mut genres: impl Iterator<Item = &'a str>,
    ) -> bool {
        let year_ok = |bound: Option<i32>, ok: fn(i32, i32) -> bool| {
            bound.is_none_or(|b| year.is_some_and(|y| ok(y, b)))
        };
        year_ok(self.year_from, |y, b| y >= b)
            && year_ok(self.year_to, |y, b| y <= b)
            && self
                .min_rating
                .is_none_or(|min| rating.is_some_and(|r| r >= min))
            && (self.genres.is_empty()
                || genres.any(|g| self.genres.iter().any(|w| w.eq_ignore_ascii_case(g))))
    }

    /// A short human description: "Action or Comedy · 1980–1989 · rated 7 or more".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.genres.is_empty() {
            parts.push(self.genres.join(" or "));
        }
        match (self.year_from, self.year_to) {
            (Some(f), Some(t)) if f == t => parts.push(format!("from {f}")),
            (Some(f), Some(t)) => parts.push(format!("{f}–{t}")),
            (Some(f), None) => parts.push(format!("{f} or later")),
            (None, Some(t)) => parts.push(format!("{t} or earlier")),
            (None, None) => {}
        }
        if let Some(r) = self.min_rating {
            parts.push(format!("rated {r} or more"));
        }
        parts.join(" · ")
    }
}

/// A new order for a library's categories: their ids, first row first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryOrder {
    /// Every category of the library, each once.
    pub ids: Vec<i32>,
}

/// Why a new order of categories was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderError {
    /// An id named twice, or one of the library's categories left out.
    NotAPermutation,
    /// An id that is not one of the library's categories.
    Unknown(i32),
}

impl OrderError {
    pub fn code(&self) -> &'static str {
        "invalid_order"
    }

    pub fn message(&self) -> String {
        match self {
            OrderError::NotAPermutation => {
                "List every category of the library exactly once, in the new order.".to_owned()
            }
            OrderError::Unknown(id) => format!("The library has no category {id}."),
        }
    }
}

/// Checks that `wanted` names each of `current` (the library's categories) exactly once.
pub fn check_order(current: &[i32], wanted: &[i32]) -> Result<(), OrderError> {
    if let Some(&stranger) = wanted.iter().find(|id| !current.contains(id)) {
        return Err(OrderError::Unknown(stranger));
    }
    let mut a = current.to_vec();
    let mut b = wanted.to_vec();
    a.sort_unstable();
    b.sort_unstable();
    if a != b {
        return Err(OrderError::NotAPermutation);
    }
    Ok(())
}

/// `order` with `id` moved `by` places (negative: towards the top), stopping at either end;
/// `None` when `id` is not in it.
pub fn moved(order: &[i32], id: i32, by: i32) -> Option<Vec<i32>> {
    let from = order.iter().position(|&x| x == id)?;
    let to = (from as i64 + i64::from(by)).clamp(0, order.len() as i64 - 1) as usize;
    let mut out = order.to_vec();
    let item = out.remove(from);
    out.insert(to, item);
    Some(out)
}

/// The row title of a category: the icon, then the name.
pub fn row_title(name: &str, icon: Option<&str>) -> String {
    match icon {
        Some(icon) => format!("{icon} {name}"),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_must_name_every_category_once() {
        assert_eq!(check_order(&[1, 2, 3], &[3, 1, 2]), Ok(()));
        assert_eq!(check_order(&[], &[]), Ok(()));
        assert_eq!(
            check_order(&[1, 2, 3], &[1, 2]),
            Err(OrderError::NotAPermutation)
        );
        assert_eq!(
            check_order(&[1, 2, 3], &[1, 2, 2, 3]),
            Err(OrderError::NotAPermutation)
        );
        assert_eq!(
            check_order(&[1, 2], &[1, 1]),
            Err(OrderError::NotAPermutation)
        );
        assert_eq!(
            check_order(&[1, 2, 3], &[1, 2, 9]),
            Err(OrderError::Unknown(9))
        );
        assert!(OrderError::Unknown(9).message().contains('9'));
    }

    #[test]
    fn moving_stops_at_the_ends() {
        let order = [10, 20, 30, 40];
        assert_eq!(moved(&order, 30, -1), Some(vec![10, 30, 20, 40]));
        assert_eq!(moved(&order, 20, 1), Some(vec![10, 30, 20, 40]));
        assert_eq!(moved(&order, 10, -1), Some(order.to_vec()));
        assert_eq!(moved(&order, 40, 5), Some(order.to_vec()));
        assert_eq!(moved(&order, 40, -100), Some(vec![40, 10, 20, 30]));
        assert_eq!(moved(&order, 99, 1), None);
        assert_eq!(moved(&[], 1, 1), None);
        assert_eq!(moved(&[7], 7, i32::MIN), Some(vec![7]));
    }

    fn input(name: &str) -> CategoryInput {
        CategoryInput {
            name: name.into(),
            ..Default::default()
        }
    }

    fn rule() -> CategoryRule {
        CategoryRule::default()
    }

    #[test]
    fn names_and_icons_are_trimmed_and_checked() {
        let c = CategoryInput {
            icon: Some(" 🎃 ".into()),
            ..input("  Halloween ")
        }
        .check()
        .unwrap();
        assert_eq!(
            (c.name.as_str(), c.icon.as_deref()),
            ("Halloween", Some("🎃"))
        );
        assert_eq!(c.rule, None);
        let empty_icon = CategoryInput {
            icon: Some("  ".into()),
            ..input("x")
        };
        assert_eq!(empty_icon.check().unwrap().icon, None);
        assert_eq!(input("   ").check(), Err(CategoryRuleError::NameEmpty));
        assert_eq!(
            input(&"é".repeat(61)).check(),
            Err(CategoryRuleError::NameTooLong)
        );
        assert!(input(&"é".repeat(60)).check().is_ok());
        // A family emoji (ZWJ sequence) fits; a sentence does not.
        for (icon, ok) in [
            ("👨‍👩‍👧", true),
            ("a b", false),
            ("this-is-a-sentence-not-an-icon-at-all", false),
        ] {
            let c = CategoryInput {
                icon: Some(icon.into()),
                ..input("x")
            };
            assert_eq!(c.check().is_ok(), ok, "{icon}");
        }
    }

    #[test]
    fn rules_need_a_sensible_criterion() {
        let bad = |r: CategoryRule| r.checked().unwrap_err();
        assert_eq!(bad(rule()), CategoryRuleError::EmptyRule);
        assert_eq!(
            bad(CategoryRule {
                genres: vec![" ".into()],
                ..rule()
            })
            .code(),
            "invalid_genre"
        );
        assert_eq!(
            bad(CategoryRule {
                year_from: Some(1999),
                year_to: Some(1990),
                ..rule()
            }),
            CategoryRuleError::YearsReversed(1999, 1990)
        );
        assert_eq!(
            bad(CategoryRule {
                year_to: Some(99),
                ..rule()
            }),
            CategoryRuleError::InvalidYear(99)
        );
        for r in [-0.5, 10.5, f64::NAN] {
            assert_eq!(
                bad(CategoryRule {
                    min_rating: Some(r),
                    ..rule()
                })
                .code(),
                "invalid_rating"
            );
        }
        let many = CategoryRule {
            genres: (0..31).map(|i| format!("g{i}")).collect(),
            ..rule()
        };
        assert_eq!(bad(many), CategoryRuleError::TooManyGenres);
        let ok = CategoryRule {
            genres: vec![" Action ".into(), "action".into(), "Comedy".into()],
            ..rule()
        }
        .checked()
        .unwrap();
        assert_eq!(ok.genres, ["Action", "Comedy"]);
    }

    #[test]
    fn a_category_is_a_rule_or_hand_picked_movies() {
        let both = CategoryInput {
            rule: Some(CategoryRule {
                min_rating: Some(8.0),
                ..rule()
            }),
            movies: Some(vec!["tt0133093".into()]),
            ..input("x")
        };
        assert_eq!(both.check(), Err(CategoryRuleError::RuleAndMovies));
        let picked = CategoryInput {
            movies: Some(vec![
                "tt0133093".into(),
                " tt0078748".into(),
                "tt0133093".into(),
            ]),
            ..input("x")
        };
        assert_eq!(
            picked.check().unwrap().movies.unwrap(),
            ["tt0133093", "tt0078748"]
        );
        let bad_id = CategoryInput {
            movies: Some(vec!["matrix".into()]),
            ..input("x")
        };
        assert_eq!(bad_id.check().unwrap_err().code(), "invalid_imdb_id");
        let too_many = CategoryInput {
            movies: Some((0..1001).map(|i| format!("tt{:07}", i)).collect()),
            ..input("x")
        };
        assert_eq!(too_many.check(), Err(CategoryRuleError::TooManyMovies));
    }

    #[test]
    fn rules_match_on_every_criterion_that_is_set() {
        let eighties_action = CategoryRule {
            genres: vec!["action".into(), "Comedy".into()],
            year_from: Some(1980),
            year_to: Some(1989),
            min_rating: Some(7.0),
        };
        let m = |y, r, g: &[&'static str]| eighties_action.matches(y, r, g.iter().copied());
        assert!(m(Some(1988), Some(8.2), &["Action", "Thriller"]));
        assert!(
            m(Some(1980), Some(7.0), &["Comedy"]),
            "bounds are inclusive"
        );
        assert!(!m(Some(1990), Some(8.2), &["Action"]), "too late");
        assert!(!m(Some(1988), Some(6.9), &["Action"]), "rated too low");
        assert!(!m(Some(1988), None, &["Action"]), "no rating");
        assert!(!m(None, Some(9.0), &["Action"]), "no year");
        assert!(!m(Some(1988), Some(9.0), &["Drama"]), "other genre");
        let any_genre = CategoryRule {
            year_from: Some(2000),
            ..rule()
        };
        assert!(any_genre.matches(Some(2001), None, std::iter::empty()));
    }

    #[test]
    fn rules_describe_themselves() {
        let r = CategoryRule {
            genres: vec!["Action".into(), "Comedy".into()],
            year_from: Some(1980),
            year_to: Some(1989),
            min_rating: Some(7.5),
        };
        assert_eq!(
            r.describe(),
            "Action or Comedy · 1980–1989 · rated 7.5 or more"
        );
        let later = CategoryRule {
            year_from: Some(2010),
            ..rule()
        };
        assert_eq!(later.describe(), "2010 or later");
        assert_eq!(row_title("Halloween", Some("🎃")), "🎃 Halloween");
        assert_eq!(row_title("Oscars", None), "Oscars");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_str::<CategoryInput>(r#"{"name":"x","colour":"red"}"#);
        assert!(err.is_err());
        let ok: CategoryInput =
            serde_json::from_str(r#"{"name":"x","rule":{"genres":["Drama"],"minRating":8}}"#)
                .unwrap();
        assert_eq!(ok.rule.unwrap().min_rating, Some(8.0));
    }
}
