//! A library's categories: the categories page and the movie page's "In categories" boxes.

// save_category takes the form's fields one by one (the server macro generates the clients).
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use domain::categories::CategoriesOverview;
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "categories", output = crate::api::codec::Json)]
pub async fn get_categories(library: i32) -> Result<CategoriesOverview, AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::categories::overview(&state()?, user.id, library).await?)
}

/// Makes a category (no `id`) or replaces one, from the page's form. `kind` is `hand` or
/// `rule`; the rule's genres come comma-separated and its numbers as typed (empty: none).
#[server(prefix = "/api/fn", endpoint = "save_category", output = crate::api::codec::Json)]
pub async fn save_category(
    library: i32,
    id: Option<i32>,
    name: String,
    icon: Option<String>,
    kind: String,
    genres: Option<String>,
    year_from: Option<String>,
    year_to: Option<String>,
    min_rating: Option<String>,
) -> Result<String, AppError> {
    use super::server::*;
    use backend::ApiError;
    use domain::categories::{CategoryInput, CategoryRule};
    let user = require_user()?;
    let number = |text: &Option<String>, code: &'static str, what: &str| match text
        .as_deref()
        .map(str::trim)
    {
        None | Some("") => Ok(None),
        Some(t) => t.parse::<f64>().map(Some).map_err(|_| {
            AppError::from(ApiError::bad_request(code, format!("“{t}” is not {what}.")))
        }),
    };
    let year = |text: &Option<String>| -> Result<Option<i32>, AppError> {
        Ok(number(text, "invalid_years", "a year")?.map(|y| y as i32))
    };
    let rule = match kind.as_str() {
        "rule" => Some(CategoryRule {
            genres: genres
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_owned)
                .collect(),
            year_from: year(&year_from)?,
            year_to: year(&year_to)?,
            min_rating: number(&min_rating, "invalid_rating", "a rating")?,
        }),
        "hand" => None,
        other => {
            return Err(ApiError::bad_request(
                "invalid_kind",
                format!("“{other}” is not a kind of category; choose hand or rule."),
            )
            .into());
        }
    };
    let input = CategoryInput {
        name,
        icon,
        rule,
        movies: None,
    };
    let state = state()?;
    match id {
        Some(id) => backend::categories::replace(&state, user.id, id, &input).await?,
        None => backend::categories::create(&state, user.id, library, &input).await?,
    };
    Ok(go_to(&format!("/categories?library={library}")))
}

#[server(prefix = "/api/fn", endpoint = "delete_category", output = crate::api::codec::Json)]
pub async fn delete_category(library: i32, id: i32) -> Result<String, AppError> {
    use super::server::*;
    let user = require_user()?;
    backend::categories::remove(&state()?, user.id, id).await?;
    Ok(go_to(&format!("/categories?library={library}")))
}

/// Moves a category `by` rows on the home page (-1: up, 1: down), stopping at either end.
#[server(prefix = "/api/fn", endpoint = "move_category", output = crate::api::codec::Json)]
pub async fn move_category(library: i32, id: i32, by: i32) -> Result<String, AppError> {
    use super::server::*;
    let user = require_user()?;
    backend::categories::shift(&state()?, user.id, id, by).await?;
    Ok(go_to(&format!("/categories?library={library}")))
}

#[server(prefix = "/api/fn", endpoint = "set_in_category", output = crate::api::codec::Json)]
pub async fn set_in_category(id: i32, imdb_id: String, included: bool) -> Result<(), AppError> {
    use super::server::*;
    let user = require_user()?;
    let imdb_id = domain::ImdbId::parse(&imdb_id)?;
    backend::categories::set_movie(&state()?, user.id, id, &imdb_id, included).await?;
    Ok(())
}
