//! Copying every row from one database into another, empty one: SQLite to PostgreSQL when a
//! household outgrows a file, or back. Used by `ott db copy` and by `ott restore`.

use crate::entities::prelude::*;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, Iterable, PaginatorTrait, PrimaryKeyToColumn, PrimaryKeyTrait,
    TransactionTrait,
};

/// Rows per INSERT: well under SQLite's and PostgreSQL's limits on bound parameters.
const BATCH: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(
        "the target database is not empty: {table} has {rows} rows (copy into a new, empty database)"
    )]
    TargetNotEmpty { table: String, rows: u64 },
    #[error("copying {table}: {source}")]
    Table { table: String, source: DbErr },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Rows copied per table, in copy order.
pub type Copied = Vec<(String, u64)>;

/// Every table, parents before children, so foreign keys hold at each insert. Not copied:
/// `rate_limits` (recent login attempts), `instances` (the servers running now) and
/// `playback_sessions` (players open now), which describe the running servers, not the
/// household's data.
macro_rules! each_table {
    ($apply:ident, $($args:expr),*) => {{
        let mut out = Vec::new();
        out.push($apply::<User>($($args),*).await?);
        out.push($apply::<InstanceSetting>($($args),*).await?);
        out.push($apply::<Library>($($args),*).await?);
        out.push($apply::<UserSettings>($($args),*).await?);
        out.push($apply::<LibraryMember>($($args),*).await?);
        out.push($apply::<LibraryInvite>($($args),*).await?);
        out.push($apply::<Movie>($($args),*).await?);
        out.push($apply::<MovieFile>($($args),*).await?);
        out.push($apply::<MediaProbe>($($args),*).await?);
        out.push($apply::<UploadedFile>($($args),*).await?);
        out.push($apply::<Category>($($args),*).await?);
        out.push($apply::<CategoryMovie>($($args),*).await?);
        out.push($apply::<Collection>($($args),*).await?);
        out.push($apply::<CollectionMovie>($($args),*).await?);
        out.push($apply::<Genre>($($args),*).await?);
        out.push($apply::<MovieGenre>($($args),*).await?);
        out.push($apply::<MovieMove>($($args),*).await?);
        out.push($apply::<WatchProgress>($($args),*).await?);
        out.push($apply::<Session>($($args),*).await?);
        out.push($apply::<ApiToken>($($args),*).await?);
        out.push($apply::<TrafficMinute>($($args),*).await?);
        out
    }};
}

/// Copies all rows of `from` into `to`, both already migrated to the same schema. `to` must be
/// empty; everything goes in one transaction, so a failure leaves it empty again.
pub async fn copy_all(
    from: &DatabaseConnection,
    to: &DatabaseConnection,
) -> Result<Copied, CopyError> {
    each_table!(ensure_empty, to);
    let txn = to.begin().await?;
    let copied = each_table!(copy_table, from, &txn);
    if to.get_database_backend() == DatabaseBackend::Postgres {
        each_table!(reset_sequence, &txn);
    }
    txn.commit().await?;
    Ok(copied)
}

/// Rows per table, in copy order: to compare a copy with its source.
pub async fn count_all(db: &DatabaseConnection) -> Result<Copied, CopyError> {
    Ok(each_table!(count_table, db))
}

fn table<E: EntityTrait>() -> String {
    E::default().table_name().to_owned()
}

async fn count_table<E: EntityTrait>(db: &DatabaseConnection) -> Result<(String, u64), CopyError>
where
    E::Model: Sync,
{
    Ok((table::<E>(), E::find().count(db).await?))
}

async fn ensure_empty<E: EntityTrait>(db: &DatabaseConnection) -> Result<(), CopyError>
where
    E::Model: Sync,
{
    let rows = E::find().count(db).await?;
    if rows > 0 {
        return Err(CopyError::TargetNotEmpty {
            table: table::<E>(),
            rows,
        });
    }
    Ok(())
}

async fn copy_table<E>(
    from: &DatabaseConnection,
    to: &impl ConnectionTrait,
) -> Result<(String, u64), CopyError>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let name = table::<E>();
    let failed = |source| CopyError::Table {
        table: name.clone(),
        source,
    };
    let rows = E::find().all(from).await.map_err(failed)?;
    let count = rows.len() as u64;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        // Every column is written as it was, ids included.
        let batch: Vec<E::ActiveModel> = rows
            .by_ref()
            .take(BATCH)
            .map(|row| row.into_active_model().reset_all())
            .collect();
        E::insert_many(batch)
            .exec_without_returning(to)
            .await
            .map_err(failed)?;
    }
    Ok((name, count))
}

/// Rows inserted with their ids leave a PostgreSQL sequence behind: move it past the largest.
async fn reset_sequence<E: EntityTrait>(db: &impl ConnectionTrait) -> Result<(), CopyError> {
    if !<E::PrimaryKey as PrimaryKeyTrait>::auto_increment() {
        return Ok(());
    }
    let Some(key) = E::PrimaryKey::iter().next() else {
        return Ok(());
    };
    let (table, column) = (table::<E>(), sea_orm::Iden::to_string(&key.into_column()));
    let sql = format!(
        "SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), \
         COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false)"
    );
    db.execute_unprepared(&sql).await?;
    Ok(())
}
