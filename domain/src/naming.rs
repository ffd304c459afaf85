//! Names that must not clash with ones already taken: a library's folder, a resolution folder
//! of a movie, a stored file. The first choice as it is, then `-2`, `-3`... after its stem.

/// `name` with `-n` after its stem (before the first dot), for the n-th of the same name:
/// `subtitle.en.srt` → `subtitle-2.en.srt`, `1080p` → `1080p-2`. The first keeps the name.
pub fn numbered(name: &str, n: u32) -> String {
    if n <= 1 {
        return name.to_owned();
    }
    match name.split_once('.') {
        Some((stem, rest)) => format!("{stem}-{n}.{rest}"),
        None => format!("{name}-{n}"),
    }
}

/// The first of `name`, `name-2`, `name-3`... that `is_taken` does not claim.
pub fn first_free(name: &str, is_taken: impl Fn(&str) -> bool) -> String {
    (1..)
        .map(|n| numbered(name, n))
        .find(|candidate| !is_taken(candidate))
        .expect("an unbounded range always yields a free name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_numbered_after_their_stem() {
        assert_eq!(numbered("subtitle.en.srt", 1), "subtitle.en.srt");
        assert_eq!(numbered("subtitle.en.srt", 2), "subtitle-2.en.srt");
        assert_eq!(numbered("1080p", 3), "1080p-3");
    }

    #[test]
    fn the_first_free_name_is_taken() {
        assert_eq!(first_free("1080p", |_| false), "1080p");
        let taken = ["1080p", "1080p-2"];
        assert_eq!(first_free("1080p", |c| taken.contains(&c)), "1080p-3");
        let taken = ["subtitle.en.srt"];
        assert_eq!(
            first_free("subtitle.en.srt", |c| taken.contains(&c)),
            "subtitle-2.en.srt"
        );
    }
}
