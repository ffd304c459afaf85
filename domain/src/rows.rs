//! The rows of the home page, in the order they are shown, and how a row is named in URLs
//! (`genre:12`, `decade:1990`). Plain Rust; the queries behind each row are the server's.

use std::fmt;

/// One row of the home page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RowId {
    /// Movies the user stopped part-way, last watched first.
    ContinueWatching,
    /// Newest files in the library first.
    RecentlyAdded,
    /// A category the library's owner or managers made (`domain::categories`).
    Category(i32),
    /// A franchise, in release order.
    Collection(i32),
    /// Best IMDb rating first.
    TopRated,
    Genre(i32),
    /// Movies of the ten years from this one (1990 → 1990–1999).
    Decade(i32),
    /// Movies the user has not watched to the end.
    Unwatched,
}

impl RowId {
    /// Where a kind of row comes on the page: lower first.
    pub fn rank(self) -> u8 {
        match self {
            RowId::ContinueWatching => 0,
            RowId::RecentlyAdded => 1,
            RowId::Category(_) => 2,
            RowId::Collection(_) => 3,
            RowId::TopRated => 4,
            RowId::Genre(_) => 5,
            RowId::Decade(_) => 6,
            RowId::Unwatched => 7,
        }
    }

    pub fn parse(text: &str) -> Option<RowId> {
        let number = |s: &str| s.parse::<i32>().ok().filter(|n| *n >= 0);
        Some(match text.split_once(':') {
            None => match text {
                "continue" => RowId::ContinueWatching,
                "recent" => RowId::RecentlyAdded,
                "top" => RowId::TopRated,
                "unwatched" => RowId::Unwatched,
                _ => return None,
            },
            Some(("category", id)) => RowId::Category(number(id)?),
            Some(("collection", id)) => RowId::Collection(number(id)?),
            Some(("genre", id)) => RowId::Genre(number(id)?),
            Some(("decade", year)) => RowId::Decade(number(year).filter(|y| y % 10 == 0)?),
            Some(_) => return None,
        })
    }
}

impl fmt::Display for RowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowId::ContinueWatching => f.write_str("continue"),
            RowId::RecentlyAdded => f.write_str("recent"),
            RowId::Category(id) => write!(f, "category:{id}"),
            RowId::Collection(id) => write!(f, "collection:{id}"),
            RowId::TopRated => f.write_str("top"),
            RowId::Genre(id) => write!(f, "genre:{id}"),
            RowId::Decade(year) => write!(f, "decade:{year}"),
            RowId::Unwatched => f.write_str("unwatched"),
        }
    }
}

/// The decade a year falls in: 1994 → 1990.
pub fn decade(year: i32) -> i32 {
    year.div_euclid(10) * 10
}

/// A decade's title: 1990 → "The 1990s".
pub fn decade_title(start: i32) -> String {
    format!("The {start}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_ids_round_trip_and_bad_ones_are_refused() {
        for row in [
            RowId::ContinueWatching,
            RowId::RecentlyAdded,
            RowId::Category(4),
            RowId::Collection(7),
            RowId::TopRated,
            RowId::Genre(3),
            RowId::Decade(1990),
            RowId::Unwatched,
        ] {
            assert_eq!(RowId::parse(&row.to_string()), Some(row));
        }
        for bad in [
            "",
            "genre",
            "genre:",
            "genre:x",
            "genre:-1",
            "decade:1995",
            "films",
            "collection:1:2",
        ] {
            assert_eq!(RowId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn decades() {
        assert_eq!(decade(1994), 1990);
        assert_eq!(decade(2000), 2000);
        assert_eq!(decade_title(1960), "The 1960s");
    }

    #[test]
    fn rows_come_in_page_order() {
        let mut rows = vec![
            RowId::Unwatched,
            RowId::Genre(1),
            RowId::ContinueWatching,
            RowId::Collection(2),
            RowId::Category(9),
        ];
        rows.sort_by_key(|r| r.rank());
        assert_eq!(
            rows,
            [
                RowId::ContinueWatching,
                RowId::Category(9),
                RowId::Collection(2),
                RowId::Genre(1),
                RowId::Unwatched
            ]
        );
    }
}
