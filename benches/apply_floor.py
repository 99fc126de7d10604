#!/usr/bin/env python3
"""What moving N accounts costs SQLite itself, with no Rust, driver or binding in the way: the
floor under `cargo bench -p terrane-persistence --bench apply_moves`.

Every statement reads its rows from a staging table built before the clock starts. The script
times the writes the store makes when a realignment moves N accounts between two territories:
the move rows, closing the old history intervals, opening the new ones, the account-totals pass,
and the commit. It does the same for a leaner design (one move log plus a current-assignment
table). Both are set against the apply bench's baseline, a batched insert of N history-shaped
rows, run in the same round. The real tables' DDL comes from a database that `terrane migrate`
creates. Connection settings match the store's: WAL, synchronous=FULL, foreign keys on, and a
32 MiB page cache.

    python3 benches/apply_floor.py [N=100000] [ROUNDS=5]

Python links the system's SQLite. To time the SQLite the app links (libsqlite3-sys bundles it),
build that as a shared library and put it first on the library path:

    gcc -shared -fPIC -O2 -DSQLITE_THREADSAFE=1 ~/.cargo/registry/src/*/libsqlite3-sys-*/sqlite3/sqlite3.c \
        -o /tmp/sqlite/libsqlite3.so.0 -lpthread -lm
    LD_LIBRARY_PATH=/tmp/sqlite python3 benches/apply_floor.py
"""
import os
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
TENANT = b"\x01" * 16
T1, T2 = b"\xee" * 16, b"\xff" * 16


def ordered_id(prefix, i):
    """16 bytes that sort like UUIDv7s made in sequence."""
    return struct.pack(">QQ", prefix, i)


def real_ddl(work):
    """DDL of the tables a move writes, as the migrations create them."""
    url = f"sqlite://{work}/schema.db"
    migrate = subprocess.run(["cargo", "run", "-q", "--", "migrate", "--database-url", url],
                             capture_output=True, text=True)
    if migrate.returncode != 0:
        sys.exit(f"terrane migrate failed:\n{migrate.stderr}")
    db = sqlite3.connect(f"{work}/schema.db")
    rows = db.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name IN ('assignment_history', 'realignment_moves') "
        "AND sql IS NOT NULL ORDER BY type DESC").fetchall()
    return [r[0] for r in rows]


# Stand-ins for the parent tables the foreign keys check, with the real tables' keys.
PARENTS = """
CREATE TABLE tenants (id uuid_text PRIMARY KEY);
CREATE TABLE accounts (tenant_id uuid_text, id uuid_text, potential_hundredths integer,
    workload_hundredths integer, name text, PRIMARY KEY (tenant_id, id));
CREATE TABLE realignments (tenant_id uuid_text, id uuid_text, title text, PRIMARY KEY (tenant_id, id));
CREATE TABLE raw (tenant_id uuid_text NOT NULL, id uuid_text NOT NULL, account_id uuid_text NOT NULL,
    territory_id uuid_text NOT NULL, source varchar(16) NOT NULL, valid_from text NOT NULL,
    PRIMARY KEY (tenant_id, id));
CREATE TEMP TABLE plan (account_id blob, interval_id blob);
"""

# The leanest storage that still answers "where is it now" and "where was it at T": a move log
# clustered by realignment, with an as-of index, and one current row per account.
LEAN = """
CREATE TABLE moves (tenant_id blob NOT NULL, realignment_id blob NOT NULL, account_id blob NOT NULL,
    from_territory_id blob, from_source text, from_rule_id blob, from_pinned bool NOT NULL,
    to_territory_id blob, to_source text, to_rule_id blob, to_pinned bool NOT NULL,
    valid_from text NOT NULL, PRIMARY KEY (tenant_id, realignment_id, account_id)) WITHOUT ROWID;
CREATE INDEX moves_as_of ON moves (tenant_id, account_id, valid_from);
CREATE TABLE current (tenant_id blob NOT NULL, account_id blob NOT NULL, territory_id blob NOT NULL,
    source text NOT NULL, rule_id blob, pinned bool NOT NULL, since text NOT NULL,
    realignment_id blob NOT NULL, PRIMARY KEY (tenant_id, account_id)) WITHOUT ROWID;
CREATE INDEX current_territory ON current (tenant_id, territory_id);
"""


def open_db(path, schema):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "cache_size=-32768"):
        db.execute(f"PRAGMA {pragma}")
    db.executescript(PARENTS)
    for statement in schema:
        db.execute(statement)
    db.execute("INSERT INTO tenants VALUES (?)", (TENANT,))
    db.execute("BEGIN")
    db.executemany("INSERT INTO accounts VALUES (?, ?, ?, ?, ?)",
                   ((TENANT, ordered_id(1, i), i % 1000 * 100, i % 40 * 100, f"Account {i}")
                    for i in range(N)))
    db.execute("COMMIT")
    return db


def stage(db, round_no):
    """The round's moves, outside the clock: every account, with the id of its new interval."""
    db.execute("DELETE FROM plan")
    db.executemany("INSERT INTO plan VALUES (?, ?)",
                   ((ordered_id(1, i), ordered_id(100 + round_no, i)) for i in range(N)))


def timed(steps, name, db, sql, args=()):
    started = time.perf_counter()
    db.execute(sql, args)
    steps[name] = time.perf_counter() - started


