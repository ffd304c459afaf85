//! Each library's catalogue in memory: its movies with what the home rows sort and group by
//! (title, year, rating, date added, genres, franchises), sorted once. Reading a page of rows
//! is then slicing these lists; only the user's watch positions are read per request.
//!
//! Every write that changes what a library shows (an upload ending, metadata saved, a fix
//! match) touches `Cache::Catalog` of its [`crate::write::Write`], whose commit calls
//! [`Catalogs::changed`], and catalogues older than that are rebuilt when next read. Changes made by another process (the `ott` CLI, a second server on the same
//! database) show within [`MAX_AGE`].

use crate::entities::{
    category, category_movie, collection, collection_movie, genre, movie, movie_file, movie_genre,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A catalogue is rebuilt at least this often, for changes this process did not make.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// A franchise is listed when the library has at least this many of its films.
pub const MIN_COLLECTION: usize = 2;

/// A movie as lists show it.
#[derive(Clone, Debug)]
pub struct Entry {
    pub id: i32,
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    /// The cover's modification time, when the library has the cover.
    pub poster_version: Option<u64>,
    /// What the search box finds it by.
    pub findable: domain::search::Findable,
    rating: Option<f64>,
    rating_count: Option<i32>,
    added: DateTime<Utc>,
}

/// A named group of movies (a category, a genre or a franchise), in its row's order.
#[derive(Clone, Debug)]
pub struct Group {
    pub id: i32,
    pub name: String,
    pub movies: Vec<usize>,
}

/// One library's movies, indexed for the home rows. Lists hold indices into `entries`, which
/// are in title order.
#[derive(Debug)]
pub struct Catalog {
    pub entries: Vec<Entry>,
    by_id: HashMap<i32, usize>,
    /// Newest file first.
    pub recent: Vec<usize>,
    /// Rated movies, best first.
    pub top: Vec<usize>,
    /// The library's own categories in their order, named with their icon: hand-picked
    /// movies in the order picked, a rule's movies in title order.
    pub categories: Vec<Group>,
    /// Franchises by name, each in release order.
    pub collections: Vec<Group>,
    /// Genres by name, each in title order.
    pub genres: Vec<Group>,
    /// Decades, newest first, each by year then title.
    pub decades: Vec<(i32, Vec<usize>)>,
    generation: u64,
    built: Instant,
}

impl Catalog {
    pub fn index_of(&self, movie_id: i32) -> Option<usize> {
        self.by_id.get(&movie_id).copied()
    }
}

/// The catalogues of all libraries, and the change counter that makes them stale.
#[derive(Default)]
pub struct Catalogs {
    generation: AtomicU64,
    built: Mutex<HashMap<i32, Arc<Catalog>>>,
}

impl Catalogs {
    /// Something a library shows has changed: every catalogue is rebuilt when next read.
    /// Called by [`crate::write::Write::commit`].
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The library's catalogue, rebuilt when stale.
    pub async fn get(
        &self,
        db: &impl ConnectionTrait,
        library_id: i32,
        library_path: &str,
    ) -> Result<Arc<Catalog>, DbErr> {
        let generation = self.generation.load(Ordering::SeqCst);
        if let Some(c) = self.lock().get(&library_id)
            && c.generation == generation
            && c.built.elapsed() < MAX_AGE
        {
            return Ok(c.clone());
        }
        let started = Instant::now();
        let catalog = Arc::new(build(db, library_id, library_path, generation).await?);
        tracing::debug!(
            library = library_id,
            movies = catalog.entries.len(),
            ms = started.elapsed().as_millis() as u64,
            "catalogue built"
        );
        self.lock().insert(library_id, catalog.clone());
        Ok(catalog)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i32, Arc<Catalog>>> {
        self.built.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The version (seconds) of a movie's picture at `relative` in the library at `library_path`,
/// when the library has it: the file's modification time in a folder; in a bucket (where a
/// look costs a request per movie) the time the metadata job last wrote the pictures.
pub fn picture_version(
    library_path: &str,
    relative: Option<&str>,
    written: Option<DateTime<Utc>>,
) -> Option<u64> {
    let relative = relative?;
    if domain::storage::is_bucket(library_path) {
        return written.map(|at| at.timestamp().max(0) as u64);
    }
    file_version(&Path::new(library_path).join(relative))
}

/// When the metadata job last put the movie's pictures into every library that has it; none
/// while a fetch is queued. A movie new to a library (or moved there by a fix of a match) is
/// queued, and a bucket library gets its cover only from that fetch: until then no poster is
/// promised there (a folder library looks at its files instead).
pub fn pictures_written(m: &movie::Model) -> Option<DateTime<Utc>> {
    m.metadata_updated_at
        .filter(|_| m.metadata_status != "pending")
}

/// The modification time (seconds) of a file, when it is one.
pub fn file_version(path: &Path) -> Option<u64> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    Some(
        meta.modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
}

fn findable(m: &movie::Model) -> domain::search::Findable {
    let cast: Vec<String> = m
        .cast_names
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default();
    let titles = std::iter::once(m.title.as_str()).chain(m.original_title.as_deref());
    domain::search::Findable::new(titles, &cast, m.year)
}

async fn build(
    db: &impl ConnectionTrait,
    library_id: i32,
    library_path: &str,
    generation: u64,
) -> Result<Catalog, DbErr> {
    let in_library = movies_in(library_id);
    let files: Vec<(i32, DateTime<Utc>)> = movie_file::Entity::find()
        .select_only()
        .columns([movie_file::Column::MovieId, movie_file::Column::CreatedAt])
        .filter(movie_file::Column::LibraryId.eq(library_id))
        .into_tuple()
        .all(db)
        .await?;
    let mut added: HashMap<i32, DateTime<Utc>> = HashMap::new();
    for (movie, at) in files {
        let newest = added.entry(movie).or_insert(at);
        *newest = (*newest).max(at);
    }
    let movies = movie::Entity::find()
        .filter(movie::Column::Id.in_subquery(in_library.clone()))
        .all(db)
        .await?;
    let mut sorted: Vec<(String, movie::Model)> = movies
        .into_iter()
        .map(|m| (m.search_title.clone(), m))
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.id.cmp(&b.1.id)));
    let entries: Vec<Entry> = sorted
        .into_iter()
        .map(|(_, m)| Entry {
            poster_version: picture_version(
                library_path,
                m.poster_path.as_deref(),
                pictures_written(&m),
            ),
            added: added.get(&m.id).copied().unwrap_or(m.created_at),
            findable: findable(&m),
            id: m.id,
            imdb_id: m.imdb_id,
            title: m.title,
            year: m.year,
            rating: m.rating,
            rating_count: m.rating_count,
        })
        .collect();
    let by_id: HashMap<i32, usize> = entries.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
    let all: Vec<usize> = (0..entries.len()).collect();

    let mut recent = all.clone();
    recent.sort_by(|&a, &b| {
        let (a, b) = (&entries[a], &entries[b]);
        b.added.cmp(&a.added).then(b.id.cmp(&a.id))
    });
    let mut top: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| entries[i].rating.is_some())
        .collect();
    top.sort_by(|&a, &b| {
        let (a, b) = (&entries[a], &entries[b]);
        b.rating
            .partial_cmp(&a.rating)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.rating_count.cmp(&a.rating_count))
            .then(a.id.cmp(&b.id))
    });
    let mut decades: HashMap<i32, Vec<usize>> = HashMap::new();
    for &i in &all {
        if let Some(y) = entries[i].year {
            decades.entry(domain::rows::decade(y)).or_default().push(i);
        }
    }
    let mut decades: Vec<(i32, Vec<usize>)> = decades.into_iter().collect();
    decades.sort_by_key(|d| std::cmp::Reverse(d.0));
    for (_, movies) in &mut decades {
        // Title order already; a stable sort by year keeps it within a year.
        movies.sort_by_key(|&i| entries[i].year);
    }

    let genre_names: HashMap<i32, String> = genre::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let links: Vec<(i32, i32)> = movie_genre::Entity::find()
        .select_only()
        .columns([movie_genre::Column::GenreId, movie_genre::Column::MovieId])
        .filter(movie_genre::Column::MovieId.in_subquery(in_library.clone()))
        .into_tuple()
        .all(db)
        .await?;
    let mut genres: HashMap<i32, Vec<usize>> = HashMap::new();
    let mut genres_of: Vec<Vec<&str>> = vec![Vec::new(); entries.len()];
    for (g, m) in links {
        if let Some(&i) = by_id.get(&m) {
            genres.entry(g).or_default().push(i);
            if let Some(name) = genre_names.get(&g) {
                genres_of[i].push(name);
            }
        }
    }
    let mut genres: Vec<Group> = genres
        .into_iter()
        .filter_map(|(id, mut movies)| {
            movies.sort_unstable();
            Some(Group {
                id,
                name: genre_names.get(&id)?.clone(),
                movies,
            })
        })
        .collect();
    genres.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let categories = categories(db, library_id, &entries, &by_id, &genres_of).await?;

    let parts: Vec<(i32, i32, i32)> = collection_movie::Entity::find()
        .select_only()
        .columns([
            collection_movie::Column::CollectionId,
            collection_movie::Column::MovieId,
            collection_movie::Column::Position,
        ])
        .filter(collection_movie::Column::MovieId.in_subquery(in_library))
        .into_tuple()
        .all(db)
        .await?;
    let mut franchises: HashMap<i32, Vec<(i32, usize)>> = HashMap::new();
    for (c, m, position) in parts {
        if let Some(&i) = by_id.get(&m) {
            franchises.entry(c).or_default().push((position, i));
        }
    }
    franchises.retain(|_, movies| movies.len() >= MIN_COLLECTION);
    let names: HashMap<i32, String> = collection::Entity::find()
        .filter(collection::Column::Id.is_in(franchises.keys().copied().collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let mut collections: Vec<Group> = franchises
        .into_iter()
        .filter_map(|(id, mut movies)| {
            movies.sort_by_key(|&(position, i)| (position, entries[i].year, entries[i].id));
            Some(Group {
                id,
                name: names.get(&id)?.clone(),
                movies: movies.into_iter().map(|(_, i)| i).collect(),
            })
        })
        .collect();
    collections.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));

    Ok(Catalog {
        entries,
        by_id,
        recent,
        top,
        categories,
        collections,
        genres,
        decades,
        generation,
        built: Instant::now(),
    })
}

