//! A library's own categories (home-page rows; the rules are `domain::categories`). Every
//! member sees them; the owner and managers make, change and remove them. A change shows on
//! the home page at once (`Catalogs::changed`).

use crate::access::{self, Need};
use crate::catalog::movies_in;
use crate::entities::{category, category_movie, genre, library, movie};
use crate::error::Missing;
use crate::write::{Cache, Write};
use crate::{ApiError, AppState};
use chrono::Utc;
use domain::categories::{
    CategoriesOverview, CategoryInfo, CategoryInput, CategoryRule, CheckedCategory, MovieCategory,
    row_title,
};
use domain::rows::RowId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::HashMap;

fn category_not_found() -> ApiError {
    Missing::Category.into()
}

/// A second category of the same name in one library.
#[derive(Debug, thiserror::Error)]
#[error("This library already has a category named “{0}”.")]
pub struct NameTaken(pub String);

fn rule_error(e: domain::categories::CategoryRuleError) -> ApiError {
    ApiError::bad_request(e.code(), e.to_string())
}

/// The library, when the user may change its categories: 404 for strangers, 403 for
/// members below manager.
async fn managed_library(
    state: &AppState,
    user_id: i32,
    library_id: i32,
) -> Result<library::Model, ApiError> {
    Ok(access::library(state, user_id, library_id, Need::Manage)
        .await?
        .0)
}

/// The category and its library, when the user may change it (404 for strangers).
async fn managed_category(
    state: &AppState,
    user_id: i32,
    category_id: i32,
) -> Result<(category::Model, library::Model), ApiError> {
    let found = category::Entity::find_by_id(category_id)
        .one(&state.db)
        .await?
        .ok_or_else(category_not_found)?;
    let (library, _) = access::library(state, user_id, found.library_id, Need::Manage)
        .await
        .map_err(|denied| denied.hidden_as(category_not_found))?;
    Ok((found, library))
}

/// The library's categories in row order (any member).
pub async fn list(
    state: &AppState,
    user_id: i32,
    library_id: i32,
) -> Result<Vec<CategoryInfo>, ApiError> {
    let (library, _) = access::library(state, user_id, library_id, Need::Member).await?;
    infos(state, &library).await
}

/// The categories page: the categories, the genres a rule can choose from, and whether the
/// caller may change them.
pub async fn overview(
    state: &AppState,
    user_id: i32,
    library_id: i32,
) -> Result<CategoriesOverview, ApiError> {
    let (library, role) = access::library(state, user_id, library_id, Need::Member).await?;
    let catalog = state
        .catalogs
        .get(&state.db, library.id, &library.path)
        .await?;
    let categories = infos_in(state, &library, &catalog).await?;
    Ok(CategoriesOverview {
        library_id: library.id,
        library_name: library.name,
        categories,
        genres: catalog.genres.iter().map(|g| g.name.clone()).collect(),
        can_manage: Need::Manage.met_by(role),
    })
}

async fn infos(state: &AppState, library: &library::Model) -> Result<Vec<CategoryInfo>, ApiError> {
    let catalog = state
        .catalogs
        .get(&state.db, library.id, &library.path)
        .await?;
    infos_in(state, library, &catalog).await
}

/// The categories with their counts taken from `catalog`, the library's catalogue.
async fn infos_in(
    state: &AppState,
    library: &library::Model,
    catalog: &crate::catalog::Catalog,
) -> Result<Vec<CategoryInfo>, ApiError> {
    let rows = category::Entity::find()
        .filter(category::Column::LibraryId.eq(library.id))
        .order_by_asc(category::Column::Position)
        .order_by_asc(category::Column::Id)
        .all(&state.db)
        .await?;
    let picks: Vec<(i32, String)> = category_movie::Entity::find()
        .select_only()
        .column(category_movie::Column::CategoryId)
        .column(movie::Column::ImdbId)
        .inner_join(movie::Entity)
        .filter(category_movie::Column::CategoryId.is_in(rows.iter().map(|c| c.id)))
        .order_by_asc(category_movie::Column::Position)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut picked: HashMap<i32, Vec<String>> = HashMap::new();
    for (c, imdb) in picks {
        picked.entry(c).or_default().push(imdb);
    }
    Ok(rows
        .into_iter()
        .map(|c| CategoryInfo {
            count: catalog
                .categories
                .iter()
                .find(|g| g.id == c.id)
                .map_or(0, |g| g.movies.len() as u32),
            row: RowId::Category(c.id).to_string(),
            movies: picked.remove(&c.id).unwrap_or_default(),
            rule: c.rule.as_deref().and_then(|r| serde_json::from_str(r).ok()),
            id: c.id,
            library_id: c.library_id,
            name: c.name,
            icon: c.icon,
        })
        .collect())
}

