"""Sync tables (migrations 06xx): the alerts' priority lane and home isolation from the bundle.

SQL text only: `kiosk.store.migrations` lists which migration runs it.
"""

LANE_SCHEMA = """
-- The alerts' priority lane: alert records waiting to go to the server ahead of the outbox's batches.
create table alert_lane (
    seq integer primary key references journal (seq),
    state text not null default 'pending' check (state in ('pending', 'sent', 'failed')),
    attempts integer not null default 0,
    last_error text,
    sent_at text
);
create index alert_lane_state on alert_lane (state, seq);

-- Home isolation from the bundle: look-up hash and masked forms; in force from start through end (local dates).
create table home_isolation (
    id integer primary key,
    id_hash text,
    person_uuid text,
    name_masked text not null default '',
    id_masked text not null default '',
    building text not null default '',
    unit text not null default '',
    room text not null default '',
    start_date text not null,
    end_date text not null
);
create index home_isolation_hash on home_isolation (id_hash);
create index home_isolation_person on home_isolation (person_uuid);
"""
