"""Benchmark of the nightly arrears job (microcredit.servicing.services.arrears.arrears_run).

Run: ``python bench/arrears/run.py [--loans 100000]`` (about 10 minutes for 100,000 loans on a
2-core machine). It needs PostgreSQL: without a ``postgres://`` DATABASE_URL it runs itself again
under ``scripts/with-postgres`` (a throwaway cluster, removed afterwards). Steps:

1. migrate an empty database and fill it with ``microcredit generate_volume`` (``--loans`` active
   or repaid loans, their schedules and repayments, about 12 % of them in arrears);
2. run the job in a FRESH process each time (so that the peak memory is the job's, not the
   generator's): the first run on the generation day (no snapshot yet: every loan is computed and
   every late loan raises its alerts, a one-off catch-up); then the next night, as the scheduler
   runs it (a loan whose snapshot can only have changed by the day passing is carried forward);
   then the same night with every loan computed again (``--full``), with batches of 1,000 and of
   10,000 (the number of SQL queries follows the number of batches, not the number of loans);
   and the next night once more (idempotent: nothing new raised).

The issue asks for ≤ 30 s and ≤ 1 GiB over 100,000 active loans, with a query count that does not
grow with the number of loans. Prints a Markdown report and writes ``bench/arrears/results.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the project (microcredit, bench) importable
from bench.machine import cpu_model  # noqa: E402

AS_OF = "2026-12-06"
NEXT_DAY = "2026-12-07"
TARGET_SECONDS = 30.0
TARGET_BYTES = 1024**3


def job(batch_size: int, as_of: str, incremental: bool) -> None:
    """In a fresh process: run the job once, print what it measured as JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.arrears.settings"
    import django

    django.setup()
    from django.db import connection

    from microcredit.loans.enums import LoanState
    from microcredit.loans.models import Loan
    from microcredit.servicing.services.arrears import arrears_run

    queries = 0

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    active = Loan.objects.filter(state=LoanState.ACTIVE).count()
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        result = arrears_run(
            as_of=dt.date.fromisoformat(as_of), batch_size=batch_size, incremental=incremental
        )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "active_loans": active,
                "loans": result.loans,
                "snapshots": result.snapshots_written,
                "alerts": result.alerts_raised,
                "par30": str(result.par30),
                "seconds": round(seconds, 2),
                "peak_bytes": peak,
                "queries": queries,
                "batch_size": batch_size,
            }
        )
    )


def run_job(batch_size: int, as_of: str, *, incremental: bool = True) -> dict[str, object]:
    mode = [] if incremental else ["--full"]
    out = subprocess.run(  # noqa: S603 (this very script, fixed arguments)
        [sys.executable, __file__, "--job", str(batch_size), "--as-of", as_of, *mode],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def manage(*args: str) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.arrears.settings",
        "PYTHONPATH": str(ROOT),
    }
    command = [str(ROOT / ".venv/bin/microcredit"), *args]
    subprocess.run(command, check=True, cwd=ROOT, env=env)  # noqa: S603 (fixed commands)


def main(loans: int) -> None:
    dossiers = loans + loans // 5
    started = time.perf_counter()
    manage("migrate", "--noinput", "-v0")
    manage("generate_volume", f"--dossiers={dossiers}", f"--loans={loans}", f"--today={AS_OF}")
    generated = time.perf_counter() - started
    first = run_job(1000, AS_OF)
    night = run_job(1000, NEXT_DAY)
    full = run_job(1000, NEXT_DAY, incremental=False)
    larger = run_job(10000, NEXT_DAY, incremental=False)
    again = run_job(1000, NEXT_DAY)
    rows = [
        (f"first run ({AS_OF}): every loan computed, every alert raised", first),
        (f"next night ({NEXT_DAY}): yesterday carried forward where only time passed", night),
        ("same night, every loan computed again (--full)", full),
        ("same, batches of 10,000 (--full)", larger),
        ("same night run again (incremental)", again),
    ]
    mib = 1024 * 1024
    lines = [
        "# Nightly arrears job (bench/arrears)",
        "",
        f"Machine: {platform.platform()}, {cpu_model()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, PostgreSQL (throwaway cluster, fsync off). "
        f"Date: {dt.date.today().isoformat()}. Job date: {AS_OF}.",
        "",
        f"Volume: {dossiers} dossiers, {loans} loans generated in {generated:.0f} s "
        f"(`generate_volume`); {first['active_loans']} of them active.",
        "",
        "| run | loans | snapshots | alerts | seconds | peak memory | SQL queries | queries per "
        "1,000 loans |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in rows:
        per = int(r["queries"]) * 1000 / max(1, int(r["loans"]))  # type: ignore[call-overload]
        lines.append(
            f"| {label} | {r['loans']} | {r['snapshots']} | {r['alerts']} | {r['seconds']} | "
            f"{int(r['peak_bytes']) / mib:.0f} MiB | {r['queries']} | {per:.1f} |"  # type: ignore[call-overload]
        )
    ok_time = float(night["seconds"]) <= TARGET_SECONDS  # type: ignore[arg-type]
    ok_mem = max(int(r["peak_bytes"]) for _l, r in rows) <= TARGET_BYTES  # type: ignore[call-overload]
    lines += [
        "",
        f"PAR30 on {AS_OF}: {first['par30']}.",
        "",
        f"Target ≤ {TARGET_SECONDS:.0f} s for the nightly run: "
        f"{'met' if ok_time else 'NOT met'}; ≤ 1 GiB for every run: "
        f"{'met' if ok_mem else 'NOT met'}. The query count follows the number of batches "
        "(compare the two batch sizes of the full runs), not the number of loans.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    (Path(__file__).parent / "results.md").write_text(report)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--job", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--as-of", default=AS_OF, help=argparse.SUPPRESS)
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        job(args.job, args.as_of, not args.full)
    elif not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.execv(  # noqa: S606 (this very script under a throwaway PostgreSQL)
            str(ROOT / "scripts/with-postgres"),
            [str(ROOT / "scripts/with-postgres"), sys.executable, __file__, *sys.argv[1:]],
        )
    else:
        main(args.loans)