async fn info(
    state: &AppState,
    library: &library::Model,
    category_id: i32,
) -> Result<CategoryInfo, ApiError> {
    infos(state, library)
        .await?
        .into_iter()
        .find(|c| c.id == category_id)
        .ok_or_else(category_not_found)
}

/// The rule with its genres spelt as the database has them; a genre no movie has ever had
/// is refused, since it would keep the row empty.
async fn known_genres(
    db: &impl ConnectionTrait,
    rule: CategoryRule,
) -> Result<CategoryRule, ApiError> {
    if rule.genres.is_empty() {
        return Ok(rule);
    }
    let names: Vec<String> = genre::Entity::find()
        .select_only()
        .column(genre::Column::Name)
        .into_tuple()
        .all(db)
        .await?;
    let mut genres = Vec::with_capacity(rule.genres.len());
    for wanted in &rule.genres {
        let known = names
            .iter()
            .find(|n| n.to_lowercase() == wanted.to_lowercase())
            .ok_or_else(|| {
                ApiError::bad_request(
                    "unknown_genre",
                    format!(
                        "No movie here has the genre “{wanted}”. Known genres: {}.",
                        sorted(&names).join(", ")
                    ),
                )
            })?;
        genres.push(known.clone());
    }
    Ok(CategoryRule { genres, ..rule })
}

fn sorted(names: &[String]) -> Vec<String> {
    let mut names = names.to_vec();
    names.sort();
    names
}

/// The movie ids of `imdb_ids`, each of which must have a file in the library.
async fn library_movies(
    db: &impl ConnectionTrait,
    library_id: i32,
    imdb_ids: &[String],
) -> Result<Vec<i32>, ApiError> {
    if imdb_ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: HashMap<String, i32> = movie::Entity::find()
        .select_only()
        .column(movie::Column::ImdbId)
        .column(movie::Column::Id)
        .filter(movie::Column::ImdbId.is_in(imdb_ids.iter().cloned()))
        .filter(movie::Column::Id.in_subquery(movies_in(library_id)))
        .into_tuple::<(String, i32)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    imdb_ids
        .iter()
        .map(|id| {
            found.get(id).copied().ok_or_else(|| {
                ApiError::bad_request(
                    "movie_not_in_library",
                    format!("This library has no movie {id}."),
                )
            })
        })
        .collect()
}

/// Refuses a name another category of the library has (case ignored).
async fn check_name_free(
    db: &impl ConnectionTrait,
    library_id: i32,
    name: &str,
    except: Option<i32>,
) -> Result<(), ApiError> {
    let names: Vec<(i32, String)> = category::Entity::find()
        .select_only()
        .columns([category::Column::Id, category::Column::Name])
        .filter(category::Column::LibraryId.eq(library_id))
        .into_tuple()
        .all(db)
        .await?;
    if names
        .iter()
        .any(|(id, n)| Some(*id) != except && n.to_lowercase() == name.to_lowercase())
    {
        return Err(NameTaken(name.to_owned()).into());
    }
    Ok(())
}

/// The input checked against the rules and the database: (category, rule JSON, movie ids
/// when the movies are given).
async fn prepare(
    db: &impl ConnectionTrait,
    library_id: i32,
    input: &CategoryInput,
    except: Option<i32>,
) -> Result<(CheckedCategory, Option<String>, Option<Vec<i32>>), ApiError> {
    let checked = input.check().map_err(rule_error)?;
    check_name_free(db, library_id, &checked.name, except).await?;
    let rule = match checked.rule.clone() {
        Some(rule) => {
            let rule = known_genres(db, rule).await?;
            Some(serde_json::to_string(&rule).map_err(ApiError::internal)?)
        }
        None => None,
    };
    let movies = match &checked.movies {
        Some(ids) => Some(library_movies(db, library_id, ids).await?),
        None => None,
    };
    Ok((checked, rule, movies))
}

