"""The foundation schema (migrations 00xx): SQL text only; `kiosk.store.migrations` lists which
migration runs it."""

INITIAL = """
-- This kiosk's identity and the head of its hash chain. Exactly one row.
create table device_state (
    id integer primary key check (id = 1),
    device_id text not null,
    last_seq integer not null,
    last_hash text not null,
    -- retention: records up to anchor_seq were purged; anchor_hash is the hash of that record
    anchor_seq integer not null default 0,
    anchor_hash text not null
);

-- The audit chain: every record of every kind, gap-free seq, each carrying the previous hash.
create table journal (
    seq integer primary key,
    uuid text not null unique,
    kind text not null,
    created_at text not null,
    body text not null,
    prev_hash text not null,
    hash text not null
);
create index journal_kind_created on journal (kind, created_at);

-- Transactional outbox: one row per journal record, written in the same transaction.
create table outbox (
    seq integer primary key references journal (seq),
    state text not null default 'pending'
        check (state in ('pending', 'claimed', 'sent', 'failed')),
    attempts integer not null default 0,
    next_attempt_at text,
    claimed_at text,
    batch_id text,
    last_error text,
    acked_at text
);
create index outbox_state on outbox (state, seq);

-- People: residents (roster) and registered visitors. ID numbers and phones are never
-- stored in clear: a ciphertext, a keyed hash for look-ups and a masked form for screens.
create table people (
    id integer primary key,
    uuid text not null unique,
    kind text not null check (kind in ('resident', 'visitor', 'staff')),
    name text not null,
    id_type text,
    id_cipher blob,
    id_hash text,
    id_masked text,
    phone_cipher blob,
    phone_hash text,
    phone_masked text,
    building text,
    unit text,
    room text,
    origin_region text,
    key_groups text not null default '[]',
    source text not null default 'local',
    created_at text not null,
    updated_at text not null
);
create index people_id_hash on people (id_hash);
create index people_name on people (name);

-- One row per gate pass (projection of a 'gate_entry' journal record, for queries).
create table gate_entries (
    record_uuid text primary key references journal (uuid),
    seq integer not null references journal (seq),
    created_at text not null,
    direction text not null check (direction in ('in', 'out')),
    person_kind text not null,
    person_uuid text,
    code_format text,
    code_status text,
    code_colour text,
    colour_source text,
    temperature_c real,
    fever_confirmed integer not null default 0,
    outcome text not null check (outcome in ('pass', 'deny', 'review')),
    reasons text not null default '[]',
    override_reason text,
    guard text
);
create index gate_entries_created on gate_entries (created_at);

-- Temperature readings (projection of 'temperature' journal records).
create table temperature_readings (
    record_uuid text primary key references journal (uuid),
    seq integer not null references journal (seq),
    created_at text not null,
    entry_uuid text,
    value_c real,
    method text not null,
    classification text not null,
    valid integer not null
);
create index temperature_created on temperature_readings (created_at);

-- Every sync attempt, read by admins on the kiosk and on the server.
create table sync_log (
    id integer primary key,
    at text not null,
    direction text not null check (direction in ('upload', 'pull', 'check')),
    batch_id text,
    records integer not null default 0,
    bytes integer not null default 0,
    duration_ms real not null default 0,
    http_status integer,
    error text
);
create index sync_log_at on sync_log (at);

-- Bundles pulled from the central server (trust list, roster, risk areas, policy).
create table bundles (
    id integer primary key,
    etag text,
    fetched_at text not null,
    applied_at text,
    body text not null
);
"""


SHARED_TABLES = """
-- Unverified cn-token codes waiting for the online re-check. The token is kept only
-- until it has been re-checked (then the row is deleted).
create table pending_rechecks (
    entry_uuid text primary key references journal (uuid),
    created_at text not null,
    qr_text text,
    id_cipher blob,
    attested_colour text,
    attempts integer not null default 0,
    last_error text
);

-- Alerts for the admin (projection of 'alert' journal records): re-check mismatch,
-- confirmed fever, unsynced records past retention.
create table alerts (
    record_uuid text primary key references journal (uuid),
    created_at text not null,
    kind text not null,
    entry_uuid text,
    message text not null,
    acknowledged_at text
);
create index alerts_created on alerts (created_at);

-- Risk areas from the central bundle (region code per GB/T 2260).
create table risk_areas (
    region_code text primary key,
    level text not null check (level in ('low', 'medium', 'high')),
    since text not null
);

-- Small named values the kiosk keeps between runs (mode set by the admin, lock-outs).
create table kiosk_state (
    key text primary key,
    value text not null,
    updated_at text not null
);
"""

