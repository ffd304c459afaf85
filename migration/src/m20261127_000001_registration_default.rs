//! Registration used to stay open after the first account unless the administrator closed it;
//! new servers now start with it closed. A database that already has accounts and no explicit
//! setting is given "open" here, so an upgrade does not close registration behind its
//! administrator's back. (A database without accounts is treated as a new server.)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OPEN_REGISTRATION: &str = "open_registration";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let has_users = db
            .query_one(
                &Query::select()
                    .column(Users::Id)
                    .from(Users::Table)
                    .limit(1)
                    .to_owned(),
            )
            .await?
            .is_some();
        let has_setting = db
            .query_one(
                &Query::select()
                    .column(InstanceSettings::Key)
                    .from(InstanceSettings::Table)
                    .and_where(Expr::col(InstanceSettings::Key).eq(OPEN_REGISTRATION))
                    .to_owned(),
            )
            .await?
            .is_some();
        if has_users && !has_setting {
            db.execute(
                &Query::insert()
                    .into_table(InstanceSettings::Table)
                    .columns([
                        InstanceSettings::Key,
                        InstanceSettings::Value,
                        InstanceSettings::UpdatedAt,
                    ])
                    .values_panic([
                        OPEN_REGISTRATION.into(),
                        "true".into(),
                        Expr::current_timestamp(),
                    ])
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    /// The explicit "open" is what the server had before; it stays.
    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum InstanceSettings {
    Table,
    Key,
    Value,
    UpdatedAt,
}