/// Replaces a category's hand-picked movies with `movies`, in that order.
async fn store_movies(
    db: &impl ConnectionTrait,
    category_id: i32,
    movies: &[i32],
) -> Result<(), ApiError> {
    category_movie::Entity::delete_many()
        .filter(category_movie::Column::CategoryId.eq(category_id))
        .exec(db)
        .await?;
    if movies.is_empty() {
        return Ok(());
    }
    category_movie::Entity::insert_many(movies.iter().enumerate().map(|(i, &movie_id)| {
        category_movie::ActiveModel {
            category_id: Set(category_id),
            movie_id: Set(movie_id),
            position: Set(i as i32),
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// Makes a category, placed after the library's others.
pub async fn create(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    input: &CategoryInput,
) -> Result<CategoryInfo, ApiError> {
    let library = managed_library(state, user_id, library_id).await?;
    let (checked, rule, movies) = prepare(&state.db, library.id, input, None).await?;
    let last: Option<i32> = category::Entity::find()
        .select_only()
        .column_as(category::Column::Position.max(), "max")
        .filter(category::Column::LibraryId.eq(library.id))
        .into_tuple::<Option<i32>>()
        .one(&state.db)
        .await?
        .flatten();
    let write = Write::begin(state).await?;
    write.touch(Cache::Catalog);
    let txn = write.db();
    let row = category::ActiveModel {
        library_id: Set(library.id),
        name: Set(checked.name.clone()),
        icon: Set(checked.icon.clone()),
        rule: Set(rule),
        position: Set(last.map_or(0, |p| p + 1)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    store_movies(txn, row.id, movies.as_deref().unwrap_or_default()).await?;
    write.commit().await?;
    tracing::info!(library = library.id, category = row.id, name = %row.name, "category created");
    info(state, &library, row.id).await
}

/// Replaces a category's name, icon and rule; hand-picked movies are replaced when given
/// and dropped when the category becomes a rule.
pub async fn replace(
    state: &AppState,
    user_id: i32,
    category_id: i32,
    input: &CategoryInput,
) -> Result<CategoryInfo, ApiError> {
    let (found, library) = managed_category(state, user_id, category_id).await?;
    let (checked, rule, movies) = prepare(&state.db, library.id, input, Some(found.id)).await?;
    let write = Write::begin(state).await?;
    write.touch(Cache::Catalog);
    let txn = write.db();
    let becomes_rule = rule.is_some();
    let mut row: category::ActiveModel = found.into();
    row.name = Set(checked.name);
    row.icon = Set(checked.icon);
    row.rule = Set(rule);
    let row = row.update(txn).await?;
    if becomes_rule {
        store_movies(txn, row.id, &[]).await?;
    } else if let Some(movies) = movies {
        store_movies(txn, row.id, &movies).await?;
    }
    write.commit().await?;
    info(state, &library, row.id).await
}

/// The ids of the library's categories, in row order.
async fn order_of(db: &impl ConnectionTrait, library_id: i32) -> Result<Vec<i32>, DbErr> {
    category::Entity::find()
        .select_only()
        .column(category::Column::Id)
        .filter(category::Column::LibraryId.eq(library_id))
        .order_by_asc(category::Column::Position)
        .order_by_asc(category::Column::Id)
        .into_tuple::<i32>()
        .all(db)
        .await
}

/// Numbers the categories `ids` 0, 1, 2, ... in that order.
async fn store_order(db: &impl ConnectionTrait, ids: &[i32]) -> Result<(), DbErr> {
    for (position, id) in ids.iter().enumerate() {
        category::Entity::update_many()
            .col_expr(category::Column::Position, Expr::value(position as i32))
            .filter(category::Column::Id.eq(*id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Puts the library's categories in the order given (owner and managers): every one of them,
/// each once, first row first. Returns them in their new order.
pub async fn reorder(
    state: &AppState,
    user_id: i32,
    library_id: i32,
    ids: &[i32],
) -> Result<Vec<CategoryInfo>, ApiError> {
    let library = managed_library(state, user_id, library_id).await?;
    let write = Write::begin(state).await?;
    write.touch(Cache::Catalog);
    let txn = write.db();
    let current = order_of(txn, library.id).await?;
    domain::categories::check_order(&current, ids)
        .map_err(|e| ApiError::bad_request(e.code(), e.message()))?;
    store_order(txn, ids).await?;
    write.commit().await?;
    tracing::info!(library = library.id, ?ids, "categories reordered");
    infos(state, &library).await
}

/// Moves one category `by` rows (negative: up), stopping at the top or the bottom.
pub async fn shift(
    state: &AppState,
    user_id: i32,
    category_id: i32,
    by: i32,
) -> Result<(), ApiError> {
    let (found, library) = managed_category(state, user_id, category_id).await?;
    let write = Write::begin(state).await?;
    write.touch(Cache::Catalog);
    let txn = write.db();
    let current = order_of(txn, library.id).await?;
    let order = domain::categories::moved(&current, found.id, by).ok_or_else(category_not_found)?;
    if order == current {
        return Ok(()); // already at the top (or bottom)
    }
    store_order(txn, &order).await?;
    write.commit().await?;
    tracing::info!(
        library = library.id,
        category = found.id,
        by,
        "category moved"
    );
    Ok(())
}

/// Removes a category (the movies stay).
pub async fn remove(state: &AppState, user_id: i32, category_id: i32) -> Result<(), ApiError> {
    let (found, library) = managed_category(state, user_id, category_id).await?;
    let write = Write::begin(state).await?;
    category::Entity::delete_by_id(found.id)
        .exec(write.db())
        .await?;
    write.touch(Cache::Catalog);
    write.commit().await?;
    tracing::info!(library = library.id, category = found.id, name = %found.name, "category removed");
    Ok(())
}

/// Puts a movie of the library into a hand-picked category (at the end) or takes it out.
/// Both are idempotent.
pub async fn set_movie(
    state: &AppState,
    user_id: i32,
    category_id: i32,
    imdb_id: &domain::ImdbId,
    included: bool,
) -> Result<CategoryInfo, ApiError> {
    let (found, library) = managed_category(state, user_id, category_id).await?;
    if found.rule.is_some() {
        return Err(ApiError::bad_request(
            "category_has_rule",
            "This category follows a rule; its movies cannot be picked by hand.",
        ));
    }
    let movie_id = library_movies(&state.db, library.id, &[imdb_id.to_string()]).await?[0];
    let write = Write::begin(state).await?;
    let db = write.db();
    let existing = category_movie::Entity::find_by_id((found.id, movie_id))
        .one(db)
        .await?;
    match (included, existing) {
        (true, None) => {
            let last: Option<i32> = category_movie::Entity::find()
                .select_only()
                .column_as(category_movie::Column::Position.max(), "max")
                .filter(category_movie::Column::CategoryId.eq(found.id))
                .into_tuple::<Option<i32>>()
                .one(db)
                .await?
                .flatten();
            category_movie::ActiveModel {
                category_id: Set(found.id),
                movie_id: Set(movie_id),
                position: Set(last.map_or(0, |p| p + 1)),
            }
            .insert(db)
            .await?;
            write.touch(Cache::Catalog);
        }
        (false, Some(row)) => {
            category_movie::Entity::delete_by_id((row.category_id, row.movie_id))
                .exec(db)
                .await?;
            write.touch(Cache::Catalog);
        }
        // Already as asked: nothing to store, and the home rows stay as they are.
        _ => {}
    }
    write.commit().await?;
    info(state, &library, found.id).await
}

/// A library's hand-picked categories and whether the movie is in each, for the movie page
/// of a manager (the caller has checked the role).
pub(crate) async fn of_movie(
    state: &AppState,
    library: &library::Model,
    imdb_id: &str,
) -> Result<Vec<MovieCategory>, ApiError> {
    Ok(infos(state, library)
        .await?
        .into_iter()
        .filter(|c| c.rule.is_none())
        .map(|c| MovieCategory {
            id: c.id,
            title: row_title(&c.name, c.icon.as_deref()),
            included: c.movies.iter().any(|m| m == imdb_id),
        })
        .collect())
}