/// The library's categories with their movies. A stored rule that no longer parses (written
/// by a newer version, or edited by hand) shows no movies rather than failing the page.
async fn categories(
    db: &impl ConnectionTrait,
    library_id: i32,
    entries: &[Entry],
    by_id: &HashMap<i32, usize>,
    genres_of: &[Vec<&str>],
) -> Result<Vec<Group>, DbErr> {
    let rows = category::Entity::find()
        .filter(category::Column::LibraryId.eq(library_id))
        .order_by_asc(category::Column::Position)
        .order_by_asc(category::Column::Id)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let picks: Vec<(i32, i32, i32)> = category_movie::Entity::find()
        .select_only()
        .columns([
            category_movie::Column::CategoryId,
            category_movie::Column::MovieId,
            category_movie::Column::Position,
        ])
        .filter(category_movie::Column::CategoryId.is_in(rows.iter().map(|c| c.id)))
        .into_tuple()
        .all(db)
        .await?;
    let mut picked: HashMap<i32, Vec<(i32, usize)>> = HashMap::new();
    for (c, m, position) in picks {
        if let Some(&i) = by_id.get(&m) {
            picked.entry(c).or_default().push((position, i));
        }
    }
    Ok(rows
        .into_iter()
        .map(|c| {
            let movies = match c.rule.as_deref() {
                Some(json) => {
                    match serde_json::from_str::<domain::categories::CategoryRule>(json) {
                        Ok(rule) => (0..entries.len())
                            .filter(|&i| {
                                let e = &entries[i];
                                rule.matches(e.year, e.rating, genres_of[i].iter().copied())
                            })
                            .collect(),
                        Err(e) => {
                            tracing::warn!(category = c.id, error = %e, "unreadable category rule");
                            Vec::new()
                        }
                    }
                }
                None => {
                    let mut movies = picked.remove(&c.id).unwrap_or_default();
                    movies.sort_unstable();
                    movies.into_iter().map(|(_, i)| i).collect()
                }
            };
            Group {
                id: c.id,
                name: domain::categories::row_title(&c.name, c.icon.as_deref()),
                movies,
            }
        })
        .collect())
}

/// Ids of the movies that have a file in the library.
pub(crate) fn movies_in(library_id: i32) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::Query;
    Query::select()
        .column(crate::entities::movie_file::Column::MovieId)
        .from(crate::entities::movie_file::Entity)
        .and_where(crate::entities::movie_file::Column::LibraryId.eq(library_id))
        .to_owned()
}
