//! Migrations run up, down and up again cleanly on the backend under test.

use migration::{Migrator, MigratorTrait};
use pingan_tests::TestDb;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

async fn user_tables(db: &DatabaseConnection) -> Vec<String> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations' ORDER BY name"
        }
        _ => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'seaql_migrations' ORDER BY tablename"
        }
    };
    let rows = db.query_all_raw(Statement::from_string(backend, sql)).await.expect("list tables");
    rows.iter().map(|r| r.try_get::<String>("", "name").expect("name")).collect()
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let test_db = TestDb::create().await;
    let db = pingan::db::connect(&test_db.url).await.expect("connect");

    Migrator::up(&db, None).await.expect("up");
    let created = user_tables(&db).await;
    for table in [
        "town",
        "village",
        "org_unit",
        "app_user",
        "session",
        "person",
        "venue",
        "lead",
        "risk_item",
        "task",
        "audit_log",
    ] {
        assert!(created.iter().any(|t| t == table), "{table} missing after up: {created:?}");
    }
    assert!(pingan::db::migrations_current(&db).await.unwrap());

    Migrator::down(&db, None).await.expect("down");
    assert_eq!(user_tables(&db).await, Vec::<String>::new(), "down leaves no table behind");
    assert!(!pingan::db::migrations_current(&db).await.unwrap());

    Migrator::up(&db, None).await.expect("up again");
    assert_eq!(user_tables(&db).await, created);
    pingan::demo::load(&db).await.expect("the demo world loads into the migrated schema");
    db.close().await.ok();
}
