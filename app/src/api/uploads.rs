//! What the browser uploader asks besides the upload protocol itself (which it speaks over
//! the JSON API, like the CLI).

use crate::error::AppError;
use domain::api::UploadSpace;
use leptos::prelude::*;

/// Room for uploads in a library (uploaders only).
#[server(prefix = "/api/fn", endpoint = "upload_space", output = crate::api::codec::Json)]
pub async fn get_upload_space(library: i32) -> Result<UploadSpace, AppError> {
    use super::server::*;
    let user = require_user()?;
    let space = backend::uploads::space_for(&state()?, user.id, library)
        .await
        .map_err(backend::ApiError::from)?;
    Ok(space)
}
