"""The floor under ``bench_storage``'s PostgreSQL figure: the same tick without Python.

``pgbench`` (PostgreSQL's C load generator, shipped with the server) runs the statements the
bot sends for one checklist tick, on the benchmark's database and with as many clients as the
bot's pool has connections, in two shapes:

- **as the bot sends them**: one round trip per statement, prepared, the bot's texts (BEGIN,
  the student's lock, the student upsert, the tick with the read of the phase's ticks, the
  contact touch, the event, COMMIT). That is 7 round trips, one more than the bot's 6: the bot
  sends BEGIN and the lock in one simple-protocol message, which pgbench can only do unprepared,
  and unprepared statements cost the server more than the round trip saves (measured: 1,744
  against 2,409 ticks/s);
- **in one round trip**: the same statements inside a PL/pgSQL function made for the run (the
  benchmark's database is dropped afterwards), called in autocommit.

What no client on this machine can beat: the server's work and the round trips' wake-ups, with
the load generator costing next to nothing. The bot is not changed to the second shape (its
statements stay the storage modules' own, one text for both engines where possible); the row
says how far one round trip per tick would get.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks.pg_engine import PgServer

STAMP = "2026-11-25T15:00:00.000000Z"
_TPS = re.compile(r"tps = ([0-9.]+) \(without initial connection time\)")

_SETUP = r"""
\set s random(1, {students})
\set item random(1, 5)
"""

AS_THE_BOT_SENDS = (
    _SETUP
    + r"""
BEGIN;
SELECT pg_advisory_xact_lock(:s);
INSERT INTO students (guild_id, user_id, created_at, last_active_at, start_pointed_at)
  VALUES (1, :s, '{stamp}', '{stamp}', '{stamp}')
  ON CONFLICT (guild_id, user_id) DO UPDATE SET last_active_at = excluded.last_active_at
  RETURNING (xmax = 0) AS created;
WITH step AS (INSERT INTO checklist_ticks (contact_id, phase, item_id, ticked_at)
  VALUES (:s, 'request', 'item-' || :item, '{stamp}')
  ON CONFLICT (contact_id, phase, item_id) DO NOTHING RETURNING item_id)
  SELECT item_id, 1 AS changed FROM step
  UNION ALL SELECT item_id, 0 FROM checklist_ticks WHERE contact_id = :s AND phase = 'request';
UPDATE contacts SET updated_at = '{stamp}' WHERE id = :s;
INSERT INTO events (guild_id, user_id, contact_id, kind, payload, at)
  VALUES (1, :s, :s, 'checklist_ticked', '{{"item": "x", "phase": "request"}}', '{stamp}');
COMMIT;
"""
)
_FUNCTION = r"""
CREATE FUNCTION bench_tick(s bigint, item text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE stamp text := '{stamp}';
BEGIN
  PERFORM pg_advisory_xact_lock(s);
  INSERT INTO students (guild_id, user_id, created_at, last_active_at, start_pointed_at)
    VALUES (1, s, stamp, stamp, stamp)
    ON CONFLICT (guild_id, user_id) DO UPDATE SET last_active_at = excluded.last_active_at;
  INSERT INTO checklist_ticks (contact_id, phase, item_id, ticked_at)
    VALUES (s, 'request', item, stamp) ON CONFLICT (contact_id, phase, item_id) DO NOTHING;
  UPDATE contacts SET updated_at = stamp WHERE id = s;
  INSERT INTO events (guild_id, user_id, contact_id, kind, payload, at)
    VALUES (1, s, s, 'checklist_ticked', '{{"item": "x", "phase": "request"}}', stamp);
  RETURN QUERY SELECT item_id FROM checklist_ticks WHERE contact_id = s AND phase = 'request';
END $$;
"""

IN_ONE_ROUND_TRIP = (
    _SETUP
    + r"""
SELECT bench_tick(:s, 'item-' || :item);
"""
)


def find_pgbench(server: PgServer) -> str | None:
    if server.cluster is not None:
        local = server.cluster.bindir / "pgbench"
        if local.exists():
            return str(local)
    return shutil.which("pgbench")


async def create_function(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(_FUNCTION.format(stamp=STAMP))
    finally:
        await conn.close()


def run_pgbench(
    pgbench: str, url: str, script: str, *, students: int, clients: int, seconds: int
) -> float:
    """Transactions per second of ``script`` (pgbench's figure, connections excluded)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tick.sql"
        path.write_text(script.format(students=students, stamp=STAMP))
        out = subprocess.run(
            [
                pgbench,
                "-n",
                "-M",
                "prepared",
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(seconds),
                "-f",
                str(path),
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    match = _TPS.search(out.stdout)
    if match is None:
        raise RuntimeError(f"pgbench failed: {out.stderr.strip()[-500:]}")
    return float(match.group(1))


async def floor_rows(
    server: PgServer, url: str, *, students: int, clients: int, seconds: int
) -> list[tuple[str, float]] | None:
    """(shape, ticks/s) for both shapes, or None when pgbench is not installed."""
    pgbench = find_pgbench(server)
    if pgbench is None:
        return None
    await create_function(url)
    results = []
    for name, script in (
        ("pgbench, the bot's statements, one round trip each (7)", AS_THE_BOT_SENDS),
        ("pgbench, the same statements in one server-side function call", IN_ONE_ROUND_TRIP),
    ):
        tps = run_pgbench(pgbench, url, script, students=students, clients=clients, seconds=seconds)
        results.append((name, tps))
    return results
