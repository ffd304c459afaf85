//! The browser uploader: files picked or dropped are sorted (taken, skipped, already there),
//! each video is matched to a movie (guess from its name, then the metadata search), and
//! confirmed files go to the [`queue::Queue`], which speaks the resumable protocol.

pub mod drop;
pub mod http;
pub mod queue;
pub mod store;

use crate::api::movies::search_movies;
use domain::api::{FileDescription, FileStatus, MovieFileInfo};
use domain::identify::guess::guess_with_folder;
use domain::identify::ranking::{Ranked, SearchResult};
use domain::upload::EndMode;
use domain::upload::batch::{Intake, intake, subtitle_owner};
use leptos::prelude::*;
use queue::Queue;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// Candidates shown per file.
pub const SHOWN: usize = 5;
/// Searches run at once while a batch is being matched.
const SEARCHES_AT_ONCE: usize = 3;
/// Typing pause before a search, in milliseconds.
const DEBOUNCE_MS: u32 = 300;
/// Seconds before each new try while the movie database cannot be reached (the last repeats).
const RETRY_SECS: [u32; 5] = [5, 10, 20, 40, 60];
/// The way on when searching cannot help.
pub const PASTE_HINT: &str =
    "You can also paste the movie's IMDb link (imdb.com/title/tt…) or id in the box.";
/// What naming a movie by hand does.
pub const BY_HAND_HINT: &str = "Or upload it now under the title and year in the box: its \
     details, cover and trailer follow when the movie database can be reached.";

/// A file as picked: the browser's handle and, for folders, the folder it was in.
pub struct Picked {
    pub file: web_sys::File,
    pub folder: Option<String>,
}

impl Picked {
    pub fn description(&self) -> FileDescription {
        FileDescription {
            filename: self.file.name(),
            size: self.file.size() as u64,
            last_modified: self.file.last_modified().max(0.0) as u64,
        }
    }
}

/// What the metadata search has found for a file.
#[derive(Clone, Debug, PartialEq)]
pub enum Found {
    Searching,
    Results(SearchResult),
    Failed(String),
    /// The movie database cannot be reached; searching again in [`Pick::retry_in`] seconds.
    Unreachable(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    Choosing,
    /// Asking the server whether the chosen movie already has files.
    Checking,
    /// The chosen movie has files here: replace, add a version, or cancel.
    Existing {
        imdb_id: String,
        title: String,
        files: Vec<MovieFileInfo>,
    },
    Queued,
    Dropped,
}

/// A file waiting for its movie to be confirmed.
#[derive(Clone)]
pub struct Pick {
    pub id: u32,
    pub file: FileDescription,
    pub is_subtitle: bool,
    /// Subtitles that go with this video (by name), uploaded to the same movie.
    pub subtitles: Vec<(u32, FileDescription)>,
    /// Bytes the server already holds of it.
    pub resume_at: Option<u64>,
    pub query: ArcRwSignal<String>,
    pub found: ArcRwSignal<Found>,
    pub highlighted: ArcRwSignal<usize>,
    pub stage: ArcRwSignal<Stage>,
    /// Counts the searches started: a retry waiting for an older one gives up.
    pub round: Arc<AtomicU32>,
    /// Seconds until the next try while the movie database cannot be reached.
    pub retry_in: ArcRwSignal<u32>,
}

impl Pick {
    /// The first candidate, when the ranking is sure of it.
    pub fn confident_match(&self) -> Option<Ranked> {
        match self.found.get_untracked() {
            Found::Results(r) if r.confident => r.candidates.into_iter().next(),
            _ => None,
        }
    }

    /// Searches after the user stops typing.
    pub fn typed(&self, text: String) {
        self.query.set(text.clone());
        let pick = self.clone();
        leptos::task::spawn_local(async move {
            http::sleep(DEBOUNCE_MS).await;
            if pick.query.get_untracked() == text {
                search_now(&pick).await;
            }
        });
    }
}

/// A picked file that is not uploaded, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    pub filename: String,
    pub reason: String,
}

