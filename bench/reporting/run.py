"""Benchmark of the bilan (issue #16): the statistics and the statistics page over 100,000 dossiers.

Run: ``python bench/reporting/run.py [--dossiers 100000] [--loans 25000]`` (about ten minutes on
a 2-core machine, most of it generating the volume). It needs PostgreSQL: without a
``postgres://`` DATABASE_URL it runs itself again under ``scripts/with-postgres`` (a throwaway
cluster, removed afterwards). Steps, for a small database (1,000 dossiers, 250 loans) and then the
large one, each created empty in the cluster:

1. migrate it and fill it with ``microcredit generate_volume`` (dossiers in every state with their
   dated path through the funnel, households, borrowers' budgets and rights outcomes, loans with
   their schedules and repayments, guarantee calls, bonifications, plans, contact requests), dated
   today so that the page's default period (the calendar year) holds a fifth of the dossiers;
2. run the nightly arrears job once (``microcredit arrears``): the outstanding principal and the
   PAR30 of the bilan are read from its snapshots; then ``VACUUM ANALYZE`` the database, as
   autovacuum does after a mass insert (without statistics the planner walks every schedule line
   of the portfolio for each loan of the completions' query: seconds instead of milliseconds);
3. in a fresh process, measure each of these once to warm up, then five times (median, min, max),
   with the number of SQL queries and the slowest query of the last run:
   ``reporting.selectors.bilan()`` since the start and for the calendar year; the statistics page
   ``/bilan/`` for both periods, rendered with its charts for the volume's director through
   Django's test client (``force_login``); ``microcredit bilan --json`` in a subprocess, end to end
   (process start included, the modules' bytecode kept from the warm-up run as an installed
   package has it), for both periods, its queries counted by ``call_command``.

The issue asks for ≤ 2 s each over 100,000 dossiers, with a number of queries that does not grow
with the data: the two databases must give the same counts. Prints a Markdown report and writes
``bench/reporting/results.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the project (microcredit, bench) importable
from bench.machine import cpu_model, git  # noqa: E402

SETTINGS = "bench.reporting.settings"
ORGANISATION = "ccas-saint-etienne"
DIRECTOR = "volume-directeur"
REPEATS = 5
TARGET_SECONDS = 2.0
# A measurement whose warm-up takes more than this is far over the target: three runs then give
# its median (so that the bench stays under 15 minutes), and the report says so.
SLOW_SECONDS = 3 * TARGET_SECONDS
SLOW_REPEATS = 3
SMALL = (1_000, 250)
MEASURES = (
    ("bilan_since", "`bilan()`, since the start"),
    ("bilan_year", "`bilan()`, calendar year"),
    ("page_since", "page `/bilan/?periode=debut` (since the start), charts included"),
    ("page_year", "page `/bilan/` (calendar year, the default), charts included"),
    ("command_since", "`microcredit bilan --json`, since the start (subprocess, end to end)"),
    ("command_year", "`microcredit bilan --json`, calendar year (subprocess, end to end)"),
)


def environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "PYTHONPATH": str(ROOT),
    }


def manage(database_url: str, *args: str) -> float:
    """Run a `microcredit` command against the database; its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 (fixed commands)
        [str(ROOT / ".venv/bin/microcredit"), *args],
        check=True,
        cwd=ROOT,
        env=environment(database_url),
    )
    return time.perf_counter() - started


