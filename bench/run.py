"""Latency of pacebot's answers on a seeded company (see bench/seed.py); prints a table and JSON.

    python bench/run.py --url postgresql+psycopg://postgres@127.0.0.1:5432/pacebot_bench [--n 200]

Each operation goes through the whole pipeline below the adapters (router, identity, handler, domain,
store, templates) as `App.handle`, with the clock fixed at the seed's "today".
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bot.app import App  # noqa: E402
from bot.core.config import Settings  # noqa: E402
from bot.store.db import Database  # noqa: E402
from bot.chat.messages import Incoming  # noqa: E402
from bot.store.tables.sales import Person, Role  # noqa: E402

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai on the seed's day


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"n": len(samples), "p50_ms": round(cuts[49], 2), "p95_ms": round(cuts[94], 2),
            "p99_ms": round(cuts[98], 2), "max_ms": round(max(samples), 2)}


def measure(app: App, reps: int, text: str, n: int, rng: random.Random) -> dict[str, float]:
    samples = []
    for i in range(n + 5):
        user = f"bench-rep-{rng.randrange(1, reps + 1)}"
        started = time.perf_counter()
        replies = app.handle(Incoming(platform="console", user_id=user, text=text, channel_id=f"dm-{user}"))
        elapsed = (time.perf_counter() - started) * 1000
        if not replies or replies[0].kind == "error":
            raise SystemExit(f"{text!r} as {user} failed: {replies[0].text if replies else 'no reply'}")
        if i >= 5:  # the first few warm caches and connections
            samples.append(elapsed)
    return percentiles(samples)


def _digest(app: App, team, charts, folder: Path) -> None:
    """What the weekly digest job does for one team, short of posting it: numbers, text, chart (drawn in
    `charts`, a bot.schedule.chart.ChartPool, unless it is None)."""
    from bot.core.periods import PeriodKind, period_containing
    from bot.services.digest import build_digest

    week = period_containing(PeriodKind.WEEK, NOW.date()).previous()
    with app.db.session() as s:
        digest = build_digest(team, week, default_tz=app.settings.tz, session=s)
    app.i18n.render("zh", "digest", d=digest, currency=team.currency)
    if charts is not None:
        charts.draw_week(folder / f"team{team.id}.png", title=team.name, day_labels=[d.isoformat() for d in digest.days],
                  revenue=digest.daily_revenue, calls=digest.daily_calls, pace=digest.pace_revenue,
                  labels={"revenue": "revenue", "calls": "calls", "pace": "pace"})


def _teams(app: App):
    from bot.store.tables.sales import Team

    with app.db.session() as s:
        return list(s.scalars(select(Team).order_by(Team.id)).all())


def measure_digest(app: App, rng: random.Random, n: int) -> dict[str, float]:
    import tempfile

    from bot.schedule.chart import ChartPool

    teams = _teams(app)
    samples = []
    charts = ChartPool()
    with tempfile.TemporaryDirectory() as folder:
        try:
            for i in range(n + 2):
                started = time.perf_counter()
                _digest(app, rng.choice(teams), charts, Path(folder))
                if i >= 2:
                    samples.append((time.perf_counter() - started) * 1000)
        finally:
            charts.shutdown()
    return percentiles(samples)


def all_digests(app: App, *, charts: bool) -> dict:
    """Every team's digest at once, as the scheduler runs them on Monday morning: APScheduler's default
    executor is a pool of 10 threads; charts are drawn in the chart processes (bot.schedule.chart)."""
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from bot.schedule.chart import ChartPool

    teams = _teams(app)
    pool_of_charts = ChartPool() if charts else None
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(10) as pool:
            list(pool.map(lambda team: _digest(app, team, pool_of_charts, Path(folder)), teams))
    finally:
        if pool_of_charts is not None:
            pool_of_charts.shutdown()
    return {"teams": len(teams), "charts": charts, "seconds": round(time.perf_counter() - started, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=200, help="samples per operation")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--no-charts", action="store_true", help="build every digest without drawing charts")
    args = parser.parse_args(argv)
    db = Database(args.url)
    settings = Settings(_env_file=None, PACEBOT_DATABASE_URL=args.url, PACEBOT_LANG="zh")
    app = App(settings, db=db, clock=lambda: NOW)
    with db.session() as s:
        reps = s.scalar(select(func.count()).select_from(Person).where(Person.role == Role.REP))
    if not reps:
        raise SystemExit("no reps: run bench/seed.py first")
    rng = random.Random(7)
    from bench.machine import line, speed

    machine = speed()
    print(line(machine))
    results = {"database": db.describe(), "reps": reps, "machine": machine, "operations": {}}
    for name, text in [("me", "me"), ("top (team)", "top"), ("top (company)", "top company"),
                       ("log", "log 80 30 2h"), ("won", "won 5k Acme")]:
        n = max(20, args.n // 5) if "company" in name else args.n
        results["operations"][name] = measure(app, reps, text, n, rng)
    results["operations"]["digest (one team)"] = measure_digest(app, rng, max(10, args.n // 10))
    results["all weekly digests"] = all_digests(app, charts=not args.no_charts)
    print(f"{'operation':<16}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name, r in results["operations"].items():
        print(f"{name:<16}{r['n']:>6}{r['p50_ms']:>10}{r['p95_ms']:>10}{r['p99_ms']:>10}{r['max_ms']:>10}")
    print(json.dumps(results, ensure_ascii=False))
    d = results["all weekly digests"]
    print(f"every manager's weekly digest: {d['teams']} teams in {d['seconds']} s "
          f"({'with' if d['charts'] else 'without'} charts)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
