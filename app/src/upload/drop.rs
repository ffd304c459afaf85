//! Files and whole folders dropped on the page. A dropped folder arrives as a directory entry
//! whose files must be read through the (callback-based) entries API; each file keeps the name
//! of the folder it was in, which helps the guess when the file's own name says little.

use super::Picked;
use js_sys::{Array, Function, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry};

/// Folders deeper than this are not followed (a link loop, or a whole disk dropped).
const MAX_DEPTH: usize = 8;

/// The dropped entries. They must be taken during the drop event: the browser empties the
/// transfer afterwards.
pub fn entries(transfer: &web_sys::DataTransfer) -> Vec<FileSystemEntry> {
    let items = transfer.items();
    (0..items.length())
        .filter_map(|i| items.get(i))
        .filter(|item| item.kind() == "file")
        .filter_map(|item| item.webkit_get_as_entry().ok().flatten())
        .collect()
}

/// Calls a callback-style API and waits for its success callback's argument.
async fn callback(call: impl FnOnce(&Function, &Function)) -> Result<JsValue, JsValue> {
    let mut call = Some(call);
    let promise = Promise::new(&mut |resolve, reject| {
        if let Some(call) = call.take() {
            call(&resolve, &reject);
        }
    });
    JsFuture::from(promise).await
}

/// Every file under the dropped entries, folders walked depth first.
pub async fn files(entries: Vec<FileSystemEntry>) -> Vec<Picked> {
    let mut found = Vec::new();
    let mut stack: Vec<(FileSystemEntry, Option<String>, usize)> =
        entries.into_iter().rev().map(|e| (e, None, 0)).collect();
    while let Some((entry, folder, depth)) = stack.pop() {
        if entry.is_file() {
            let entry: FileSystemFileEntry = entry.unchecked_into();
            let file = callback(|ok, err| entry.file_with_callback_and_callback(ok, err)).await;
            if let Ok(file) = file.and_then(|f| f.dyn_into::<web_sys::File>()) {
                found.push(Picked { file, folder });
            }
        } else if entry.is_directory() && depth < MAX_DEPTH {
            let name = entry.name();
            let reader = entry
                .unchecked_into::<FileSystemDirectoryEntry>()
                .create_reader();
            // readEntries answers in batches (100 in Chromium) until an empty one.
            let mut children = Vec::new();
            loop {
                let batch = callback(|ok, err| {
                    let _ = reader.read_entries_with_callback_and_callback(ok, err);
                })
                .await
                .map(|b| Array::from(&b))
                .unwrap_or_default();
                if batch.length() == 0 {
                    break;
                }
                children.extend(
                    batch
                        .iter()
                        .filter_map(|e| e.dyn_into::<FileSystemEntry>().ok()),
                );
            }
            stack.extend(
                children
                    .into_iter()
                    .rev()
                    .map(|child| (child, Some(name.clone()), depth + 1)),
            );
        }
    }
    found
}