def current_round(db, round_no, source, target):
    """The statements the store runs (applied_moves::write, account_totals::add_moves_of)."""
    rid, at = bytes([round_no]) * 16, f"2026-11-28T03:{round_no:02}:00.000000+00:00"
    db.execute("INSERT INTO realignments VALUES (?, ?, 'move')", (TENANT, rid))
    stage(db, round_no)
    steps = {}
    db.execute("BEGIN")
    timed(steps, "move rows", db,
          "INSERT INTO realignment_moves (tenant_id, realignment_id, account_id, from_territory_id, "
          "from_source, from_rule_id, from_pinned, to_territory_id, to_source, to_rule_id, to_pinned, "
          "to_interval_id) SELECT ?, ?, account_id, ?, ?, NULL, 0, ?, 'MANUAL', NULL, 0, interval_id "
          "FROM plan", (TENANT, rid, source, "MANUAL" if source else None, target))
    timed(steps, "close", db,
          "UPDATE assignment_history SET valid_to = ?, ended_by_realignment_id = ? "
          "WHERE tenant_id = ? AND valid_to IS NULL AND account_id IN "
          "(SELECT account_id FROM realignment_moves WHERE tenant_id = ? AND realignment_id = ?)",
          (at, rid, TENANT, TENANT, rid))
    timed(steps, "open", db,
          "INSERT INTO assignment_history (tenant_id, id, account_id, territory_id, source, rule_id, "
          "pinned, valid_from, realignment_id) SELECT tenant_id, to_interval_id, account_id, "
          "to_territory_id, to_source, to_rule_id, to_pinned, ?, realignment_id FROM realignment_moves "
          "WHERE tenant_id = ? AND realignment_id = ? AND to_territory_id IS NOT NULL",
          (at, TENANT, rid))
    started = time.perf_counter()
    db.execute(
        "SELECT m.from_territory_id, m.to_territory_id, count(*), sum(a.potential_hundredths), "
        "sum(a.workload_hundredths) FROM realignment_moves m JOIN accounts a "
        "ON a.tenant_id = m.tenant_id AND a.id = m.account_id "
        "WHERE m.tenant_id = ? AND m.realignment_id = ? GROUP BY 1, 2", (TENANT, rid)).fetchall()
    steps["totals"] = time.perf_counter() - started
    timed(steps, "commit", db, "COMMIT")
    return steps


def lean_round(db, round_no, source, target):
    rid, at = bytes([round_no]) * 16, f"2026-11-28T03:{round_no:02}:00.000000+00:00"
    stage(db, round_no)
    steps = {}
    db.execute("BEGIN")
    timed(steps, "move log", db,
          "INSERT INTO moves SELECT ?, ?, account_id, ?, ?, NULL, 0, ?, 'MANUAL', NULL, 0, ? FROM plan",
          (TENANT, rid, source, "MANUAL" if source else None, target, at))
    timed(steps, "current", db,
          "INSERT INTO current SELECT tenant_id, account_id, to_territory_id, to_source, to_rule_id, "
          "to_pinned, valid_from, realignment_id FROM moves WHERE tenant_id = ? AND realignment_id = ? "
          "AND to_territory_id IS NOT NULL ON CONFLICT (tenant_id, account_id) DO UPDATE SET "
          "territory_id = excluded.territory_id, source = excluded.source, rule_id = excluded.rule_id, "
          "pinned = excluded.pinned, since = excluded.since, realignment_id = excluded.realignment_id",
          (TENANT, rid))
    timed(steps, "commit", db, "COMMIT")
    return steps


def raw_insert(db, round_no):
    """The apply bench's baseline: N history-shaped rows into a table with only its key."""
    stage(db, 50 + round_no)
    started = time.perf_counter()
    db.execute("BEGIN")
    db.execute("INSERT INTO raw SELECT ?, interval_id, account_id, ?, 'MANUAL', "
               "'2026-11-28T03:00:00.000000+00:00' FROM plan", (TENANT, T1))
    db.execute("COMMIT")
    return time.perf_counter() - started


def run(name, db, one_round):
    one_round(db, 1, None, T1)  # every account placed once: later rounds move them
    ratios = []
    for round_no in range(2, 2 + ROUNDS):
        source, target = (T1, T2) if round_no % 2 == 0 else (T2, T1)
        steps = one_round(db, round_no, source, target)
        raw = raw_insert(db, round_no)
        total = sum(steps.values())
        ratios.append(total / raw)
        shown = "  ".join(f"{k} {v * 1000:.0f}" for k, v in steps.items())
        print(f"{name:8} {shown}  = {total * 1000:.0f} ms   raw insert {raw * 1000:.0f} ms   "
              f"ratio {total / raw:.2f}x")
    print(f"{name:8} median ratio {statistics.median(ratios):.2f}x (SQLite {sqlite3.sqlite_version})")


def main():
    with tempfile.TemporaryDirectory(prefix="terrane-floor-") as work:
        print(f"{N} accounts moved per round, {ROUNDS} rounds")
        run("current", open_db(f"{work}/current.db", real_ddl(work)), current_round)
        run("lean", open_db(f"{work}/lean.db", [s for s in LEAN.split(";") if s.strip()]), lean_round)


if __name__ == "__main__":
    main()