/// What one selection turned into.
#[derive(Clone, Copy)]
pub struct Selection {
    pub picks: RwSignal<Vec<Pick>>,
    pub skipped: RwSignal<Vec<Skipped>>,
    /// Files the library already has.
    pub already: RwSignal<Vec<String>>,
    /// Set while the batch is being checked with the server.
    pub checking: RwSignal<bool>,
    pub error: RwSignal<Option<String>>,
    /// Bytes the selection still has to send.
    pub bytes_needed: RwSignal<u64>,
    next_id: StoredValue<u32>,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            picks: RwSignal::new(Vec::new()),
            skipped: RwSignal::new(Vec::new()),
            already: RwSignal::new(Vec::new()),
            checking: RwSignal::new(false),
            error: RwSignal::new(None),
            bytes_needed: RwSignal::new(0),
            next_id: StoredValue::new(1),
        }
    }
}

impl Selection {
    /// Stops the searches waiting to try again (the page is being left): each pick's round
    /// moves on, which makes a waiting retry give up.
    pub fn stop_searching(&self) {
        self.picks.try_with_untracked(|picks| {
            for pick in picks {
                pick.round.fetch_add(1, Ordering::Relaxed);
            }
        });
    }

    fn new_id(self) -> u32 {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        id
    }

    /// Sorts newly picked files, asks the server what it has, queues what this browser
    /// remembers a movie for, and searches a movie for the rest.
    pub async fn take(self, files: Vec<Picked>, queue: Queue) {
        self.checking.set(true);
        self.error.set(None);
        self.already.set(Vec::new());
        self.skipped.set(Vec::new());
        let mut taken = Vec::new();
        let mut skipped = Vec::new();
        let chosen = self.chosen(queue);
        for picked in files {
            let description = picked.description();
            if chosen.contains(&description) {
                skipped.push(Skipped {
                    filename: description.filename,
                    reason: "Already chosen on this page.".into(),
                });
                continue;
            }
            match intake(&description.filename, description.size) {
                Intake::Skipped(reason) => skipped.push(Skipped {
                    filename: description.filename,
                    reason,
                }),
                kind => taken.push((picked, description, kind == Intake::Subtitle)),
            }
        }
        let descriptions: Vec<FileDescription> = taken.iter().map(|(_, d, _)| d.clone()).collect();
        let statuses = if descriptions.is_empty() {
            Vec::new()
        } else {
            match http::check(queue.library, &descriptions).await {
                Ok(s) => s,
                Err(e) => {
                    self.error.set(Some(e.message()));
                    self.checking.set(false);
                    self.skipped.set(skipped);
                    return;
                }
            }
        };
        let saved = store::load();
        let mut already = Vec::new();
        let mut fresh = Vec::new();
        let mut needed = 0u64;
        for ((picked, description, is_subtitle), status) in taken.into_iter().zip(statuses) {
            let resume_at = match status {
                FileStatus::AlreadyUploaded { .. } => {
                    already.push(description.filename);
                    continue;
                }
                FileStatus::Invalid { message, .. } => {
                    skipped.push(Skipped {
                        filename: description.filename,
                        reason: message,
                    });
                    continue;
                }
                FileStatus::Partial { offset, .. } => Some(offset),
                FileStatus::New => None,
            };
            needed += description.size - resume_at.unwrap_or(0).min(description.size);
            let id = self.new_id();
            queue::keep_file(id, picked.file.clone());
            // Picked again after a reload: this browser remembers the movie.
            if let Some(s) = saved
                .iter()
                .find(|s| s.library == queue.library && s.is(&description))
            {
                queue.add(id, description, s.imdb_id.clone(), s.title.clone(), s.mode);
                continue;
            }
            fresh.push((id, picked, description, is_subtitle, resume_at));
        }
        // Subtitles named like a video of the batch follow that video.
        let video_names: Vec<String> = fresh
            .iter()
            .map(|(_, _, d, is_subtitle, _)| {
                if *is_subtitle {
                    String::new()
                } else {
                    d.filename.clone()
                }
            })
            .collect();
        let names: Vec<&str> = video_names.iter().map(String::as_str).collect();
        let mut picks: Vec<Pick> = Vec::new();
        let mut followers: Vec<(usize, u32, FileDescription)> = Vec::new();
        let mut index_of_pick = vec![None; fresh.len()];
        for (i, (id, picked, description, is_subtitle, resume_at)) in fresh.into_iter().enumerate()
        {
            if is_subtitle && let Some(owner) = subtitle_owner(&description.filename, &names) {
                followers.push((owner, id, description));
                continue;
            }
            let guess = guess_with_folder(&description.filename, picked.folder.as_deref());
            let query = match (guess.title, guess.year) {
                (Some(t), Some(y)) => format!("{t} {y}"),
                (Some(t), None) => t,
                (None, _) => String::new(),
            };
            index_of_pick[i] = Some(picks.len());
            picks.push(Pick {
                id,
                file: description,
                is_subtitle,
                subtitles: Vec::new(),
                resume_at,
                query: ArcRwSignal::new(query),
                found: ArcRwSignal::new(Found::Searching),
                highlighted: ArcRwSignal::new(0),
                stage: ArcRwSignal::new(Stage::Choosing),
                round: Arc::default(),
                retry_in: ArcRwSignal::new(0),
            });
        }
        for (owner, id, description) in followers {
            if let Some(p) = index_of_pick[owner] {
                picks[p].subtitles.push((id, description));
            }
        }
        self.bytes_needed.set(needed);
        self.already.set(already);
        self.skipped.set(skipped);
        // Files of an earlier batch still waiting for their movie stay.
        self.picks.update(|all| {
            all.retain(|p| !matches!(p.stage.get_untracked(), Stage::Queued | Stage::Dropped));
            all.extend(picks.iter().cloned());
        });
        self.checking.set(false);
        // Match the batch a few searches at a time.
        let shared = std::rc::Rc::new(std::cell::RefCell::new(picks.into_iter()));
        for _ in 0..SEARCHES_AT_ONCE {
            let shared = shared.clone();
            leptos::task::spawn_local(async move {
                loop {
                    let next = shared.borrow_mut().next();
                    let Some(pick) = next else { break };
                    search_now(&pick).await;
                }
            });
        }
    }