def vacuum_analyze(database_url: str) -> float:
    """VACUUM ANALYZE the database (what autovacuum does after a mass insert); its seconds."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def create_database(name: str) -> str:
    """A new empty database in the throwaway cluster; its URL."""
    import psycopg

    base = os.environ["DATABASE_URL"]
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


# --- In the measuring process -------------------------------------------------------------


class QueryLog:
    """Counts the queries run inside it and keeps the three slowest."""

    def __init__(self) -> None:
        self.count = 0
        self.times: list[tuple[float, str]] = []

    @property
    def slowest(self) -> tuple[float, str]:
        return self.top[0] if self.top else (0.0, "")

    @property
    def top(self) -> list[tuple[float, str]]:
        return sorted(self.times, reverse=True)[:3]

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.times.append((time.perf_counter() - started, sql))


def timed(run: Callable[[], Any], check: Callable[[Any], None]) -> dict[str, Any]:
    """One warm-up, then REPEATS runs (SLOW_REPEATS when the warm-up is over SLOW_SECONDS):
    their median, min and max seconds, the queries of each."""
    from django.db import connection

    seconds, counts = [], []
    log = QueryLog()
    attempt, runs = 0, REPEATS
    while attempt <= runs:
        log = QueryLog()
        with connection.execute_wrapper(log):
            started = time.perf_counter()
            result = run()
            spent = time.perf_counter() - started
        check(result)
        if attempt:
            seconds.append(spent)
            counts.append(log.count)
        elif spent > SLOW_SECONDS:
            runs = SLOW_REPEATS
        attempt += 1
    return {
        "runs": runs,
        "median": statistics.median(seconds),
        "min": min(seconds),
        "max": max(seconds),
        "queries": counts[-1],
        "queries_stable": len(set(counts)) == 1,
        "slowest_ms": round(log.slowest[0] * 1000, 1),
        "slowest_sql": " ".join(log.slowest[1].split())[:600],
        "top": [(round(t * 1000), " ".join(q.split())[:400]) for t, q in log.top],
    }


def command_timed(args: list[str], expected: dict[str, Any]) -> dict[str, Any]:
    """`microcredit bilan` in a subprocess (wall time), and its queries counted in process."""
    from django.core.management import call_command
    from django.db import connection

    command = [str(ROOT / ".venv/bin/microcredit"), "bilan", *args]
    # Python's compiled bytecode kept between runs, as an installed package has it (this
    # environment sets PYTHONDONTWRITEBYTECODE: each start would compile some 600 modules
    # again, about a second); in a folder of its own, outside the shared working tree. The
    # warm-up run writes it.
    pycache = tempfile.mkdtemp(prefix="bench-reporting-pycache-")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"} | {
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "PYTHONPATH": str(ROOT),
        "PYTHONPYCACHEPREFIX": pycache,
    }
    seconds = []
    attempt, runs = 0, REPEATS
    while attempt <= runs:
        started = time.perf_counter()
        out = subprocess.run(  # noqa: S603 (fixed command)
            command, check=True, capture_output=True, text=True, cwd=ROOT, env=env
        ).stdout
        spent = time.perf_counter() - started
        figures = json.loads(out)
        for key, value in expected.items():
            if figures[key] != value:
                raise SystemExit(f"bilan --json gives {key}={figures[key]!r}, bilan() {value!r}")
        if attempt:
            seconds.append(spent)
        elif spent > SLOW_SECONDS:
            runs = SLOW_REPEATS
        attempt += 1
    shutil.rmtree(pycache, ignore_errors=True)
    log = QueryLog()
    with connection.execute_wrapper(log):
        call_command("bilan", *args, stdout=io.StringIO())
    return {
        "runs": runs,
        "median": statistics.median(seconds),
        "min": min(seconds),
        "max": max(seconds),
        "queries": log.count,
        "queries_stable": True,
        "slowest_ms": round(log.slowest[0] * 1000, 1),
        "slowest_sql": " ".join(log.slowest[1].split())[:600],
        "top": [(round(t * 1000), " ".join(q.split())[:400]) for t, q in log.top],
    }


def measure() -> None:
    """In a fresh process on one database: every measurement, printed as one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from microcredit.accounts.models import User
    from microcredit.dossiers.models import Dossier, DossierEvent
    from microcredit.loans.models import Loan
    from microcredit.organisations.models import Organisation
    from microcredit.reporting.rules import Bilan
    from microcredit.reporting.selectors import bilan, default_periods

    ccas = Organisation.objects.get(slug=ORGANISATION)
    today = timezone.localdate()
    (_label, year), (_label2, since) = default_periods(today, organisation_ids=[ccas.pk])
    client = Client()
    client.force_login(User.objects.get(username=DIRECTOR))

    def figures(period: Any) -> Callable[[], Bilan]:
        return lambda: bilan(organisation_ids=[ccas.pk], period=period, today=today)

    def some(result: Bilan) -> None:
        if not result.received or not result.disbursed_count:
            raise SystemExit(f"the bilan of {result.period} is empty: nothing was measured")

    charts: dict[str, int] = {}

    def page(query: str) -> Callable[[], Any]:
        return lambda: client.get(f"/bilan/{query}")

    def rendered(key: str) -> Callable[[Any], None]:
        def check(response: Any) -> None:
            if response.status_code != 200:
                raise SystemExit(f"/bilan/ answered {response.status_code}")
            body = response.content.decode()
            charts[key] = body.count("data:image/svg+xml") + body.count("<svg")
            if not charts[key]:
                raise SystemExit("/bilan/ shows no chart")

        return check

    results: dict[str, Any] = {
        "bilan_since": timed(figures(since), some),
        "bilan_year": timed(figures(year), some),
        "page_since": timed(page("?periode=debut"), rendered("page_since")),
        "page_year": timed(page(""), rendered("page_year")),
    }
    for key, period in (("command_since", since), ("command_year", year)):
        expected = bilan(organisation_ids=[ccas.pk], period=period)
        args = [f"--from={period.start}", f"--to={period.end}", f"--organisation={ORGANISATION}"]
        results[key] = command_timed(
            [*args, "--json"],
            {"received": expected.received, "disbursed_count": expected.disbursed_count},
        )
    since_figures = bilan(organisation_ids=[ccas.pk], period=since)
    year_figures = bilan(organisation_ids=[ccas.pk], period=year)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    results["volume"] = {
        "dossiers": Dossier.objects.count(),
        "loans": Loan.objects.count(),
        "events": DossierEvent.objects.count(),
        "since": f"{since.start} – {since.end}",
        "year": f"{year.start} – {year.end}",
        "received_since": since_figures.received,
        "disbursed_since": since_figures.disbursed_count,
        "calls_since": since_figures.guarantee_calls,
        "received_year": year_figures.received,
        "disbursed_year": year_figures.disbursed_count,
        "charts": charts,
        "postgresql": server,
        "jit": jit,
        "commit": git("rev-parse", "--short", "HEAD").strip(),
        # The application's code itself (other sessions commit docs and tests meanwhile).
        "tree": git("rev-parse", "--short", "HEAD:microcredit").strip(),
        "dirty": len(git("status", "--porcelain", "--", "microcredit").splitlines()),
    }
    print(json.dumps(results))


