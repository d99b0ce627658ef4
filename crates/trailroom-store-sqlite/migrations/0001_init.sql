-- Documents: every stored resource and identity, as JSON under (account, kind, id).
CREATE TABLE docs (
    account TEXT NOT NULL,
    kind    TEXT NOT NULL,
    id      TEXT NOT NULL,
    name    TEXT,
    parent  TEXT,
    body    TEXT NOT NULL,
    PRIMARY KEY (account, kind, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX docs_by_name ON docs (account, kind, name) WHERE name IS NOT NULL;
CREATE INDEX docs_by_parent ON docs (account, kind, parent) WHERE parent IS NOT NULL;
CREATE INDEX docs_by_id ON docs (kind, id);

-- The audit log. One row per recorded call; the columns Event history filters on are indexed
-- together with the time so every lookup attribute answers from an index.
CREATE TABLE events (
    seq           INTEGER PRIMARY KEY,
    event_id      TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    region        TEXT NOT NULL,
    event_time_ms INTEGER NOT NULL,
    event_name    TEXT NOT NULL,
    event_source  TEXT NOT NULL,
    username      TEXT,
    access_key_id TEXT,
    read_only     INTEGER NOT NULL,
    category      TEXT NOT NULL,
    record        TEXT NOT NULL
);
CREATE INDEX events_by_time ON events (account_id, region, category, event_time_ms, seq);
CREATE INDEX events_by_id ON events (event_id);
CREATE INDEX events_by_name ON events (account_id, region, event_name, event_time_ms, seq);
CREATE INDEX events_by_source ON events (account_id, region, event_source, event_time_ms, seq);
CREATE INDEX events_by_user ON events (account_id, region, username, event_time_ms, seq);
CREATE INDEX events_by_key ON events (account_id, region, access_key_id, event_time_ms, seq);
CREATE INDEX events_by_read_only ON events (account_id, region, read_only, event_time_ms, seq);

CREATE TABLE event_resources (
    seq           INTEGER NOT NULL,
    account_id    TEXT NOT NULL,
    region        TEXT NOT NULL,
    event_time_ms INTEGER NOT NULL,
    resource_type TEXT NOT NULL,
    resource_name TEXT NOT NULL
);
CREATE INDEX event_resources_by_seq ON event_resources (seq);
CREATE INDEX event_resources_by_type ON event_resources (account_id, region, resource_type, event_time_ms, seq);
CREATE INDEX event_resources_by_name ON event_resources (account_id, region, resource_name, event_time_ms, seq);
