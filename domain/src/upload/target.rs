//! Where an upload into a bucket is written. S3 cannot rename an object, so an upload whose
//! parts went to a temporary object costs a copy of the whole file at `end`. When the client
//! names the movie at `init`, the first chunk (which shows the frame size) lets the server aim
//! the parts at the file's place in the library instead; `end` keeps that place when it is
//! the one it would have chosen, and copies only when it is not (another movie was named at
//! `end`, or the whole file shows another frame size than its beginning did).

use crate::naming::numbered;

/// A video's place in a library: `<imdb id>/<folder>/<name>`.
pub fn key(imdb_id: &str, folder: &str, name: &str) -> String {
    format!("{imdb_id}/{folder}/{name}")
}

/// The folder and name of `key` if it is a place `end` could have chosen for a video of
/// `imdb_id` with frame size `label`: in the movie's folder, in `label` or one of its
/// numbered siblings (`1080p-2`), named `name` (or numbered after it).
pub fn fits(key: &str, imdb_id: &str, label: &str, name: &str) -> Option<(String, String)> {
    let mut parts = key.split('/');
    let (movie, folder, file) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || movie != imdb_id {
        return None;
    }
    (is_numbered(folder, label) && is_numbered(file, name))
        .then(|| (folder.to_owned(), file.to_owned()))
}

/// Whether `candidate` is `name` or one of its numbered versions (`name-2`, ...; see
/// `naming::numbered`).
fn is_numbered(candidate: &str, name: &str) -> bool {
    if candidate == name {
        return true;
    }
    let (stem, rest) = match name.split_once('.') {
        Some((stem, rest)) => (stem, Some(rest)),
        None => (name, None),
    };
    let Some(after) = candidate
        .strip_prefix(stem)
        .and_then(|c| c.strip_prefix('-'))
    else {
        return false;
    };
    let number = match rest {
        Some(rest) => after.strip_suffix(rest).and_then(|a| a.strip_suffix('.')),
        None => Some(after),
    };
    number.is_some_and(|n| {
        !n.starts_with('0')
            && n.bytes().all(|b| b.is_ascii_digit())
            && n.parse::<u32>()
                .is_ok_and(|n| n >= 2 && numbered(name, n) == candidate)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_the_movie_the_folder_and_the_name() {
        assert_eq!(
            key("tt0133093", "1080p", "movie.mkv"),
            "tt0133093/1080p/movie.mkv"
        );
    }

    #[test]
    fn the_place_fits_the_same_movie_and_frame_size() {
        let fit = |k| fits(k, "tt0133093", "1080p", "movie.mkv");
        assert_eq!(
            fit("tt0133093/1080p/movie.mkv"),
            Some(("1080p".into(), "movie.mkv".into()))
        );
        assert_eq!(
            fit("tt0133093/1080p-3/movie.mkv"),
            Some(("1080p-3".into(), "movie.mkv".into()))
        );
        assert_eq!(
            fit("tt0133093/1080p/movie-2.mkv"),
            Some(("1080p".into(), "movie-2.mkv".into()))
        );
    }

    #[test]
    fn another_movie_size_or_name_does_not_fit() {
        let fit = |k| fits(k, "tt0133093", "1080p", "movie.mkv");
        assert_eq!(fit("tt0234215/1080p/movie.mkv"), None);
        assert_eq!(fit("tt0133093/720p/movie.mkv"), None);
        assert_eq!(fit("tt0133093/1080px/movie.mkv"), None);
        assert_eq!(fit("tt0133093/1080p-/movie.mkv"), None);
        assert_eq!(fit("tt0133093/1080p-1/movie.mkv"), None);
        assert_eq!(fit("tt0133093/1080p-+2/movie.mkv"), None);
        assert_eq!(fit("tt0133093/1080p/movie-02.mkv"), None);
        assert_eq!(fit("tt0133093/1080p/movie.mp4"), None);
        assert_eq!(fit(".ott-uploads/abc/upload.mkv"), None);
        assert_eq!(fit("tt0133093/1080p/movie.mkv/extra"), None);
        assert_eq!(fit("tt0133093/1080p"), None);
    }
}
