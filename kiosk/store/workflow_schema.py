"""Workflow tables (issue 5, migrations 05xx): visitors, guards and shifts, reports.

SQL text only: `kiosk.store.migrations` lists which migration runs it.
"""

WORKFLOW = """
-- What the gate pass decided beyond the foundation columns: which lane the code came
-- through, key-group and risk-area flags, and overrides (original outcome kept).
alter table gate_entries add column lane text not null default 'scan';
alter table gate_entries add column key_group integer not null default 0;
alter table gate_entries add column risk_level text;
alter table gate_entries add column overridden integer not null default 0;
alter table gate_entries add column original_outcome text;
create index gate_entries_person on gate_entries (person_uuid);

-- One row per visitor registration (projection of 'visitor' journal records).
create table visitor_registrations (
    record_uuid text primary key references journal (uuid),
    person_uuid text not null,
    created_at text not null,
    reason text not null,
    host_building text not null,
    host_unit text,
    host_room text,
    origin_region text,
    origin_name text,
    risk_level text,
    key_groups text not null default '[]'
);
create index visitor_registrations_created on visitor_registrations (created_at);

-- Guards on the duty roster. The duty phone is public (the notice asks for it); the
-- optional sign-in PIN is kept only as a salted scrypt hash.
create table guards (
    uuid text primary key,
    name text not null unique,
    duty_phone text not null default '',
    pin_hash text,
    active integer not null default 1,
    created_at text not null
);

-- Shifts (projection of 'shift_start' / 'shift_end' journal records).
create table duty_shifts (
    record_uuid text primary key references journal (uuid),
    guard_uuid text not null references guards (uuid),
    started_at text not null,
    ended_at text
);
create index duty_shifts_open on duty_shifts (ended_at, started_at);

-- Daily and zero reports as filed (projection of 'daily_report' journal records).
create table daily_reports (
    record_uuid text primary key references journal (uuid),
    day text not null,
    kind text not null check (kind in ('daily', 'zero')),
    created_at text not null,
    body text not null
);
create index daily_reports_day on daily_reports (day, created_at);
"""

