//! The periodic duty of a ledger record, in SQL: education talks for persons, inspections for
//! venues. Both follow one rule (`domain::levels::next_due`): the later of the last duty and
//! the day the level took effect, plus the level's interval, for ACTIVE records.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::enums::{AttentionLevel, RecordStatus};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement, SimpleExpr};
use sea_orm::{ActiveEnum, Condition, ConnectionTrait, DatabaseBackend, DbErr};
use uuid::Uuid;

use crate::domain::levels;

/// Where a ledger keeps its records and their duties.
pub struct Duty {
    /// The record table (`person`, `venue`): has `id`, `status`, `attention_level`, `level_since`.
    pub record: &'static str,
    /// The duty table (`person_talk`, `venue_inspection`).
    pub table: &'static str,
    /// Its column naming the record.
    pub record_id: &'static str,
    /// Its date column.
    pub on: &'static str,
    /// Days between duties at a level.
    pub interval: fn(AttentionLevel) -> i64,
    /// The record's column naming the officer who owes the duty, if it has one.
    pub officer: Option<&'static str>,
}

pub const TALKS: Duty = Duty {
    record: "person",
    table: "person_talk",
    record_id: "person_id",
    on: "talked_on",
    interval: levels::talk_interval_days,
    officer: Some("responsible_officer_id"),
};

pub const INSPECTIONS: Duty = Duty {
    record: "venue",
    table: "venue_inspection",
    record_id: "venue_id",
    on: "inspected_on",
    interval: levels::inspection_interval_days,
    officer: None,
};

const LEVELS: [AttentionLevel; 3] = [AttentionLevel::General, AttentionLevel::Key, AttentionLevel::Special];

impl Duty {
    fn col(&self, column: &str) -> Expr {
        Expr::col((Alias::new(self.record), Alias::new(column)))
    }

    /// A duty of the record in the outer query done on a day `when` accepts: a correlated
    /// subquery, which the index on (record, day) answers per record at any table size (an
    /// `IN` list of every record with a duty done would not fit in memory at a million rows).
    pub fn done(&self, when: impl FnOnce(Expr) -> SimpleExpr) -> SelectStatement {
        let done = Alias::new("done");
        Query::select()
            .expr(Expr::val(1))
            .from_as(Alias::new(self.table), done.clone())
            .and_where(
                Expr::col((done.clone(), Alias::new(self.record_id)))
                    .equals((Alias::new(self.record), Alias::new("id"))),
            )
            .and_where(when(Expr::col((done, Alias::new(self.on)))))
            .to_owned()
    }

    /// Records whose duty was due before `today`: for each level, the level took effect before
    /// the cut-off and no duty was done since it.
    pub fn overdue(&self, today: NaiveDate) -> Condition {
        let mut any = Condition::any();
        for level in LEVELS {
            let cutoff = today - chrono::Duration::days((self.interval)(level));
            any = any.add(
                Condition::all()
                    .add(self.col("status").eq(RecordStatus::Active.to_value()))
                    .add(self.col("attention_level").eq(level.to_value()))
                    .add(self.col("level_since").lt(cutoff))
                    .add(Expr::exists(self.done(|on| on.gte(cutoff))).not()),
            );
        }
        any
    }

    /// The date the next duty is due, as a sort key.
    pub fn next_due(&self, backend: DatabaseBackend) -> Expr {
        let (record, table, record_id, on) = (self.record, self.table, self.record_id, self.on);
        let mut interval = format!("CASE \"{record}\".\"attention_level\"");
        for level in [AttentionLevel::Special, AttentionLevel::Key] {
            interval.push_str(&format!(" WHEN '{}' THEN {}", level.to_value(), (self.interval)(level)));
        }
        interval.push_str(&format!(" ELSE {} END", (self.interval)(AttentionLevel::General)));
        let last = format!(
            "(SELECT MAX(\"d\".\"{on}\") FROM \"{table}\" \"d\" WHERE \"d\".\"{record_id}\" = \"{record}\".\"id\")"
        );
        let from = format!("\"{record}\".\"level_since\"");
        match backend {
            DatabaseBackend::Sqlite => {
                Expr::cust(format!("date(max(coalesce({last}, {from}), {from}), '+' || ({interval}) || ' days')"))
            }
            _ => Expr::cust(format!("(GREATEST(COALESCE({last}, {from}), {from}) + ({interval}))")),
        }
    }

    /// The date of the last duty done for each of `records` (absent when none was).
    pub async fn last_done(
        &self,
        db: &impl ConnectionTrait,
        records: &[Uuid],
    ) -> Result<HashMap<Uuid, NaiveDate>, DbErr> {
        let mut last: HashMap<Uuid, NaiveDate> = HashMap::new();
        for chunk in records.chunks(500) {
            let select = Query::select()
                .columns([Alias::new(self.record_id), Alias::new(self.on)])
                .from(Alias::new(self.table))
                .and_where(Expr::col(Alias::new(self.record_id)).is_in(chunk.iter().copied()))
                .to_owned();
            for row in db.query_all(&select).await? {
                let (record, on): (Uuid, NaiveDate) = (row.try_get("", self.record_id)?, row.try_get("", self.on)?);
                let entry = last.entry(record).or_insert(on);
                *entry = Ord::max(*entry, on);
            }
        }
        Ok(last)
    }
}
