"""Seed a synthetic company for benchmarks: by default 10,000 reps in 500 teams, two years of daily
activity (about 5 million rows), half a million deals, and targets for the current periods.

    python bench/seed.py --url postgresql+psycopg://postgres@127.0.0.1:5432/pacebot_bench [--reps 10000]

Bulk inserts: PostgreSQL COPY, SQLite executemany in one transaction. Prints what it wrote and how long it took.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bot.store.db import Database  # noqa: E402
from bot.core.periods import PeriodKind, period_containing  # noqa: E402
from bot.core.workcal import calendar_for  # noqa: E402

TABLES = ["change", "inboundevent", "deal", "activity", "target", "leave", "teamchannel", "account", "person", "team"]
BENCH_TODAY = date(2026, 11, 26)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL (created tables are emptied first)")
    parser.add_argument("--reps", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--days", type=int, default=730, help="days of history before today")
    parser.add_argument("--deals", type=int, default=500_000)
    parser.add_argument("--today", type=date.fromisoformat, default=BENCH_TODAY)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    db = Database(args.url)
    db.upgrade()
    wipe(db)
    rows = seed(db, args.reps, args.teams, args.days, args.deals, args.today)
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    print(f"seeded {db.describe()}: " + ", ".join(f"{n:,} {t}" for t, n in rows.items())
          + f" in {time.perf_counter() - started:.1f} s")
    return 0


def wipe(db: Database) -> None:
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in TABLES) + " RESTART IDENTITY CASCADE"))
        else:
            for table in TABLES:
                conn.execute(text(f'DELETE FROM "{table}"'))


def seed(db: Database, reps: int, teams: int, days: int, deals: int, today: date) -> dict[str, int]:
    now = datetime.now(timezone.utc)
    rng = random.Random(42)
    per_team = max(1, reps // teams)
    team_rows = [(t + 1, f"Team {t + 1:04d}", "Asia/Shanghai", None, "CNY", "zh", now) for t in range(teams)]
    person_rows, account_rows = [], []
    pid = 0
    for t in range(teams):
        pid += 1  # one manager per team
        person_rows.append((pid, f"Manager {t + 1:04d}", "zh", "manager", t + 1, now))
        account_rows.append(("console", f"bench-manager-{t + 1}", pid))
    rep_ids = []
    for r in range(reps):
        pid += 1
        rep_ids.append(pid)
        person_rows.append((pid, f"Rep {r + 1:05d}", "zh", "rep", (r // per_team) % teams + 1, now))
        account_rows.append(("console", f"bench-rep-{r + 1}", pid))
        account_rows.append(("slack", f"UBENCH{r + 1}", pid))  # for bench/slack_load.py
    calendar = calendar_for(None, "Asia/Shanghai")
    workdays = [today - timedelta(days=d) for d in range(days, 0, -1)
                if calendar.is_workday(today - timedelta(days=d))]

    def activity():
        for person in rep_ids:
            skill = 0.6 + (person * 37 % 70) / 100
            for day in workdays:
                dialed = int(80 * skill) + rng.randrange(-15, 16)
                connected = dialed * rng.randrange(28, 46) // 100
                yield (person, day, dialed, connected, connected * 3, now)

    def deal_rows():
        for _ in range(deals):
            person = rng.choice(rep_ids)
            team = (person_rows[person - 1][4])
            yield (person, team, rng.choice(workdays), rng.randrange(20, 160) * 100_000, "CNY", None, False, now)

    month = period_containing(PeriodKind.MONTH, today)
    week = period_containing(PeriodKind.WEEK, today)
    target_rows = []
    for person in rep_ids:
        target_rows.append(("person", person, "revenue", "month", month.start, 50_000_000, None, now))
        target_rows.append(("person", person, "calls", "month", month.start, 1600, None, now))
        target_rows.append(("person", person, "calls", "week", week.start, 400, None, now))
    for t in range(teams):
        target_rows.append(("team", t + 1, "revenue", "month", month.start, 50_000_000 * per_team, None, now))

    spec = {
        "team": ("id, name, tz, holidays, currency, lang, created_at", team_rows),
        "person": ("id, name, lang, role, team_id, created_at", person_rows),
        "account": ("platform, account_id, person_id", account_rows),
        "target": ("scope, scope_id, metric, period_kind, period_start, value, set_by, updated_at", target_rows),
        "activity": ("person_id, day, dialed, connected, talk_minutes, updated_at", activity()),
        "deal": ("person_id, team_id, day, amount_cents, currency, customer, voided, created_at", deal_rows()),
    }
    counts = {}
    for table, (columns, rows) in spec.items():
        counts[table] = _bulk(db, table, columns, rows)
    if db.dialect == "postgresql":
        with db.engine.begin() as conn:
            for table in ("team", "person"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    return counts


def _bulk(db: Database, table: str, columns: str, rows) -> int:
    count = 0
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        if db.dialect == "postgresql":
            with cur.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            marks = ", ".join("?" for _ in columns.split(","))
            batch = []
            for row in rows:
                batch.append(tuple(_sqlite(v) for v in row))
                if len(batch) >= 50_000:
                    cur.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', batch)
                    count += len(batch)
                    batch = []
            if batch:
                cur.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', batch)
                count += len(batch)
        raw.commit()
    finally:
        raw.close()
    return count


def _sqlite(value):
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


if __name__ == "__main__":
    raise SystemExit(main())
