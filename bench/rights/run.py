"""Benchmark of the OpenFisca-France adapter (microcredit.rights.engine).

Run: ``python bench/rights/run.py``. Prints a Markdown report and writes
``bench/rights/results.md``. Measures, in this order and in one process (a worker's life):

1. importing the adapter (OpenFisca must not be loaded by it);
2. the first assessment of one household, which loads the tax-benefit system;
3. the median warm assessment of one household over ``REPEAT`` runs, and the proof that the
   system is not reloaded (load counter, identity of the system object);
4. one vectorised simulation of 1,000 and one of 10,000 households (varied, deterministic),
   with a spot check of a few batch results against single assessments;
5. the peak RSS of the process (``resource.getrusage``) with the system loaded, then after the
   batches;
6. the start of a web process, in a fresh subprocess each time (``django.setup()``, the whole
   URLconf, so every view, service and task module, and the WSGI application), median of
   ``WEB_STARTS`` runs, with the proof that OpenFisca is not loaded by it.

``python bench/rights/run.py --scan [--dossiers 200000 --loans 10000]`` measures ``rights-scan``
instead (issue #19), on PostgreSQL: without a ``postgres://`` DATABASE_URL it runs itself again
under ``scripts/with-postgres`` (a throwaway cluster). It fills the empty database with
``generate_volume --open-budgets`` dated ``SCAN_TODAY`` (every open dossier without a loan gets a
budget of one of the twelve months up to then; the borrowers keep the budget of their
diagnosis), then runs ``rights-scan --today SCAN_TODAY`` in a fresh process (its peak RSS is the
scan's): time, peak RSS (target < 2 GiB), SQL queries, the time inside OpenFisca-France, and the
households skipped. The window then holds October 2019, a month OpenFisca-France 176.1.8 cannot
compute (a parameter of the complémentaire santé solidaire starts in November 2019): its
households must be skipped and reported while the other months get their estimate. The scan's
section of ``results.md`` is rewritten, the engine's is kept (and the reverse).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.machine import cpu_model  # noqa: E402

T0 = time.perf_counter()
from microcredit.budgets.rules import HousingStatus, MemberRole  # noqa: E402
from microcredit.rights import engine  # noqa: E402
from microcredit.rights.rules import (  # noqa: E402
    Activity,
    CoupleKind,
    HouseholdSituation,
    PersonSituation,
)

IMPORT_SECONDS = time.perf_counter() - T0

MONTH = date(2026, 4, 1)
REPEAT = 10
BATCHES = (1_000, 10_000)
SPOT_CHECKS = 3
WEB_STARTS = 5
D = Decimal

WEB_START = (
    "import os, sys\n"
    "os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings.test'\n"
    "import django\n"
    "django.setup()\n"
    "import config.urls\n"
    "import config.wsgi\n"
    "from django.urls import get_resolver\n"
    "get_resolver().url_patterns\n"
    "prefixes = ('openfisca_france', 'openfisca_core')\n"
    "print(sum(1 for m in sys.modules if m.startswith(prefixes)))\n"
)

LONE_PARENT = HouseholdSituation(
    month=MONTH,
    members=(
        PersonSituation(
            MemberRole.APPLICANT, date(1990, 5, 1), Activity.EMPLOYED, net_salary=D("950")
        ),
        PersonSituation(MemberRole.CHILD, date(2018, 9, 10)),
    ),
    housing=HousingStatus.TENANT_PRIVATE,
    rent=D("550"),
    commune_insee="42218",
    receives_housing_aid=True,
)

COMMUNES = ("42218", "42095", "42207", "42184", "69123")
TENANCIES = (
    HousingStatus.TENANT_PRIVATE,
    HousingStatus.TENANT_SOCIAL,
    HousingStatus.TENANT_FURNISHED,
)


def random_household(rng: random.Random) -> HouseholdSituation:
    """A varied household: 1-2 adults, 0-5 children, salaries, pensions, some other adults."""
    kind = rng.random()
    members: list[PersonSituation] = []
    applicant_born = date(rng.randint(1950, 2000), rng.randint(1, 12), rng.randint(1, 28))
    if kind < 0.15:
        members.append(
            PersonSituation(
                MemberRole.APPLICANT,
                date(rng.randint(1940, 1960), 6, 1),
                Activity.RETIRED,
                pension=D(rng.randrange(600, 1800)),
            )
        )
    else:
        employed = rng.random() < 0.6
        members.append(
            PersonSituation(
                MemberRole.APPLICANT,
                applicant_born,
                Activity.EMPLOYED if employed else Activity.UNEMPLOYED,
                net_salary=D(rng.randrange(400, 2200)) if employed else D(0),
                unemployment_benefit=D(0) if employed else D(rng.choice((0, 0, 700, 1000))),
            )
        )
        if rng.random() < 0.45:
            working = rng.random() < 0.5
            members.append(
                PersonSituation(
                    MemberRole.SPOUSE,
                    date(applicant_born.year + rng.randint(-4, 4), 3, 15),
                    Activity.EMPLOYED if working else Activity.INACTIVE,
                    net_salary=D(rng.randrange(500, 1800)) if working else D(0),
                )
            )
        for _ in range(rng.choice((0, 0, 1, 1, 2, 2, 3, 4, 5))):
            members.append(
                PersonSituation(
                    MemberRole.CHILD,
                    date(rng.randint(2008, 2025), rng.randint(1, 12), rng.randint(1, 28)),
                    alimony_received=D(0),
                )
            )
        if rng.random() < 0.05:
            members.append(
                PersonSituation(
                    MemberRole.OTHER_ADULT,
                    date(rng.randint(1940, 2000), 1, 1),
                    Activity.EMPLOYED,
                    net_salary=D(rng.randrange(0, 1500)),
                )
            )
    owner = rng.random() < 0.15
    return HouseholdSituation(
        month=MONTH,
        members=tuple(members),
        housing=HousingStatus.OWNER if owner else rng.choice(TENANCIES),
        rent=D(0) if owner else D(rng.randrange(300, 900)),
        commune_insee=rng.choice(COMMUNES),
        receives_housing_aid=rng.random() < 0.6,
        separation_recent=rng.random() < 0.05,
        couple=rng.choice((CoupleKind.MARRIED, CoupleKind.PACS, CoupleKind.COHABITING)),
    )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def web_process_start() -> tuple[list[float], int]:
    """Wall times of ``WEB_STARTS`` fresh web-process starts, and the number of OpenFisca
    modules the last one had loaded (0 expected)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    times: list[float] = []
    loaded = -1
    for _ in range(WEB_STARTS):
        t = time.perf_counter()
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-c", WEB_START],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        )
        times.append(time.perf_counter() - t)
        loaded = int(done.stdout.split()[-1])
    return times, loaded


