//! Filling stores: a feed (one source of a store's events, such as one account's event log)
//! appends events and moves its cursor in the same transaction, so an event is ingested exactly
//! once however often a feed is run, stopped or raced.

use rusqlite::{OptionalExtension, params};

use crate::udf::format_timestamp;
use crate::{Lake, LakeError};

/// One event for a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeEvent {
    /// Its position in the feed's source (unique within the store).
    pub seq: i64,
    /// `eventTime` in ms since the epoch.
    pub time_ms: i64,
    /// The CloudTrail record.
    pub record_json: String,
}

/// How many events and record bytes a store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreSize {
    /// Events.
    pub events: i64,
    /// Bytes of records.
    pub bytes: i64,
}

impl Lake {
    /// The position `feed` has ingested through, when it has started.
    pub fn cursor(&self, feed: &str) -> Result<Option<i64>, LakeError> {
        Ok(self
            .writer()
            .query_row("SELECT seq FROM lake_cursor WHERE feed = ?1", [feed], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Appends `events` to `store` and moves `feed` from `from` to `through` (starting it at
    /// `from` when it has not started), in one transaction. Fails with
    /// [`LakeError::CursorMoved`], writing nothing, when the feed is not at `from`.
    pub fn ingest(
        &self,
        store: &str,
        feed: &str,
        from: i64,
        through: i64,
        events: &[LakeEvent],
    ) -> Result<(), LakeError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let key = store_key(&tx, store, true)?.unwrap_or_default();
        let bytes: i64 = events.iter().map(|e| e.record_json.len() as i64).sum();
        tx.execute(
            "INSERT OR IGNORE INTO lake_cursor (feed, store, seq) VALUES (?1, ?2, ?3)",
            params![feed, store, from],
        )?;
        let moved = tx.execute(
            "UPDATE lake_cursor SET seq = ?1, events = events + ?2, bytes = bytes + ?3 \
             WHERE feed = ?4 AND seq = ?5",
            params![through, events.len() as i64, bytes, feed, from],
        )?;
        if moved != 1 {
            return Err(LakeError::CursorMoved(feed.to_owned()));
        }
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO lake_event (store, seq, etime, record) VALUES (?1, ?2, ?3, jsonb(?4))",
            )?;
            for event in events {
                insert.execute(params![
                    key,
                    event.seq,
                    event_time(event.time_ms),
                    event.record_json
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes a store's events and feeds (a store deleted for good).
    pub fn drop_store(&self, store: &str) -> Result<(), LakeError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        if let Some(key) = store_key(&tx, store, false)? {
            tx.execute("DELETE FROM lake_event WHERE store = ?1", [key])?;
            tx.execute("DELETE FROM lake_store WHERE key = ?1", [key])?;
        }
        tx.execute("DELETE FROM lake_cursor WHERE store = ?1", [store])?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes up to `limit` of a store's events older than `before_ms` (retention); returns how
    /// many went.
    pub fn prune(&self, store: &str, before_ms: i64, limit: usize) -> Result<usize, LakeError> {
        let conn = self.writer();
        let Some(key) = store_key(&conn, store, false)? else {
            return Ok(0);
        };
        let removed = conn.execute(
            "DELETE FROM lake_event WHERE id IN (SELECT id FROM lake_event \
             WHERE store = ?1 AND etime < ?2 LIMIT ?3)",
            params![key, event_time(before_ms), limit as i64],
        )?;
        Ok(removed)
    }

    /// Every store with a feed.
    pub fn stores(&self) -> Result<Vec<String>, LakeError> {
        let conn = self.writer();
        let mut stmt = conn.prepare("SELECT DISTINCT store FROM lake_cursor ORDER BY store")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// What a store holds (events ingested, pruning aside).
    pub fn store_size(&self, store: &str) -> Result<StoreSize, LakeError> {
        let conn = self.writer();
        Ok(conn.query_row(
            "SELECT coalesce(sum(events), 0), coalesce(sum(bytes), 0) FROM lake_cursor \
             WHERE store = ?1",
            [store],
            |r| {
                Ok(StoreSize {
                    events: r.get(0)?,
                    bytes: r.get(1)?,
                })
            },
        )?)
    }
}

/// Bits of an imported event's position given to its file and to its place in the file.
const IMPORT_FILE_BITS: u32 = 20;
const IMPORT_RECORD_BITS: u32 = 20;

/// The position of the `record`-th event of the `file`-th file of an import: negative, so
/// imported events never meet the event log's positions in a store. `None` past the limits
/// (about a million files per import and a million events per file).
pub fn import_seq(import_key: i64, file: i64, record: i64) -> Option<i64> {
    let fits = |v: i64, bits: u32| (0..1 << bits).contains(&v);
    if !fits(file, IMPORT_FILE_BITS) || !fits(record, IMPORT_RECORD_BITS) || !fits(import_key, 22) {
        return None;
    }
    let packed = (import_key << (IMPORT_FILE_BITS + IMPORT_RECORD_BITS))
        | (file << IMPORT_RECORD_BITS)
        | record;
    Some(-(packed + 1))
}

impl Lake {
    /// The small key that numbers the events of `id`, an import or (`channel:<id>`) a
    /// channel, below the event log's positions (made when missing).
    pub fn import_key(&self, id: &str) -> Result<i64, LakeError> {
        let conn = self.writer();
        store_key(&conn, &format!("import:{id}"), true)?
            .ok_or_else(|| LakeError::CursorMoved(id.to_owned()))
    }
}

/// The key of store `name` in `lake_store` (made when `create` and missing).
pub(crate) fn store_key(
    conn: &rusqlite::Connection,
    name: &str,
    create: bool,
) -> Result<Option<i64>, LakeError> {
    if create {
        conn.execute(
            "INSERT OR IGNORE INTO lake_store (name) VALUES (?1)",
            [name],
        )?;
    }
    Ok(conn
        .query_row("SELECT key FROM lake_store WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?)
}

/// `eventTime` as the `etime` column holds it: whole seconds, as the record says it
/// (`2024-05-01T12:00:00Z`), so the column and `eventjson` never disagree.
fn event_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms.div_euclid(1000) * 1000)
        .map(|t| format_timestamp(&t.naive_utc()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;

    fn event(seq: i64) -> LakeEvent {
        LakeEvent {
            seq,
            time_ms: 1_700_000_000_000 + seq * 1000,
            record_json: format!(r#"{{"eventID":"e{seq}","eventName":"Get"}}"#),
        }
    }

    #[test]
    fn imported_positions_are_negative_and_distinct() {
        let mut seen = std::collections::BTreeSet::new();
        for key in [1, 2, (1 << 22) - 1] {
            for file in [0, 1, (1 << 20) - 1] {
                for record in [0, 1, (1 << 20) - 1] {
                    let seq = import_seq(key, file, record).unwrap();
                    assert!(seq < 0);
                    assert!(seen.insert(seq));
                }
            }
        }
        assert_eq!(import_seq(1, 1 << 20, 0), None);
        assert_eq!(import_seq(1, 0, -1), None);
        assert_eq!(import_seq(1 << 22, 0, 0), None);
    }

    #[test]
    fn a_feed_ingests_each_event_once() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(&dir.path().join("lake.db"), Limits::default()).unwrap();
        assert_eq!(lake.cursor("s/1").unwrap(), None);
        lake.ingest("s", "s/1", 0, 2, &[event(1), event(2)])
            .unwrap();
        assert_eq!(lake.cursor("s/1").unwrap(), Some(2));
        // A second run from the old cursor is refused and writes nothing.
        let again = lake.ingest("s", "s/1", 0, 2, &[event(1), event(2)]);
        assert!(matches!(again, Err(LakeError::CursorMoved(_))));
        lake.ingest("s", "s/1", 2, 5, &[event(4)]).unwrap();
        let size = lake.store_size("s").unwrap();
        assert_eq!(size.events, 3);
        assert_eq!(lake.stores().unwrap(), vec!["s".to_owned()]);
        assert_eq!(lake.prune("s", 1_700_000_003_000, 100).unwrap(), 2);
        lake.drop_store("s").unwrap();
        assert_eq!(lake.cursor("s/1").unwrap(), None);
        assert!(lake.stores().unwrap().is_empty());
    }
}
