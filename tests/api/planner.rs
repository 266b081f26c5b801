//! The planner settings every PostgreSQL connection of the pool is opened with
//! (`pingan::db::connect`): no JIT, and random reads priced for solid-state storage, without
//! which the dashboard's kept lead months were read by a scan of the whole table.

use pingan_tests::TestDb;
use sea_orm::{ConnectionTrait, Statement};

#[tokio::test]
async fn postgres_connections_plan_without_jit_and_for_solid_state_storage() {
    let test_db = TestDb::create().await;
    let db = pingan::db::connect(&test_db.url).await.expect("connect");
    if TestDb::backend() != "postgres" {
        return; // SQLite has no planner settings to give.
    }
    for (setting, expected) in [("jit", "off"), ("random_page_cost", "1.1")] {
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), format!("SHOW {setting}")))
            .await
            .expect("show")
            .expect("a row");
        let value: String = row.try_get_by_index(0).expect("the setting");
        assert_eq!(value, expected, "{setting}");
    }
}
