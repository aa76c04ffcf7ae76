"""Each page of the load bench, one request at a time, in-process: its wall time, its SQL queries
and the slowest of them (what to look at when a page is slow under load).

Run it against the database a load bench filled (`bench/load/run.py --reuse` keeps it in your own
cluster, as `bench_load`):

    DATABASE_URL=postgres://…/bench_load .venv/bin/python bench/load/profile_pages.py [--only TEXT]
    [--top 5] [--width 160] [--profile 40 [--sort tottime]]

It uses `bench.load.settings` (production's settings: cached templates, DEBUG off; the static
files `run.py --reuse` collected, or STATIC_ROOT), the Django test client (no HTTP server) and
the users the load bench created. It reads only, except the sessions it logs in with and the
access-log rows the pages write, as any visit does.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load.settings")
# The files `run.py --reuse` collected (production's storage needs their manifest).
os.environ.setdefault("STATIC_ROOT", str(Path(tempfile.gettempdir()) / "bench-load-static"))

PAGES = [
    ("volume-referent", "/dossiers/"),
    ("volume-referent", "/dossiers/?recherche=bench"),
    ("volume-referent", "/dossiers/?q={number}"),
    ("volume-referent", "/dossiers/{dossier}/"),
    ("volume-banque", "/banque/"),
    ("volume-directeur", "/suivi/portefeuille/"),
    ("volume-directeur", "/suivi/portefeuille/?page=50"),
    ("volume-referent", "/"),
    ("volume-agent", "/"),
    ("volume-directeur", "/"),
    ("volume-commission", "/"),
    ("volume-banque", "/"),
    ("volume-partenaire", "/"),
    ("volume-dpo", "/"),
    ("volume-directeur", "/bilan/"),
    ("volume-agent", "/accompagnement/demandes/?etat="),
]


def main(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from microcredit.accounts.models import User
    from microcredit.dossiers.models import Dossier

    referent = User.objects.get(username="volume-referent")
    dossier = Dossier.objects.filter(referent=referent).order_by("-id").first()
    if dossier is None:
        raise SystemExit("No dossier: point DATABASE_URL at a database the load bench filled.")
    for username, pattern in PAGES:
        url = pattern.format(number=dossier.number, dossier=dossier.pk)
        if args.only and args.only not in f"{username} {url}":
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            print(f"{username}: absent (run bench/load/run.py once on this database)")
            continue
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:  # the second factor, as django-otp's login marks it
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        client.get(url)  # warm: templates, caches
        walls = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(url)
            walls.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(
            f"{username} {url}: {response.status_code}, best {min(walls):.0f} ms of "
            f"{args.repeat}, {len(queries.captured_queries)} queries, SQL {sql:.0f} ms, "
            f"{len(response.content) // 1024} KB"
        )
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))
        for query in slowest[: args.top]:
            print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][: args.width]}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.repeat):
                client.get(url)
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats(args.sort)
            stats.print_stats(args.profile)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="only the pages whose user or URL has this")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page")
    parser.add_argument("--top", type=int, default=5, help="slowest queries shown")
    parser.add_argument("--width", type=int, default=160, help="characters of SQL shown")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        help="also profile the timed requests (cProfile) and print this many functions",
    )
    parser.add_argument(
        "--sort", default="cumulative", help="the profile's order (cumulative, tottime, …)"
    )
    main(parser.parse_args())