    /// Files already on the page: waiting for their movie, or in the queue and not finished.
    fn chosen(self, queue: Queue) -> Vec<FileDescription> {
        let mut files: Vec<FileDescription> = self.picks.with_untracked(|picks| {
            picks
                .iter()
                .filter(|p| {
                    matches!(
                        p.stage.get_untracked(),
                        Stage::Choosing | Stage::Checking | Stage::Existing { .. }
                    )
                })
                .flat_map(|p| {
                    std::iter::once(p.file.clone())
                        .chain(p.subtitles.iter().map(|(_, f)| f.clone()))
                })
                .collect()
        });
        queue.items.with_untracked(|items| {
            files.extend(
                items
                    .iter()
                    .filter(|i| !i.state.get_untracked().is_finished())
                    .map(|i| i.file.clone()),
            )
        });
        files
    }

    /// Confirms a movie for a pick: straight into the queue, unless the movie already has
    /// files here (then the user chooses).
    pub fn confirm(self, pick: &Pick, imdb_id: String, title: String, queue: Queue) {
        pick.stage.set(Stage::Checking);
        let pick = pick.clone();
        leptos::task::spawn_local(async move {
            let existing = if pick.is_subtitle {
                Vec::new()
            } else {
                match http::movie_files(queue.library, &imdb_id).await {
                    Ok(files) => files,
                    Err(e) => {
                        pick.found.set(Found::Failed(e.message()));
                        pick.stage.set(Stage::Choosing);
                        return;
                    }
                }
            };
            if existing.is_empty() {
                enqueue(&pick, imdb_id, title, EndMode::New, queue);
            } else {
                pick.stage.set(Stage::Existing {
                    imdb_id,
                    title,
                    files: existing,
                });
            }
        });
    }

    /// Uploads a pick under the title and year its box says, the movie to be looked up by
    /// the server later (when the movie database cannot be reached, or does not know it).
    pub fn name_by_hand(self, pick: &Pick, queue: Queue) {
        let Some(named) = named_in(&pick.query.get_untracked()) else {
            pick.found.set(Found::Failed(
                "Type the movie's title (and year) first.".into(),
            ));
            return;
        };
        pick.stage.set(Stage::Checking);
        let pick = pick.clone();
        leptos::task::spawn_local(async move {
            match http::name_movie(queue.library, &named).await {
                Ok(movie) => {
                    let title = by_hand_label(&named);
                    self.confirm(&pick, movie.imdb_id, title, queue);
                }
                Err(e) => {
                    pick.found.set(Found::Failed(e.message()));
                    pick.stage.set(Stage::Choosing);
                }
            }
        });
    }

    /// Confirms, in one go, every file whose first candidate is a clear match.
    pub fn confirm_confident(self, queue: Queue) {
        for pick in self.picks.get_untracked() {
            if pick.stage.get_untracked() == Stage::Choosing
                && let Some(top) = pick.confident_match()
            {
                self.confirm(&pick, top.candidate.imdb_id.clone(), label(&top), queue);
            }
        }
    }

