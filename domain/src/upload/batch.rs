//! A batch of files chosen in the browser for upload, before and around the protocol: which
//! files are taken, which movie file a subtitle belongs to, and what is kept in the browser's
//! storage so that a reloaded page can continue the queue.

use crate::api::{FileDescription, PendingUpload};
use crate::languages::is_language_tag;
use crate::upload::{EndMode, extension};
use serde::{Deserialize, Serialize};

/// Video formats the uploader takes (what browsers and ffprobe handle well).
pub const VIDEO_EXTENSIONS: &[&str] = &["mp4", "m4v", "mkv", "webm", "mov", "avi"];

/// What the uploader does with a chosen file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intake {
    Video,
    Subtitle,
    /// Not uploaded; the reason is shown next to the file.
    Skipped(String),
}

pub fn intake(filename: &str, size: u64) -> Intake {
    let ext = extension(filename);
    if VIDEO_EXTENSIONS.contains(&ext.as_str()) {
        if size == 0 {
            return Intake::Skipped("The file is empty.".into());
        }
        Intake::Video
    } else if ext == "srt" {
        if size == 0 {
            return Intake::Skipped("The file is empty.".into());
        }
        Intake::Subtitle
    } else if ext.is_empty() {
        Intake::Skipped("Not a movie or subtitle file (it has no extension).".into())
    } else {
        Intake::Skipped(format!(
            "Not a movie or subtitle file: .{ext} files are not uploaded (videos: .{}; subtitles: .srt).",
            VIDEO_EXTENSIONS.join(", .")
        ))
    }
}

/// A file name without its extension and, for subtitles, without a trailing language tag:
/// `Heat.1995.en.srt` and `Heat.1995.mkv` both give `heat.1995`.
fn stem(filename: &str, drop_language: bool) -> String {
    let mut stem = filename.rsplit_once('.').map_or(filename, |(s, _)| s);
    if drop_language
        && let Some((rest, tag)) = stem.rsplit_once('.')
        && !rest.is_empty()
        && is_language_tag(tag)
    {
        stem = rest;
    }
    stem.to_lowercase()
}

/// The video a subtitle file goes with, among the batch's videos: the one with the same name
/// (apart from the extension and a language tag).
pub fn subtitle_owner(subtitle: &str, videos: &[&str]) -> Option<usize> {
    let wanted = stem(subtitle, true);
    videos.iter().position(|v| stem(v, false) == wanted)
}

/// One upload as kept in the browser's storage, so that a reloaded page knows which movie
/// each unfinished file was for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedUpload {
    pub library: i32,
    pub file: FileDescription,
    pub imdb_id: String,
    pub title: String,
    pub mode: EndMode,
}

impl SavedUpload {
    /// Whether a file picked again is this one (the browser cannot reopen files itself).
    pub fn is(&self, file: &FileDescription) -> bool {
        self.file == *file
    }
}

/// An unfinished upload to offer after a reload: the server's state, and the movie chosen
/// for it when this browser remembers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unfinished {
    pub pending: PendingUpload,
    pub saved: Option<SavedUpload>,
}

/// Joins the server's unfinished uploads of `library` with what this browser saved, newest
/// first. Saved entries the server no longer has (finished or swept) are left out.
pub fn unfinished(
    library: i32,
    pending: &[PendingUpload],
    saved: &[SavedUpload],
) -> Vec<Unfinished> {
    let mut list: Vec<Unfinished> = pending
        .iter()
        .filter(|p| p.library_id == library)
        .map(|p| {
            let file = FileDescription {
                filename: p.filename.clone(),
                size: p.size,
                last_modified: p.last_modified,
            };
            Unfinished {
                pending: p.clone(),
                saved: saved
                    .iter()
                    .find(|s| s.library == library && s.is(&file))
                    .cloned(),
            }
        })
        .collect();
    list.sort_by_key(|u| std::cmp::Reverse(u.pending.updated));
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn videos_and_srt_are_taken_the_rest_is_skipped_with_a_reason() {
        assert_eq!(intake("Heat.1995.1080p.MKV", 10), Intake::Video);
        assert_eq!(intake("clip.webm", 1), Intake::Video);
        assert_eq!(intake("Heat.1995.en.srt", 10), Intake::Subtitle);
        assert!(matches!(intake("notes.txt", 10), Intake::Skipped(r) if r.contains(".txt")));
        assert!(matches!(intake("README", 10), Intake::Skipped(r) if r.contains("no extension")));
        assert!(matches!(intake("Heat.mkv", 0), Intake::Skipped(r) if r.contains("empty")));
        assert!(matches!(intake("Heat.vob", 10), Intake::Skipped(_)));
    }

    #[test]
    fn a_subtitle_goes_with_the_video_of_the_same_name() {
        let videos = ["Heat.1995.1080p.mkv", "Alien.1979.mp4"];
        assert_eq!(subtitle_owner("Alien.1979.srt", &videos), Some(1));
        assert_eq!(subtitle_owner("alien.1979.en.srt", &videos), Some(1));
        assert_eq!(
            subtitle_owner("Heat.1995.1080p.pt-BR.srt", &videos),
            Some(0)
        );
        assert_eq!(
            subtitle_owner("Heat.1995.srt", &videos),
            None,
            "not the same name"
        );
        assert_eq!(subtitle_owner("Alien.1979.srt", &[]), None);
        // A title ending in a word that looks like a language is still a title.
        assert_eq!(subtitle_owner("It.srt", &["It.mkv"]), Some(0));
    }

    fn pending(filename: &str, library: i32, updated: i64) -> PendingUpload {
        PendingUpload {
            upload_id: format!("{filename:0>32}"),
            library_id: library,
            filename: filename.into(),
            size: 100,
            last_modified: 5,
            offset: 40,
            chunk_nr: 1,
            updated,
        }
    }

    #[test]
    fn unfinished_uploads_are_joined_with_the_saved_queue() {
        let saved = vec![SavedUpload {
            library: 1,
            file: FileDescription {
                filename: "a.mkv".into(),
                size: 100,
                last_modified: 5,
            },
            imdb_id: "tt0113277".into(),
            title: "Heat".into(),
            mode: EndMode::Version,
        }];
        let server = [
            pending("a.mkv", 1, 10),
            pending("b.mkv", 1, 20),
            pending("c.mkv", 2, 30),
        ];
        let list = unfinished(1, &server, &saved);
        let names: Vec<_> = list.iter().map(|u| u.pending.filename.as_str()).collect();
        assert_eq!(names, ["b.mkv", "a.mkv"], "this library only, newest first");
        assert_eq!(
            list[0].saved, None,
            "nothing saved: the user picks the movie again"
        );
        assert_eq!(
            list[1].saved.as_ref().map(|s| s.imdb_id.as_str()),
            Some("tt0113277")
        );
        // The same name with another size is another file.
        let mut other = server[0].clone();
        other.size = 101;
        assert_eq!(unfinished(1, &[other], &saved)[0].saved, None);
    }
}