SCAN_MARK = "<!-- rights-scan -->"
SCAN_TODAY = "2020-09-15"
SCAN_TARGET_BYTES = 2 * 1024**3


def write_results(text: str, *, scan: bool) -> None:
    """Rewrite the engine's part of ``results.md`` (before ``SCAN_MARK``) or the scan's."""
    path = Path(__file__).parent / "results.md"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    engine_part, _mark, scan_part = old.partition(SCAN_MARK)
    if scan:
        scan_part = "\n" + text
    else:
        engine_part = text + "\n"
    path.write_text(engine_part + (SCAN_MARK + scan_part if scan_part else ""), encoding="utf-8")


def scan_job(today: str, chunk: int) -> None:
    """In a fresh process: run ``rights-scan`` once, print what it measured as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    queries = 0
    simulated = 0.0
    real = engine.assess_households_isolated

    def timed(situations, **options):  # type: ignore[no-untyped-def]
        nonlocal simulated
        t = time.perf_counter()
        try:
            return real(situations, **options)
        finally:
            simulated += time.perf_counter() - t

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    engine.assess_households_isolated = timed  # type: ignore[assignment]
    out = io.StringIO()
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        call_command("rights-scan", "--today", today, "--chunk", str(chunk), stdout=out)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "seconds": round(seconds, 1),
                "simulated": round(simulated, 1),
                "peak_bytes": peak,
                "queries": queries,
                "output": out.getvalue(),
            }
        )
    )


def manage(*args: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "PYTHONPATH": str(ROOT)}
    subprocess.run(  # noqa: S603 (fixed commands)
        [str(ROOT / ".venv/bin/microcredit"), *args], check=True, cwd=ROOT, env=env
    )


def scan_main(dossiers: int, loans: int, chunk: int) -> None:
    started = time.perf_counter()
    manage("migrate", "--noinput", "-v0")
    manage(
        "generate_volume",
        f"--dossiers={dossiers}",
        f"--loans={loans}",
        f"--today={SCAN_TODAY}",
        "--open-budgets",
    )
    generated = time.perf_counter() - started
    manage(
        "shell",
        "-c",
        "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')",
    )
    done = subprocess.run(  # noqa: S603 (this very script, fixed arguments)
        [sys.executable, __file__, "--scan-job", "--chunk", str(chunk)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"},
    ).stdout
    result = json.loads(done.strip().splitlines()[-1])
    output = result["output"]
    summary = next(line for line in output.splitlines() if " foyer(s) : " in line)
    households = int(summary.split()[0])
    peak = int(result["peak_bytes"])
    seconds = float(result["seconds"])
    lines = [
        "## rights-scan over the generated caseload (issue #19)",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- platform: {platform.platform()}, CPU: {cpu_model()}, nproc: {os.cpu_count()},"
        f" Python {sys.version.split()[0]}, PostgreSQL (throwaway cluster, fsync off),"
        f" openfisca-france {engine.openfisca_france_version()}",
        f"- volume: `generate_volume --dossiers {dossiers} --loans {loans} --today {SCAN_TODAY}"
        f" --open-budgets`, {generated:.0f} s (migrations included)",
        f"- scan: `rights-scan --today {SCAN_TODAY} --chunk {chunk}` in a fresh process"
        " (window: the twelve months from 10/2019 to 09/2020)",
        "",
        "| measurement | value | target |",
        "|---|---:|---|",
        f"| households scanned | {households:,} | 100,000 |",
        f"| time | {seconds:.0f} s ({seconds / max(1, households) * 1000:.2f} ms per household)"
        " | — |",
        f"| of which inside OpenFisca-France (simulations, probes, bisections) |"
        f" {result['simulated']:.0f} s | — |",
        f"| peak RSS of the scan process | {peak / 1024**2:,.0f} MiB |"
        f" < 2 GiB: {'met' if peak < SCAN_TARGET_BYTES else 'NOT met'} |",
        f"| SQL queries | {result['queries']:,} | grows with the chunks |",
        "",
        "The command's output (the progress line went to stderr):",
        "",
        "```",
        output.rstrip(),
        "```",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    write_results(text, scan=True)


def main() -> None:
    web_starts, web_openfisca_modules = web_process_start()
    web_start = statistics.median(web_starts)
    loaded_at_import = engine.is_loaded()
    rss_before = peak_rss_mib()

    t = time.perf_counter()
    first = engine.assess_household(LONE_PARENT)
    first_seconds = time.perf_counter() - t
    system = engine.tax_benefit_system()
    loads_after_first = engine.load_count()
    rss_loaded = peak_rss_mib()

    warm: list[float] = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        again = engine.assess_household(LONE_PARENT)
        warm.append(time.perf_counter() - t)
        assert again == first
    same_system = engine.tax_benefit_system() is system
    loads_after_warm = engine.load_count()
    gc.collect()
    rss_worker = peak_rss_mib()
    rss_worker_now = current_rss_mib()

    rng = random.Random(20260401)
    batch_rows = []
    for size in BATCHES:
        situations = [random_household(rng) for _ in range(size)]
        t = time.perf_counter()
        results = engine.assess_households(situations)
        seconds = time.perf_counter() - t
        persons = sum(len(s.members) for s in situations)
        with_rsa = sum(1 for r in results if r.rsa > 0)
        with_ppa = sum(1 for r in results if r.ppa > 0)
        checked = 0
        for k in range(SPOT_CHECKS):
            position = (k * 7919) % size
            assert engine.assess_household(situations[position]) == results[position]
            checked += 1
        batch_rows.append((size, persons, seconds, with_rsa, with_ppa, checked))
        del situations, results
        gc.collect()
    rss_after_batches = peak_rss_mib()
    loads_final = engine.load_count()

    median_warm = statistics.median(warm)
    ten_k = next(row for row in batch_rows if row[0] == 10_000)
    lines = [
        "# rights engine benchmark (OpenFisca-France)",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- platform: {platform.platform()}",
        f"- CPU: {cpu_model()}",
        f"- nproc: {os.cpu_count()}",
        f"- Python: {sys.version.split()[0]} ({platform.python_implementation()})",
        f"- openfisca-france {engine.openfisca_france_version()}, month computed {MONTH:%Y-%m}",
        f"- one household: lone parent, 950 € net, one child (ppa {first.ppa} €,"
        f" asf {first.asf} €); warm timing: median of {REPEAT} runs",
        "",
        "| measurement | value | target |",
        "|---|---:|---|",
        f"| import of `microcredit.rights.engine` | {IMPORT_SECONDS * 1000:.0f} ms"
        f" (OpenFisca loaded: {'yes' if loaded_at_import else 'no'}) | not loaded |",
        f"| web process start (subprocess: setup, URLconf, WSGI app; median of {WEB_STARTS})"
        f" | {web_start:.2f} s (min {min(web_starts):.2f}, max {max(web_starts):.2f});"
        f" OpenFisca modules loaded: {web_openfisca_modules} | < 3 s, none loaded |",
        f"| first assessment, system load included | {first_seconds:.2f} s | — |",
        f"| warm assessment of one household (median) | {median_warm:.2f} s"
        f" (min {min(warm):.2f}, max {max(warm):.2f}) | ≤ 1.5 s |",
    ]
    for size, persons, seconds, _rsa, _ppa, _checked in batch_rows:
        target = "≤ 20 s" if size == 10_000 else "—"
        lines.append(
            f"| one simulation of {size:,} households ({persons:,} persons) | {seconds:.2f} s"
            f" ({seconds / size * 1000:.2f} ms per household) | {target} |"
        )
    lines += [
        f"| peak RSS before loading | {rss_before:.0f} MiB | — |",
        f"| peak RSS after the first assessment (system loaded) | {rss_loaded:.0f} MiB | — |",
        f"| peak RSS of a worker with the system loaded (after {1 + REPEAT} assessments)"
        f" | {rss_worker:.0f} MiB (current {rss_worker_now:.0f} MiB) | — |",
        f"| peak RSS after the 10,000-household batch | {rss_after_batches:.0f} MiB | — |",
        "",
        "## The system is loaded once",
        "",
        f"- load counter after the first assessment: {loads_after_first};"
        f" after {REPEAT} more: {loads_after_warm}; after the batches: {loads_final}",
        f"- same system object before and after the repeats: {'yes' if same_system else 'NO'}",
        "",
        "## Batches",
        "",
    ]
    for size, _persons, _seconds, with_rsa, with_ppa, checked in batch_rows:
        lines.append(
            f"- {size:,} households: {with_rsa:,} with RSA > 0, {with_ppa:,} with PPA > 0;"
            f" {checked} households re-assessed alone gave identical results"
        )
    lines += [
        "",
        "Targets met: "
        f"warm ≤ 1.5 s: {'yes' if median_warm <= 1.5 else 'NO'}; "
        f"10,000 households ≤ 20 s: {'yes' if ten_k[2] <= 20 else 'NO'}; "
        f"loaded once: {'yes' if loads_final == 1 and same_system else 'NO'}; "
        f"not loaded at import: {'yes' if not loaded_at_import else 'NO'}; "
        f"web start < 3 s without OpenFisca: "
        f"{'yes' if web_start < 3 and web_openfisca_modules == 0 else 'NO'}.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    write_results(text, scan=False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scan", action="store_true", help="measure rights-scan (PostgreSQL)")
    parser.add_argument("--dossiers", type=int, default=200_000)
    parser.add_argument("--loans", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--scan-job", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scan_job:
        scan_job(SCAN_TODAY, args.chunk)
    elif not args.scan:
        main()
    elif not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.execv(  # noqa: S606 (this very script under a throwaway PostgreSQL)
            str(ROOT / "scripts/with-postgres"),
            [str(ROOT / "scripts/with-postgres"), sys.executable, __file__, *sys.argv[1:]],
        )
    else:
        scan_main(args.dossiers, args.loans, args.chunk)
