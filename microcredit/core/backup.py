"""Backup and restore of one installation: the database and every uploaded file (docs/backup.md).

A backup is one folder `sauvegarde-AAAAMMJJ-HHMMSS` holding:
- `base.dump` (PostgreSQL, `pg_dump --format=custom`) or `base.sqlite3` (SQLite, its online
  backup API: a consistent copy while the application runs);
- `fichiers.tar`: every file of the default storage (the local disk or an S3-compatible store,
  read through Django's storage API, whatever the backend);
- `manifest.json`: the format, the date, the database's engine, and the SHA-256 and size of the
  database file and of every stored file.
The folder is written under a temporary name and renamed at the end: a failed backup leaves
nothing that looks like a backup. A restore checks every checksum before it touches anything,
restores the database in one transaction, puts the files back and reads them again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.db import connection
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
FILES_TAR = "fichiers.tar"
DUMP_FILES = {"postgresql": "base.dump", "sqlite": "base.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore that failed; the message is for the operator, in French."""


class BackupRefused(BackupError):
    """Bad input, refused before anything is touched: not a backup folder, an altered file,
    another database engine, a database holding data without the consent to replace it."""


@dataclass
class RestoreReport:
    files_written: int = 0
    files_unchanged: int = 0
    extra_files: list[str] = field(default_factory=list)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_stream(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """Reads a file for tarfile while hashing what it hands over."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name of `storage`, folders walked depth first, in a stable order."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        if folder:
            raise
        return  # a local storage whose folder is not created yet: no file
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from stored_names(storage, f"{folder}/{sub}" if folder else sub)


def _vendor() -> str:
    if connection.vendor not in DUMP_FILES:
        raise BackupRefused(
            f"Base de données « {connection.vendor} » non prise en charge : "
            "seules PostgreSQL et SQLite le sont."
        )
    return connection.vendor


def pg_tool(name: str) -> str:
    """The path of `pg_dump`/`pg_restore`: settings.BACKUP_PG_BIN_DIR, else the PATH, else the
    newest /usr/lib/postgresql/<version>/bin."""
    configured = getattr(settings, "BACKUP_PG_BIN_DIR", "")
    if configured:
        candidate = Path(configured) / name
        if candidate.is_file():
            return str(candidate)
        raise BackupError(f"{name} est introuvable dans {configured} (MICROCREDIT_PG_BIN_DIR).")
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if versions:
        return str(versions[-1])
    raise BackupError(
        f"{name} est introuvable : installez les outils clients de PostgreSQL ou donnez leur "
        "dossier dans MICROCREDIT_PG_BIN_DIR."
    )


def _pg_environment() -> dict[str, str]:
    """The libpq environment of the default connection (the password never on a command line)."""
    db = connection.settings_dict
    env = dict(os.environ)
    values = {
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db.get("NAME") or "",
        "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode", ""),
    }
    env.update({key: value for key, value in values.items() if value})
    return env


def _run(command: list[str]) -> None:
    result = subprocess.run(  # noqa: S603 (a fixed tool, arguments of our own)
        command, env=_pg_environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} a échoué (code {result.returncode}) : "
            f"{result.stderr.strip()[-2000:]}"
        )


def _database_dump(target: Path) -> None:
    if _vendor() == "postgresql":
        _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}"])
        return
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
    finally:
        destination.close()


def _files_archive(target: Path, storage: Storage) -> list[dict[str, Any]]:
    entries = []
    with tarfile.open(target, "w") as archive:
        for name in stored_names(storage):
            info = tarfile.TarInfo(name)
            info.size = storage.size(name)
            info.mode = 0o600
            with storage.open(name, "rb") as handle:
                reader = _HashingReader(handle)
                archive.addfile(info, reader)
            if reader.size != info.size:
                raise BackupError(f"Le fichier « {name} » a changé pendant la sauvegarde.")
            entries.append({"name": name, "size": info.size, "sha256": reader.digest.hexdigest()})
    return entries


def backup_create(output: Path, *, now: datetime | None = None) -> Path:
    """Write a backup folder under `output` (created if needed); return its path.

    Raises:
        BackupError: the output is not a folder, the database or the storage could not be read.
    """
    if output.exists() and not output.is_dir():
        raise BackupRefused(f"« {output} » n'est pas un dossier.")
    output.mkdir(parents=True, exist_ok=True)
    at = timezone.localtime(now or timezone.now())
    final = output / f"sauvegarde-{at:%Y%m%d-%H%M%S}"
    if final.exists():
        raise BackupError(f"« {final} » existe déjà : relancez dans une seconde.")
    vendor = _vendor()
    partial = output / f".{final.name}.en-cours"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)
    try:
        dump = partial / DUMP_FILES[vendor]
        _database_dump(dump)
        # The database first, then the files: every row of the dump has its file in the archive
        # (a file written meanwhile is there too, without its row).
        try:
            files = _files_archive(partial / FILES_TAR, default_storage)
        except BackupError:
            raise
        except Exception as error:  # the disk's OSError, S3's ClientError...
            raise BackupError(
                f"Le stockage des fichiers n'a pas pu être lu ({error}) : relancez la sauvegarde."
            ) from error
        manifest = {
            "format": FORMAT,
            "created_at": at.isoformat(),
            "database": {
                "vendor": vendor,
                "file": dump.name,
                "size": dump.stat().st_size,
                "sha256": _sha256_file(dump),
            },
            "files": files,
        }
        (partial / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def manifest_read(folder: Path) -> dict[str, Any]:
    """The manifest of a backup folder, checked against the files it names.

    Raises:
        BackupError: not a backup folder, a file missing or altered, another database engine.
    """
    path = folder / MANIFEST
    if not folder.is_dir() or not path.is_file():
        raise BackupRefused(f"« {folder} » n'est pas un dossier de sauvegarde (pas de {MANIFEST}).")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        database = manifest["database"]
        files = manifest["files"]
        format_ = manifest["format"]
    except (ValueError, KeyError, TypeError) as error:
        raise BackupRefused(f"Le manifeste de « {folder} » est illisible ({error}).") from error
    if format_ != FORMAT:
        raise BackupRefused(f"Format de sauvegarde {format_} inconnu (attendu : {FORMAT}).")
    if database.get("vendor") != _vendor():
        raise BackupRefused(
            f"Cette sauvegarde vient d'une base {database.get('vendor')} ; "
            f"la base configurée est {connection.vendor}."
        )
    dump = folder / str(database.get("file", ""))
    if not dump.is_file() or _sha256_file(dump) != database.get("sha256"):
        raise BackupRefused(f"Le fichier de la base « {dump.name} » manque ou a été modifié.")
    expected = {entry["name"]: entry for entry in files}
    seen: set[str] = set()
    try:
        with tarfile.open(folder / FILES_TAR, "r") as archive:
            for member in archive:
                entry = expected.get(member.name)
                if not member.isfile() or entry is None or member.name in seen:
                    raise BackupRefused(
                        f"« {member.name} » n'est pas au manifeste de la sauvegarde."
                    )
                handle = archive.extractfile(member)
                if handle is None or _sha256_stream(handle) != entry["sha256"]:
                    raise BackupRefused(
                        f"Le fichier « {member.name} » de la sauvegarde est altéré."
                    )
                seen.add(member.name)
    except (OSError, tarfile.TarError) as error:
        raise BackupRefused(f"L'archive {FILES_TAR} est illisible ({error}).") from error
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupRefused(
            f"{len(missing)} fichier(s) manquent à l'archive, dont « {missing[0]} »."
        )
    return dict(manifest)


# What `microcredit migrate` writes on its own into a fresh database: not the CCAS's data.
MIGRATE_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


def database_is_empty() -> bool:
    """True when no table holds data of the CCAS: a database just created, or just migrated."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in MIGRATE_TABLES:
                continue
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT 1 FROM {quoted} LIMIT 1")  # noqa: S608 (an introspected name)
            if cursor.fetchone() is not None:
                return False
    return True


def _database_restore(dump: Path) -> None:
    if connection.vendor == "postgresql":
        connection.close()  # pg_restore drops the tables: hold no lock on them
        _run(
            [
                pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={connection.settings_dict['NAME']}",
                str(dump),
            ]
        )
        return
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _files_restore(folder: Path, manifest: dict[str, Any], storage: Storage) -> RestoreReport:
    report = RestoreReport()
    entries = {entry["name"]: entry for entry in manifest["files"]}
    with tarfile.open(folder / FILES_TAR, "r") as archive:
        for member in archive:
            entry = entries[member.name]
            if storage.exists(member.name):
                with storage.open(member.name, "rb") as current:
                    if _sha256_stream(current) == entry["sha256"]:
                        report.files_unchanged += 1
                        continue
                storage.delete(member.name)
            handle = archive.extractfile(member)
            if handle is None:  # checked by manifest_read: a regular file
                raise BackupRefused(f"« {member.name} » n'est pas un fichier.")
            written = storage.save(member.name, File(handle, name=member.name))
            if written != member.name:
                storage.delete(written)
                raise BackupError(f"Le stockage a renommé « {member.name} » en « {written} ».")
            with storage.open(member.name, "rb") as check:
                if _sha256_stream(check) != entry["sha256"]:
                    raise BackupError(f"« {member.name} » relu du stockage diffère de l'original.")
            report.files_written += 1
    report.extra_files = [name for name in stored_names(storage) if name not in entries]
    return report


def backup_restore(folder: Path, *, overwrite: bool) -> RestoreReport:
    """Restore the backup in `folder`: checked first, then the database, then the files.

    Raises:
        BackupError: the backup is not valid (nothing is touched), the database holds data and
            `overwrite` is false (nothing is touched), or pg_restore failed (its transaction is
            rolled back: the database stays as it was).
    """
    manifest = manifest_read(folder)
    if not overwrite and not database_is_empty():
        raise BackupRefused(
            "La base de données contient déjà des données : relancez avec --yes pour la "
            "remplacer par la sauvegarde."
        )
    _database_restore(folder / manifest["database"]["file"])
    try:
        return _files_restore(folder, manifest, default_storage)
    except BackupError:
        raise
    except Exception as error:  # the disk's OSError, S3's ClientError...
        raise BackupError(
            f"La base est restaurée, mais l'écriture des fichiers a échoué ({error}) : "
            "relancez la restauration avec --yes."
        ) from error