def run_measure(database_url: str) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 (this very script, fixed arguments)
        [sys.executable, __file__, "--measure"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment(database_url),
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


# --- The whole run ------------------------------------------------------------------------


def prepare(name: str, dossiers: int, loans: int, today: str) -> tuple[str, dict[str, float]]:
    url = create_database(name)
    manage(url, "migrate", "--noinput", "-v0")
    spent = {
        "generate": manage(
            url, "generate_volume", f"--dossiers={dossiers}", f"--loans={loans}", f"--today={today}"
        ),
        "arrears": manage(url, "arrears", f"--as-of={today}"),
    }
    spent["analyze"] = vacuum_analyze(url)
    return url, spent


def report(
    dossiers: int, loans: int, small: dict[str, Any], large: dict[str, Any], spent: dict[str, float]
) -> str:
    volume = large["volume"]
    lines = [
        "# The bilan over 100,000 dossiers (bench/reporting)",
        "",
        f"Machine: {platform.platform()}, {cpu_model()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, PostgreSQL {volume['postgresql']} (throwaway "
        f"cluster, fsync off; JIT {volume.get('jit', '?')} on the application's connections, "
        f"as config.settings sets it). Date: {dt.date.today().isoformat()}.",
        "",
        f"Volume: {volume['dossiers']:,} dossiers, {volume['loans']:,} loans, "
        f"{volume['events']:,} dossier events, generated by `generate_volume` in "
        f"{spent['generate']:.0f} s; the nightly arrears job then ran once in "
        f"{spent['arrears']:.0f} s (the bilan's outstanding principal and PAR30), and "
        f"`VACUUM ANALYZE` in {spent['analyze']:.0f} s. Since the "
        f"start ({volume['since']}): {volume['received_since']:,} dossiers received, "
        f"{volume['disbursed_since']:,} loans disbursed, {volume['calls_since']:,} guarantee "
        f"calls; calendar year ({volume['year']}): {volume['received_year']:,} received, "
        f"{volume['disbursed_year']:,} disbursed. The small database: "
        f"{small['volume']['dossiers']:,} dossiers, {small['volume']['loans']:,} loans.",
        "",
        f"Seconds: median of {REPEATS} runs after one warm-up (min – max), of {SLOW_REPEATS} "
        f"runs when the warm-up took more than {SLOW_SECONDS:.0f} s (column « runs »); SQL "
        "queries of one run.",
        "",
        f"| measurement | {small['volume']['dossiers']:,} dossiers: s | queries | "
        f"{volume['dossiers']:,} dossiers: median s (min – max) | runs | queries | slowest "
        f"query | ≤ {TARGET_SECONDS:.0f} s |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    met, equal = True, True
    for key, label in MEASURES:
        s, b = small[key], large[key]
        ok = b["median"] <= TARGET_SECONDS
        met &= ok
        equal &= s["queries"] == b["queries"] and s["queries_stable"] and b["queries_stable"]
        lines.append(
            f"| {label} | {s['median']:.3f} | {s['queries']} | {b['median']:.3f} "
            f"({b['min']:.3f} – {b['max']:.3f}) | {b['runs']} | {b['queries']} | "
            f"{b['slowest_ms']:.0f} ms | "
            f"{'met' if ok else 'NOT met'} |"
        )
    lines += [
        "",
        f"Target ≤ {TARGET_SECONDS:.0f} s for each measurement over {volume['dossiers']:,} "
        f"dossiers: {'met' if met else 'NOT met'}. The number of SQL queries "
        f"{'is the same' if equal else 'is NOT the same'} at {small['volume']['dossiers']:,} "
        f"and at {volume['dossiers']:,} dossiers (and from one run to the next). The page "
        f"showed {volume['charts'].get('page_year', 0)} chart images for the calendar year. "
        "The command's time includes the start of its process: Python and Django's set-up "
        "(the command runs no system check, which would import the whole URLconf), with the "
        "modules' compiled bytecode kept from the warm-up run as an installed package has it "
        "(this environment sets PYTHONDONTWRITEBYTECODE; without the bytecode each start "
        "compiles some 600 modules again, about one second more). The funnel's pass (every "
        "event of the cohort, the bilan's heaviest query) runs on a second connection while "
        "the first reads the other figures, in one exported snapshot (docs/reporting.md): it "
        "is in the times, but neither in the queries counted (those of the first connection) "
        "nor among the slowest queries listed.",
        "",
        f"The slowest query of each measurement over {volume['dossiers']:,} dossiers:",
        "",
    ]
    for key, label in MEASURES:
        b = large[key]
        lines.append(f"- {label}, {b['slowest_ms']:.0f} ms: `{b['slowest_sql'][:300]}…`")
    lines += [
        "",
        f"The three slowest queries of `bilan()` since the start ({volume['dossiers']:,}):",
        "",
    ]
    for ms, sql in large["bilan_since"]["top"]:
        lines.append(f"- {ms} ms: `{sql[:300]}…`")
    lines += [
        "",
        f"Code measured: commit {volume['commit']}"
        + (
            f", with uncommitted changes in {volume['dirty']} file(s) of `microcredit/` (the "
            "working tree is shared with the other sessions)."
            if volume["dirty"]
            else ", no uncommitted change in `microcredit/`."
        )
        + (
            f" The small database was measured on commit {small['volume']['commit']}: "
            + (
                "`microcredit/` changed between the two measurements, their query counts do "
                "not compare."
                if (small["volume"]["tree"], small["volume"]["dirty"])
                != (volume["tree"], volume["dirty"])
                else "the same `microcredit/` tree."
            )
            if small["volume"]["commit"] != volume["commit"]
            else ""
        ),
        "",
    ]
    return "\n".join(lines)


def main(dossiers: int, loans: int) -> None:
    started = time.perf_counter()
    today = dt.date.today().isoformat()
    small_url, _small_spent = prepare("bench_small", *SMALL, today)
    small = run_measure(small_url)
    large_url, spent = prepare("bench_large", dossiers, loans, today)
    large = run_measure(large_url)
    text = report(dossiers, loans, small, large, spent)
    text += f"\nThe whole bench ran in {time.perf_counter() - started:.0f} s.\n"
    print(text)
    (Path(__file__).parent / "results.md").write_text(text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--loans", type=int, default=25_000)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure()
    elif not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.execv(  # noqa: S606 (this very script under a throwaway PostgreSQL)
            str(ROOT / "scripts/with-postgres"),
            [str(ROOT / "scripts/with-postgres"), sys.executable, __file__, *sys.argv[1:]],
        )
    else:
        main(args.dossiers, args.loans)
