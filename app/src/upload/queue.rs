//! The upload queue in the browser: several files at once, each driven through the protocol by
//! [`domain::upload::client::Driver`], with pause, resume and cancel, speed and ETA. The queue's
//! state lives in signals for the page; the `File` handles (which cannot live in signals) stay
//! in a table of this module.

use super::{http, store};
use domain::api::FileDescription;
use domain::upload::EndMode;
use domain::upload::batch::SavedUpload;
use domain::upload::client::{Action, Backoff, Driver, Outcome, Rate};
use leptos::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;

thread_local! {
    /// The picked files, by item id.
    static FILES: RefCell<HashMap<u32, web_sys::File>> = RefCell::new(HashMap::new());
    /// How to interrupt a chunk in flight, by item id.
    static ABORTS: RefCell<HashMap<u32, web_sys::AbortController>> = RefCell::new(HashMap::new());
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemState {
    Waiting,
    Running,
    /// Paused by the user, or by the queue when the disk filled up.
    Paused,
    Done(String),
    Failed(String),
    Cancelled,
    /// The movie already has files: replace them, add a version, or cancel.
    NeedsChoice(String),
}

impl ItemState {
    pub fn is_finished(&self) -> bool {
        matches!(self, Self::Done(_) | Self::Failed(_) | Self::Cancelled)
    }
}

/// One file in the queue.
#[derive(Clone)]
pub struct Item {
    pub id: u32,
    pub file: FileDescription,
    pub imdb_id: String,
    /// The movie, as shown ("Heat (1995)").
    pub title: String,
    pub mode: ArcRwSignal<EndMode>,
    pub state: ArcRwSignal<ItemState>,
    /// Bytes the server holds.
    pub stored: ArcRwSignal<u64>,
    /// Bytes per second, and seconds left.
    pub speed: ArcRwSignal<Option<(f64, Option<f64>)>>,
    /// Which run of the item is current: a paused run that has not noticed yet must not go
    /// on beside the one started by resume.
    turn: ArcRwSignal<u32>,
}

/// The queue's shared state (a cheap copyable handle).
#[derive(Clone, Copy)]
pub struct Queue {
    pub library: i32,
    /// Whether the user may replace a movie's files (deleting them: owners and managers); the
    /// server refuses `replace` to anyone else.
    pub may_replace: bool,
    pub items: RwSignal<Vec<Item>>,
    pub parallel: RwSignal<usize>,
    /// Why the queue stopped on its own (the disk is full), until the user retries.
    pub halted: RwSignal<Option<String>>,
    /// Overall speed over the last seconds.
    rate: StoredValue<Rate>,
    pub total_speed: RwSignal<Option<f64>>,
}

impl Queue {
    /// A queue into `library` that sends `parallel` files at once (the user's setting).
    pub fn new(library: i32, parallel: usize, may_replace: bool) -> Queue {
        Queue {
            library,
            may_replace,
            items: RwSignal::new(Vec::new()),
            parallel: RwSignal::new(parallel.max(1)),
            halted: RwSignal::new(None),
            rate: StoredValue::new(Rate::default()),
            total_speed: RwSignal::new(None),
        }
    }

    /// Adds a picked file (see [`keep_file`]) for a chosen movie and starts it when a slot is
    /// free.
    pub fn add(
        self,
        id: u32,
        description: FileDescription,
        imdb_id: String,
        title: String,
        mode: EndMode,
    ) {
        if self
            .items
            .read_untracked()
            .iter()
            .any(|i| i.file == description && !i.state.get_untracked().is_finished())
        {
            return;
        }
        store::remember(SavedUpload {
            library: self.library,
            file: description.clone(),
            imdb_id: imdb_id.clone(),
            title: title.clone(),
            mode,
        });
        self.items.update(|items| {
            items.push(Item {
                id,
                file: description,
                imdb_id,
                title,
                mode: ArcRwSignal::new(mode),
                state: ArcRwSignal::new(ItemState::Waiting),
                stored: ArcRwSignal::new(0),
                speed: ArcRwSignal::new(None),
                turn: ArcRwSignal::new(0),
            })
        });
        self.pump();
    }

    fn item(self, id: u32) -> Option<Item> {
        self.items
            .read_untracked()
            .iter()
            .find(|i| i.id == id)
            .cloned()
    }

    /// Starts waiting items while fewer than `parallel` run.
    pub fn pump(self) {
        if self.halted.get_untracked().is_some() {
            return;
        }
        let items = self.items.get_untracked();
        let mut running = items
            .iter()
            .filter(|i| i.state.get_untracked() == ItemState::Running)
            .count();
        for item in items {
            if running >= self.parallel.get_untracked() {
                break;
            }
            if item.state.get_untracked() == ItemState::Waiting {
                running += 1;
                item.state.set(ItemState::Running);
                item.turn.update(|t| *t += 1);
                let turn = item.turn.get_untracked();
                leptos::task::spawn_local(self.run(item, turn));
            }
        }
    }

    pub fn pause(self, id: u32) {
        if let Some(item) = self.item(id)
            && matches!(
                item.state.get_untracked(),
                ItemState::Running | ItemState::Waiting
            )
        {
            item.state.set(ItemState::Paused);
            abort(id);
            self.pump();
        }
    }

    pub fn resume(self, id: u32) {
        if let Some(item) = self.item(id)
            && item.state.get_untracked() == ItemState::Paused
        {
            item.state.set(ItemState::Waiting);
            self.pump();
        }
    }

    /// Stops an upload and lets the server drop what it holds of it.
    pub fn cancel(self, id: u32) {
        let Some(item) = self.item(id) else {
            return;
        };
        if item.state.get_untracked().is_finished() {
            return;
        }
        item.state.set(ItemState::Cancelled);
        abort(id);
        store::forget(self.library, &item.file);
        drop_file(id);
        let library = self.library;
        leptos::task::spawn_local(async move {
            // `init` names the upload (it is derived from the file), then it is dropped.
            if let Ok(state) = http::init(library, &item.file, &item.imdb_id).await {
                let _ = http::cancel(&state.upload_id).await;
            }
        });
        self.pump();
    }

    /// Tries a failed upload again (from where the server stands).
    pub fn retry(self, id: u32) {
        if let Some(item) = self.item(id)
            && matches!(item.state.get_untracked(), ItemState::Failed(_))
        {
            item.state.set(ItemState::Waiting);
            self.pump();
        }
    }

    /// The user's answer for a movie that already has files.
    pub fn choose(self, id: u32, mode: Option<EndMode>) {
        let Some(item) = self.item(id) else {
            return;
        };
        match mode {
            Some(mode) => {
                item.mode.set(mode);
                store::remember(SavedUpload {
                    library: self.library,
                    file: item.file.clone(),
                    imdb_id: item.imdb_id.clone(),
                    title: item.title.clone(),
                    mode,
                });
                item.state.set(ItemState::Waiting);
                self.pump();
            }
            None => self.cancel(id),
        }
    }

    /// After the disk filled up and the user made room: continue.
    pub fn retry_halted(self) {
        self.halted.set(None);
        for item in self.items.get_untracked() {
            if item.state.get_untracked() == ItemState::Paused {
                item.state.set(ItemState::Waiting);
            }
        }
        self.pump();
    }

    /// Changes how many files go at once, now and (saved in the user's settings) next time.
    pub fn set_parallel(self, n: usize) {
        let n = n.clamp(
            domain::settings::UPLOADS_MIN as usize,
            domain::settings::UPLOADS_MAX as usize,
        );
        self.parallel.set(n);
        leptos::task::spawn_local(async move {
            let _ = crate::api::settings::set_simultaneous_uploads(n as i32).await;
        });
        self.pump();
    }

    /// Bytes stored and bytes in total, over the unfinished and done items.
    pub fn totals(self) -> (u64, u64) {
        self.items.with(|items| {
            items
                .iter()
                .filter(|i| !matches!(i.state.get(), ItemState::Cancelled | ItemState::Failed(_)))
                .fold((0, 0), |(done, all), i| {
                    (done + i.stored.get(), all + i.file.size)
                })
        })
    }

    pub fn is_busy(self) -> bool {
        self.items.with_untracked(|items| {
            items.iter().any(|i| {
                matches!(
                    i.state.get_untracked(),
                    ItemState::Running | ItemState::Waiting
                )
            })
        })
    }

    fn record_total(self) {
        // Every item counts, cancelled ones too: a total that went down would restart the rate.
        let done: u64 = self
            .items
            .with_untracked(|items| items.iter().map(|i| i.stored.get_untracked()).sum());
        self.rate.update_value(|r| r.record(http::now_ms(), done));
        self.total_speed
            .set(self.rate.with_value(Rate::bytes_per_second));
    }

    /// Drives one item until it finishes or is paused or cancelled.
    async fn run(self, item: Item, turn: u32) {
        let Some(file) = FILES.with(|f| f.borrow().get(&item.id).cloned()) else {
            item.state.set(ItemState::Failed(
                "Pick the file again to upload it.".into(),
            ));
            return;
        };
        let controller = web_sys::AbortController::new().ok();
        if let Some(c) = &controller {
            ABORTS.with(|a| a.borrow_mut().insert(item.id, c.clone()));
        }
        let mut driver = Driver::new(item.file.size, None, Backoff::default());
        let mut rate = Rate::default();
        let still_running = || {
            item.state.get_untracked() == ItemState::Running && item.turn.get_untracked() == turn
        };
        let outcome = loop {
            if !still_running() {
                break None;
            }
            match driver.next() {
                Action::Init => {
                    driver.initialised(http::init(self.library, &item.file, &item.imdb_id).await)
                }
                Action::Chunk(plan) => {
                    let Some(signal) = controller.as_ref().map(|c| c.signal()) else {
                        break Some(Outcome::Failed("This browser cannot upload.".into()));
                    };
                    let upload_id = driver.upload_id().unwrap_or_default().to_owned();
                    let answer = http::chunk(&upload_id, plan, &file, &signal).await;
                    if !still_running() {
                        break None;
                    }
                    driver.chunk_sent(answer);
                }
                Action::End => {
                    let upload_id = driver.upload_id().unwrap_or_default().to_owned();
                    let mode = item.mode.get_untracked();
                    driver.ended(http::end(&upload_id, &item.imdb_id, mode).await);
                }
                Action::Wait(delay) => {
                    http::sleep(delay.as_millis() as u32).await;
                    driver.waited();
                }
                Action::Finish(outcome) => break Some(outcome),
            }
            let stored = driver.stored();
            item.stored.set(stored);
            rate.record(http::now_ms(), stored);
            item.speed.set(
                rate.bytes_per_second()
                    .map(|s| (s, rate.eta_seconds(item.file.size - stored))),
            );
            self.record_total();
        };
        if item.turn.get_untracked() != turn {
            return;
        }
        ABORTS.with(|a| a.borrow_mut().remove(&item.id));
        item.speed.set(None);
        if let Some(outcome) = outcome {
            self.finish(&item, outcome);
        }
        self.pump();
    }

    fn finish(self, item: &Item, outcome: Outcome) {
        let forget = || {
            store::forget(self.library, &item.file);
            drop_file(item.id);
        };
        match outcome {
            Outcome::Uploaded { path, .. } => {
                item.stored.set(item.file.size);
                item.state.set(ItemState::Done(path.unwrap_or_default()));
                forget();
            }
            Outcome::Duplicate => {
                item.stored.set(item.file.size);
                item.state
                    .set(ItemState::Done("already in the library".into()));
                forget();
            }
            Outcome::MovieHasFiles(message) => item.state.set(ItemState::NeedsChoice(message)),
            Outcome::OutOfSpace(message) => {
                // Nothing is lost: everything stored stays, and the queue waits for room.
                item.state.set(ItemState::Paused);
                for other in self.items.get_untracked() {
                    if other.state.get_untracked() == ItemState::Running {
                        other.state.set(ItemState::Paused);
                        abort(other.id);
                    }
                }
                self.halted.set(Some(message));
            }
            Outcome::Failed(message) => item.state.set(ItemState::Failed(message)),
        }
    }
}

/// Holds a picked file until it is uploaded or dropped.
pub fn keep_file(id: u32, file: web_sys::File) {
    FILES.with(|f| f.borrow_mut().insert(id, file));
}

pub fn drop_file(id: u32) {
    FILES.with(|f| f.borrow_mut().remove(&id));
}

fn abort(id: u32) {
    if let Some(c) = ABORTS.with(|a| a.borrow_mut().remove(&id)) {
        c.abort();
    }
}
