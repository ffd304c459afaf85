//! The monitor page's figures (rules and counting in `backend::monitor`).

use crate::error::AppError;
use domain::monitor::MonitorReport;
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "monitor", output = crate::api::codec::Json)]
pub async fn get_monitor() -> Result<MonitorReport, AppError> {
    use super::server::*;
    let user = require_user()?;
    Ok(backend::monitor::report(&state()?, user.id, user.is_admin, None).await?)
}
