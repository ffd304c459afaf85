//! The queue as kept in the browser's `localStorage`, so that a reload or a restarted browser
//! still knows which movie each unfinished file was for (the files themselves must be picked
//! again: browsers do not let a page reopen them).

use domain::upload::batch::SavedUpload;

const KEY: &str = "ott.uploads";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn load() -> Vec<SavedUpload> {
    storage()
        .and_then(|s| s.get_item(KEY).ok()?)
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

fn save_all(list: &[SavedUpload]) {
    if let (Some(s), Ok(text)) = (storage(), serde_json::to_string(list)) {
        let _ = s.set_item(KEY, &text);
    }
}

/// Remembers an upload (replacing an earlier entry for the same file and library).
pub fn remember(entry: SavedUpload) {
    let mut list = load();
    list.retain(|s| !(s.library == entry.library && s.file == entry.file));
    list.push(entry);
    save_all(&list);
}

/// Forgets a finished or cancelled upload.
pub fn forget(library: i32, file: &domain::api::FileDescription) {
    let mut list = load();
    let before = list.len();
    list.retain(|s| !(s.library == library && s.file == *file));
    if list.len() != before {
        save_all(&list);
    }
}