    pub fn drop_pick(self, pick: &Pick) {
        pick.stage.set(Stage::Dropped);
        queue::drop_file(pick.id);
        for (id, _) in &pick.subtitles {
            queue::drop_file(*id);
        }
    }
}

/// The title and year a search box names ("Heat 1995"), for naming a movie by hand.
pub fn named_in(text: &str) -> Option<domain::api::NamedMovie> {
    if domain::movie_link::parse(text).is_some() {
        return None;
    }
    let guess = domain::identify::guess::guess(text);
    let title = guess
        .title
        .or_else(|| Some(text.trim().to_owned()).filter(|t| !t.is_empty()))?;
    Some(domain::api::NamedMovie {
        title,
        year: guess.year,
    })
}

/// "Heat (1995)" for a movie named by hand.
pub fn by_hand_label(named: &domain::api::NamedMovie) -> String {
    domain::format::title_year(&named.title, named.year)
}

/// "Heat (1995)".
pub fn label(r: &Ranked) -> String {
    domain::format::title_year(&r.candidate.title, r.candidate.year)
}

/// Searches the movie for what the pick's box says (guessed, or typed: "Alien 1979" looks for
/// Alien from 1979; an IMDb id or link names the movie outright).
pub async fn search_now(pick: &Pick) {
    let round = pick.round.fetch_add(1, Ordering::Relaxed) + 1;
    pick.found.set(Found::Searching);
    pick.highlighted.set(0);
    try_search(pick, round, 0).await;
}

async fn try_search(pick: &Pick, round: u32, attempt: usize) {
    let text = pick.query.get_untracked();
    let guess = domain::identify::guess::guess(&text);
    let title = if domain::movie_link::parse(&text).is_some() {
        Some(text.trim().to_owned())
    } else {
        guess
            .title
            .or_else(|| Some(text.trim().to_owned()).filter(|t| !t.is_empty()))
    };
    let Some(title) = title else {
        pick.found
            .set(Found::Failed("Type a title to search.".into()));
        return;
    };
    let answer = search_movies(title, guess.year).await;
    if pick.round.load(Ordering::Relaxed) != round {
        return; // typed on meanwhile: a newer search is coming
    }
    pick.found.set(match answer {
        Ok(r) if r.candidates.is_empty() => Found::Failed(format!(
            "No movie found; try another title or add the year. {PASTE_HINT}"
        )),
        Ok(r) => Found::Results(r),
        Err(e) if may_come_back(&e.error) => {
            let retry_in = RETRY_SECS[attempt.min(RETRY_SECS.len() - 1)];
            pick.retry_in.set(retry_in);
            retry_later(pick.clone(), round, attempt, retry_in);
            Found::Unreachable(e.message)
        }
        Err(e) => Found::Failed(e.message),
    });
}

/// Errors of a movie database that is offline, slow or refusing for a while.
fn may_come_back(code: &str) -> bool {
    matches!(
        code,
        "provider_unavailable" | "provider_timeout" | "provider_bad_answer"
    )
}

/// Counts down `secs`, then searches again, unless a newer search started or the file left
/// the list meanwhile.
fn retry_later(pick: Pick, round: u32, attempt: usize, secs: u32) {
    leptos::task::spawn_local(async move {
        let current = |pick: &Pick| {
            pick.round.load(Ordering::Relaxed) == round
                && pick.stage.get_untracked() == Stage::Choosing
        };
        for left in (1..=secs).rev() {
            if !current(&pick) {
                return;
            }
            pick.retry_in.set(left);
            http::sleep(1000).await;
        }
        if current(&pick) {
            try_search(&pick, round, attempt + 1).await;
        }
    });
}

/// Puts a confirmed pick and its subtitles in the queue.
pub fn enqueue(pick: &Pick, imdb_id: String, title: String, mode: EndMode, queue: Queue) {
    pick.stage.set(Stage::Queued);
    queue.add(
        pick.id,
        pick.file.clone(),
        imdb_id.clone(),
        title.clone(),
        mode,
    );
    for (id, file) in &pick.subtitles {
        queue.add(
            *id,
            file.clone(),
            imdb_id.clone(),
            title.clone(),
            EndMode::New,
        );
    }
}
