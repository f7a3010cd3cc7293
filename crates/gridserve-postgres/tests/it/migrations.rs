//! Schema versioning: fresh databases, reopening, instances starting together, newer and
//! foreign schemas, failed steps.

use gridserve_core::ports::EventStore;
use gridserve_postgres::schema::{MIGRATIONS, SCHEMA_VERSION, Step};
use gridserve_postgres::{PgError, PgOptions, PostgresStore};

use crate::{TestDb, event, t};

/// The rows of `schema.gridserve_migrations`: (version, description).
fn applied(db: &TestDb, schema: &str) -> Vec<(i32, String)> {
    db.raw()
        .query(
            &format!(
                "SELECT version, description FROM {schema}.gridserve_migrations ORDER BY version"
            ),
            &[],
        )
        .expect("version table")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[test]
fn a_fresh_database_gets_the_current_schema_and_reopens_unchanged() {
    let db = TestDb::new();
    {
        let mut s = db.store();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        s.append("s", 0, &[event("e", t(0))], &[]).unwrap();
    }
    let rows = applied(&db, "gridserve");
    assert_eq!(rows.len() as i64, SCHEMA_VERSION);
    assert_eq!(rows[0], (1, MIGRATIONS[0].description.to_string()));
    let s = db.store();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.version("s").unwrap(), 1);
    assert_eq!(applied(&db, "gridserve"), rows, "reopening applies nothing");
    // The tables are in the schema, not in public.
    let public: i64 = db
        .raw()
        .query_one(
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(public, 0);
}

#[test]
fn instances_starting_together_migrate_once() {
    let db = TestDb::new();
    let url = db.url().to_string();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || PostgresStore::connect(&url).map(|s| s.schema_version()))
        })
        .collect();
    for h in handles {
        let version = h
            .join()
            .expect("thread")
            .expect("connect")
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
    }
    assert_eq!(applied(&db, "gridserve").len() as i64, SCHEMA_VERSION);
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let db = TestDb::new();
    drop(db.store());
    let newer = i32::try_from(SCHEMA_VERSION + 1).unwrap();
    db.raw()
        .execute(
            "INSERT INTO gridserve.gridserve_migrations (version, description) VALUES ($1, 'from the future')",
            &[&newer],
        )
        .unwrap();
    let before = applied(&db, "gridserve");
    match PostgresStore::connect(db.url()) {
        Err(PgError::SchemaTooNew {
            schema,
            found,
            supported,
        }) => {
            assert_eq!(schema, "gridserve");
            assert_eq!(found, i64::from(newer));
            assert_eq!(supported, SCHEMA_VERSION);
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    assert_eq!(applied(&db, "gridserve"), before);
}

#[test]
fn another_applications_schema_is_refused_and_untouched() {
    let db = TestDb::new();
    db.raw()
        .batch_execute("CREATE TABLE public.customers (id TEXT PRIMARY KEY, name TEXT)")
        .unwrap();
    let options = PgOptions {
        schema: "public".into(),
        ..PgOptions::default()
    };
    assert!(matches!(
        PostgresStore::connect_with(db.url(), &options),
        Err(PgError::ForeignSchema { ref schema, tables: 1 }) if schema == "public"
    ));
    let tables: Vec<String> = db
        .raw()
        .query(
            "SELECT tablename::TEXT FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tables, ["customers"]);
    // The default schema of the same database is free.
    assert_eq!(db.store().schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn a_failed_step_leaves_the_previous_version_and_a_later_step_applies() {
    let db = TestDb::new();
    let bad = Step {
        description: "fails halfway",
        sql: "CREATE TABLE half (x INT); SELECT 1 / 0;",
    };
    let steps = [MIGRATIONS[0], bad];
    match PostgresStore::connect_steps(db.url(), &PgOptions::default(), &steps) {
        Err(PgError::Migration { to_version, detail }) => {
            assert_eq!(to_version, 2);
            assert!(detail.contains("22012"), "division by zero: {detail}");
        }
        other => panic!("expected a migration error, got {other:?}"),
    }
    // Step 1 was committed on its own; step 2 left nothing behind.
    assert_eq!(applied(&db, "gridserve").len(), 1);
    let half: i64 = db
        .raw()
        .query_one(
            "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'half'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(half, 0);

    let good = Step {
        description: "a note on each notice",
        sql: "ALTER TABLE outbox ADD COLUMN note TEXT;",
    };
    let s = PostgresStore::connect_steps(db.url(), &PgOptions::default(), &[MIGRATIONS[0], good])
        .expect("second step applies");
    assert_eq!(s.schema_version().unwrap(), 2);
    assert_eq!(
        applied(&db, "gridserve")[1],
        (2, "a note on each notice".into())
    );
    // This build knows one step: the schema is now too new for it.
    assert!(matches!(
        PostgresStore::connect(db.url()),
        Err(PgError::SchemaTooNew {
            found: 2,
            supported: 1,
            ..
        })
    ));
}

#[test]
fn two_schemas_in_one_database_are_two_stores() {
    let db = TestDb::new();
    let mut a = db.store();
    let mut b = db.store_with(&PgOptions {
        schema: "gridserve_b".into(),
        ..PgOptions::default()
    });
    a.append("s", 0, &[event("in-a", t(0))], &[]).unwrap();
    assert_eq!(b.version("s").unwrap(), 0);
    b.append("s", 0, &[event("in-b", t(0))], &[]).unwrap();
    assert_eq!(a.load("s", 0).unwrap()[0].event_type, "in-a");
    assert_eq!(b.load("s", 0).unwrap()[0].event_type, "in-b");
}
