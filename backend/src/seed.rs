//! A large made-up library for benchmarks and trying the pages out: movies with ratings,
//! years, genres and franchises, each with a file row (no bytes on disk; playing one says the
//! file is missing). Deterministic: the same counts give the same library.

use crate::entities::{collection, collection_movie, movie, movie_file, movie_genre};
use chrono::{Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};

/// Rows written per insert statement (SQLite allows 32766 bound values; a movie has ~12).
const BATCH: usize = 500;

/// What to make.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub movies: usize,
    pub collections: usize,
    pub genres: usize,
}

const WORDS: &[&str] = &[
    "Night", "Return", "Shadow", "River", "Last", "City", "Storm", "Silent", "Iron", "Winter",
    "Blue", "Empire", "Secret", "Fire", "Island", "Road", "Star", "Ghost", "Golden", "Dark",
];

/// Adds the plan's movies to the library; returns how many movies were made.
pub async fn seed(db: &DatabaseConnection, library_id: i32, plan: Plan) -> Result<usize, DbErr> {
    let mut rng = StdRng::seed_from_u64(plan.movies as u64 ^ 0x5eed);
    let txn = db.begin().await?;
    let now = Utc::now();

    let mut genre_ids = Vec::new();
    for g in 0..plan.genres {
        let name = format!("Genre {:02}", g + 1);
        genre_ids.extend(crate::metadata::ingest::genre_id(&txn, &name).await?);
    }
    let mut collection_ids = Vec::new();
    for c in 0..plan.collections {
        let row = collection::ActiveModel {
            name: Set(format!("{} Saga {}", WORDS[c % WORDS.len()], c + 1)),
            created_at: Set(now),
            ..Default::default()
        };
        collection_ids.push(
            collection::Entity::insert(row)
                .exec(&txn)
                .await?
                .last_insert_id,
        );
    }

    let first_imdb = 80_000_000 + next_free(&txn).await?;
    for start in (0..plan.movies).step_by(BATCH) {
        let end = (start + BATCH).min(plan.movies);
        let movies: Vec<movie::ActiveModel> = (start..end)
            .map(|i| {
                let title = format!(
                    "{} {} {}",
                    WORDS[rng.gen_range(0..WORDS.len())],
                    WORDS[rng.gen_range(0..WORDS.len())],
                    i + 1
                );
                movie::ActiveModel {
                    imdb_id: Set(format!("tt{}", first_imdb + i)),
                    search_title: Set(domain::identify::ranking::normalize_title(&title)),
                    title: Set(title),
                    year: Set(Some(rng.gen_range(1950..=2025))),
                    rating: Set(Some(f64::from(rng.gen_range(20..=95)) / 10.0)),
                    rating_count: Set(Some(rng.gen_range(100..2_000_000))),
                    runtime_minutes: Set(Some(rng.gen_range(80..=180))),
                    metadata_status: Set("manual".into()),
                    metadata_attempts: Set(0),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
            })
            .collect();
        movie::Entity::insert_many(movies)
            .exec_without_returning(&txn)
            .await?;
        let made = movie::Entity::find()
            .filter(
                movie::Column::ImdbId.is_in((start..end).map(|i| format!("tt{}", first_imdb + i))),
            )
            .all(&txn)
            .await?;
        let files = made.iter().map(|m| movie_file::ActiveModel {
            library_id: Set(library_id),
            movie_id: Set(m.id),
            relative_path: Set(format!("{}/1080p/movie.mkv", m.imdb_id)),
            resolution: Set(Some("1080p".into())),
            size_bytes: Set(4_000_000_000),
            created_at: Set(now - Duration::minutes(rng.gen_range(0..500_000))),
            ..Default::default()
        });
        movie_file::Entity::insert_many(files)
            .exec_without_returning(&txn)
            .await?;
        if !genre_ids.is_empty() {
            let links = made
                .iter()
                .flat_map(|m| {
                    let first = rng.gen_range(0..genre_ids.len());
                    let second = rng.gen_range(0..genre_ids.len());
                    let mut pair = vec![genre_ids[first]];
                    if second != first {
                        pair.push(genre_ids[second]);
                    }
                    pair.into_iter().map(|g| movie_genre::ActiveModel {
                        movie_id: Set(m.id),
                        genre_id: Set(g),
                    })
                })
                .collect::<Vec<_>>();
            movie_genre::Entity::insert_many(links)
                .exec_without_returning(&txn)
                .await?;
        }
        // The first movies make up the franchises: three to six parts each, in release order.
        let mut parts = Vec::new();
        for (n, m) in made.iter().enumerate() {
            let index = start + n;
            let Some(&c) = collection_ids.get(index / 4) else {
                break;
            };
            parts.push(collection_movie::ActiveModel {
                collection_id: Set(c),
                movie_id: Set(m.id),
                position: Set((index % 4) as i32),
            });
        }
        if !parts.is_empty() {
            collection_movie::Entity::insert_many(parts)
                .exec_without_returning(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(plan.movies)
}

/// How many movies exist already, so that seeded IMDb ids never collide with earlier seeds.
async fn next_free(db: &impl ConnectionTrait) -> Result<usize, DbErr> {
    use sea_orm::PaginatorTrait;
    Ok(movie::Entity::find().count(db).await? as usize)
}
