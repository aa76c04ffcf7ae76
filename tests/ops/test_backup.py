"""`microcredit backup` then `microcredit restore`: the row count of every table and the SHA-256
of every stored file are the same after the restore as when the backup was taken.

The data is written by the services (dossiers, documents uploaded, a decision whose letter the
task writes after commit): committed for real (transactional tests), as pg_dump reads it from
another connection. The PostgreSQL run uses pg_dump/pg_restore; the SQLite run the online
backup API of sqlite3.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.core.backup import MANIFEST, stored_names
from microcredit.documents.models import Document
from microcredit.documents.services import document_upload
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.services import dossier_transition
from microcredit.letters.models import Letter
from tests.factories import make_dossier, pdf_bytes

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgres")


def table_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def stored_checksums() -> dict[str, str]:
    sums = {}
    for name in stored_names(default_storage):
        with default_storage.open(name, "rb") as handle:
            sums[name] = hashlib.sha256(handle.read()).hexdigest()
    return sums


def upload(referent: User, dossier_id: int, tag: str) -> Document:
    return document_upload(
        actor=referent,
        membership=Membership.objects.get(user=referent),
        dossier_id=dossier_id,
        kind="piece_d_identite",
        upload=SimpleUploadedFile(f"{tag}.pdf", pdf_bytes(tag), content_type="application/pdf"),
    )


def load(make_user: Any) -> tuple[User, User]:
    """Three dossiers with their documents, one adjourned by the commission (its letter)."""
    referent, director = make_user(Role.REFERENT), make_user(Role.DIRECTOR)
    for n in range(3):
        dossier = make_dossier(
            created_by=referent, referent=referent, state=DossierState.READY_FOR_COMMITTEE
        )
        upload(referent, dossier.pk, f"piece-{n}-a")
        upload(referent, dossier.pk, f"piece-{n}-b")
    dossier_transition(
        actor=director,
        membership=director.memberships.get(),
        dossier_id=dossier.pk,
        transition="adjourn",
        flow="commission",
        reason="Le devis manque.",
    )
    assert Letter.objects.count() == 1  # written by the task after the commit
    return referent, director


def restore(folder: Path, **options: Any) -> None:
    call_command("restore", str(folder), **options)


def backup_then_restore(make_user: Any, tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "fichiers"
    referent, _ = load(make_user)
    counts, sums = table_counts(), stored_checksums()
    assert len(sums) == 7 and counts["documents_document"] == 6

    call_command("backup", output=str(tmp_path / "sauvegardes"))
    (folder,) = (tmp_path / "sauvegardes").iterdir()
    assert folder.name.startswith("sauvegarde-")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == sums

    # Work goes on after the backup: a new dossier, its document.
    later = make_dossier(created_by=referent, referent=referent, state=DossierState.INSTRUCTION)
    extra = upload(referent, later.pk, "apres-la-sauvegarde").file.name
    changed = table_counts()
    assert changed != counts

    # A database that holds data is not replaced without --yes; nothing is touched.
    with pytest.raises(CommandError, match="--yes") as refused:
        restore(folder)
    assert refused.value.returncode == 2
    assert table_counts() == changed

    restore(folder, yes=True)
    assert table_counts() == counts
    after = stored_checksums()
    assert {name: after[name] for name in sums} == sums
    assert set(after) - set(sums) == {extra}  # left in place, and reported

    # A lost server: an empty database and an empty storage. No --yes needed.
    call_command("flush", interactive=False)
    for name in stored_names(default_storage):
        default_storage.delete(name)
    assert stored_checksums() == {}
    restore(folder)
    assert table_counts() == counts
    assert stored_checksums() == sums
    document = Document.objects.filter(original_name="piece-0-a.pdf").get()
    with document.file.open("rb") as handle:
        assert handle.read() == pdf_bytes("piece-0-a")


@pytest.mark.skipif(not ON_POSTGRESQL, reason="pg_dump/pg_restore: the PostgreSQL run only")
@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_on_postgresql(make_user, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    assert connection.vendor == "postgresql"
    backup_then_restore(make_user, tmp_path, settings)
    dump = next((tmp_path / "sauvegardes").iterdir()) / "base.dump"
    assert dump.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format


@pytest.mark.skipif(ON_POSTGRESQL, reason="the SQLite variant (online backup API)")
@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_on_sqlite(make_user, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    assert connection.vendor == "sqlite"
    backup_then_restore(make_user, tmp_path, settings)
    copy = next((tmp_path / "sauvegardes").iterdir()) / "base.sqlite3"
    assert copy.read_bytes().startswith(b"SQLite format 3\x00")


@pytest.mark.django_db
def test_an_altered_or_foreign_backup_is_refused_and_nothing_changes(  # type: ignore[no-untyped-def]
    make_user, tmp_path, settings
) -> None:
    settings.MEDIA_ROOT = tmp_path / "fichiers"
    referent = make_user(Role.REFERENT)
    dossier = make_dossier(created_by=referent, referent=referent, state=DossierState.INSTRUCTION)
    folder = tmp_path / "sauvegarde-20260101-000000"
    folder.mkdir()
    with pytest.raises(CommandError, match="n'est pas un dossier de sauvegarde") as error:
        restore(folder, yes=True)
    assert error.value.returncode == 2

    # A backup whose archive holds a file other than the one its manifest names.
    dump = folder / ("base.dump" if connection.vendor == "postgresql" else "base.sqlite3")
    dump.write_bytes(b"contenu")
    original = tmp_path / "original.pdf"
    original.write_bytes(pdf_bytes("original"))
    with tarfile.open(folder / "fichiers.tar", "w") as archive:
        archive.add(original, arcname="dossiers/1/piece.pdf")
    manifest: dict[str, Any] = {
        "format": 1,
        "created_at": "2026-01-01T00:00:00+01:00",
        "database": {
            "vendor": connection.vendor,
            "file": dump.name,
            "size": 7,
            "sha256": hashlib.sha256(b"contenu").hexdigest(),
        },
        "files": [
            {
                "name": "dossiers/1/piece.pdf",
                "size": 10,
                "sha256": hashlib.sha256(b"autre chose").hexdigest(),
            }
        ],
    }
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CommandError, match="est altéré") as error:
        restore(folder, yes=True)
    assert error.value.returncode == 2
    manifest["database"]["vendor"] = "oracle"
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CommandError, match="vient d'une base oracle") as error:
        restore(folder, yes=True)
    assert error.value.returncode == 2
    assert stored_checksums() == {}
    assert dossier.__class__.objects.filter(pk=dossier.pk).exists()

    with pytest.raises(CommandError, match="n'est pas un dossier") as error:
        call_command("backup", output=str(original))
    assert error.value.returncode == 2


def test_the_command_line_exits_2_on_a_folder_that_is_not_a_backup(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run(  # noqa: S603
        [Path(sys.executable).with_name("microcredit"), "restore", str(tmp_path / "absent")],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        check=False,
    )
    assert result.returncode == 2
    assert "n'est pas un dossier de sauvegarde" in result.stderr
