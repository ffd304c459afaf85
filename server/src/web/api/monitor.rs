//! `GET /api/monitor`: storage, traffic, activity and server instances, for the admin and
//! library managers.

use crate::web::error::{ErrorBody, Failure};
use crate::web::extract::{CurrentUser, Params};
use axum::Json;
use axum::extract::State;
use backend::AppState;
use domain::monitor::MonitorReport;

/// Storage per library and filesystem (with a warning when space runs low), bytes received
/// and sent (since start, and per minute / hour / day), streams and uploads in progress, and
/// the server processes on the database. `?parts=storage,traffic,activity,instances` picks
/// parts; all by default. Owners and managers see their libraries' storage; the admin sees
/// every library, the data dir and the instances.
#[utoipa::path(get, path = "/api/monitor", tag = "server",
    params(("parts" = Option<String>, Query, description = "Comma-separated: storage, traffic, activity, instances")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = OK, body = MonitorReport),
        (status = BAD_REQUEST, description = "invalid_parts", body = ErrorBody),
        (status = FORBIDDEN, description = "Neither the admin nor an owner or manager of a library", body = ErrorBody),
        (status = UNAUTHORIZED, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn monitor(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    params: Params,
) -> Result<Json<MonitorReport>, Failure> {
    Ok(Json(
        backend::monitor::report(&state, user.id, user.is_admin, params.get("parts")).await?,
    ))
}
