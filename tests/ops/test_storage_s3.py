"""Uploads through an S3-compatible store: moto's server on a loopback port, a real bucket.

The settings come from `uploads_storage()` (MICROCREDIT_STORAGE=s3 and the AWS_* variables),
the files go through the real upload view, the letters' writer and the download views; the
test reads the bucket itself with boto3 to see what is stored, and how.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped]
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from moto.server import ThreadedMotoServer

from config.settings.base import uploads_storage
from microcredit.accounts.enums import Role
from microcredit.documents.models import Document
from microcredit.documents.services import document_upload
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.services import dossier_transition
from microcredit.letters.models import Letter
from microcredit.letters.writing import _save as letter_save
from tests.factories import make_dossier, pdf_bytes
from tests.pdfs import pdf_text

REGION = "eu-west-3"
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible HTTP server (moto), on a free loopback port, for this module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


class Bucket:
    def __init__(self, endpoint: str, name: str) -> None:
        self.name = name
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="cle-essai",
            aws_secret_access_key="secret-essai",
        )
        self.client.create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
        )

    def object_keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()  # type: ignore[no-any-return]

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.name, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] in {"404", "NoSuchKey"}:
                return False
            raise
        return True

    def is_private(self, key: str) -> bool:
        grants = self.client.get_object_acl(Bucket=self.name, Key=key)["Grants"]
        return not any(g["Grantee"].get("URI") in PUBLIC_GROUPS for g in grants)


def s3_environment(endpoint: str, bucket: str) -> dict[str, str]:
    return {
        "MICROCREDIT_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": "cle-essai",
        "AWS_SECRET_ACCESS_KEY": "secret-essai",
    }


@pytest.fixture
def bucket(settings: Any, s3_endpoint: str, tmp_path: Path, monkeypatch: Any) -> Bucket:
    """A fresh bucket, and the default storage set to it as production would from its env."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    created = Bucket(s3_endpoint, f"microcredit-{uuid.uuid4().hex[:12]}")
    settings.MEDIA_ROOT = tmp_path / "disque-local"  # must stay empty: nothing on the disk
    settings.STORAGES = {
        **settings.STORAGES,
        "default": uploads_storage(s3_environment(s3_endpoint, created.name)),
    }
    return created


def nothing_on_the_disk(root: Path) -> bool:
    return not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def test_the_environment_chooses_the_storage() -> None:
    assert uploads_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert uploads_storage({"MICROCREDIT_STORAGE": "local"})["BACKEND"].endswith(
        "FileSystemStorage"
    )
    s3 = uploads_storage(s3_environment("http://127.0.0.1:9000", "ccas"))
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    options = s3["OPTIONS"]
    assert options["bucket_name"] == "ccas"
    assert options["default_acl"] == "private"
    assert options["file_overwrite"] is False
    assert options["querystring_auth"] is True
    assert options["addressing_style"] == "path"
    assert "custom_domain" not in options  # no public address for the files
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        uploads_storage({"MICROCREDIT_STORAGE": "s3"})
    with pytest.raises(ImproperlyConfigured, match="local et s3"):
        uploads_storage({"MICROCREDIT_STORAGE": "ftp"})


@pytest.mark.django_db
def test_a_document_round_trips_through_the_bucket(client_for, bucket: Bucket, settings) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    dossier = make_dossier(created_by=client.user, state=DossierState.INSTRUCTION)
    content = pdf_bytes("piece-s3")
    response = client.post(
        reverse("documents:upload", args=[dossier.pk]),
        {
            "kind": "piece_d_identite",
            "file": SimpleUploadedFile("carte.pdf", content, content_type="application/pdf"),
        },
        follow=True,
    )
    assert "est déposé" in response.content.decode()
    document = Document.objects.get()
    key = str(document.file.name)
    assert bucket.object_keys() == [key]
    assert bucket.read(key) == content
    assert bucket.is_private(key)
    assert nothing_on_the_disk(settings.MEDIA_ROOT)

    download = client.get(reverse("documents:download", args=[document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert document.sha256 == hashlib.sha256(content).hexdigest()

    document.file.delete(save=False)  # what every removal of a stored file calls
    assert not bucket.exists(key)
    assert bucket.object_keys() == []


@pytest.mark.django_db
def test_a_letter_is_written_to_the_bucket_and_read_back(  # type: ignore[no-untyped-def]
    client, make_user, bucket: Bucket, settings, django_capture_on_commit_callbacks
) -> None:
    director, referent = make_user(Role.DIRECTOR), make_user(Role.REFERENT)
    dossier = make_dossier(
        created_by=referent, referent=referent, state=DossierState.READY_FOR_COMMITTEE
    )
    with django_capture_on_commit_callbacks(execute=True):
        dossier_transition(
            actor=director,
            membership=director.memberships.get(),
            dossier_id=dossier.pk,
            transition="adjourn",
            flow="commission",
            reason="Le devis signé manque.",
        )
    letter = Letter.objects.get()
    key = str(letter.file.name)
    assert bucket.object_keys() == [key]
    stored = bucket.read(key)
    assert hashlib.sha256(stored).hexdigest() == letter.sha256
    assert dossier.number in pdf_text(stored)
    assert "Le devis signé manque." in " ".join(pdf_text(stored).split())
    assert bucket.is_private(key)
    assert nothing_on_the_disk(settings.MEDIA_ROOT)

    client.force_login(director)
    download = client.get(reverse("letters:download", args=[letter.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == stored

    # The same letter written again by a second worker: its file is removed from the bucket.
    assert (
        letter_save(
            dossier_id=dossier.pk,
            kind=letter.kind,
            content=stored,
            event=letter.event,
            key=letter.key,
        )
        is None
    )
    assert bucket.object_keys() == [key]


def test_a_name_is_never_overwritten_in_the_bucket(bucket: Bucket) -> None:
    first = default_storage.save("essai/releve.pdf", ContentFile(b"premier"))
    second = default_storage.save("essai/releve.pdf", ContentFile(b"second"))
    assert first == "essai/releve.pdf" and second != first
    assert bucket.read(first) == b"premier" and bucket.read(second) == b"second"
    assert all(bucket.is_private(key) for key in bucket.object_keys())


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_read_and_write_the_bucket(make_user, bucket: Bucket, tmp_path) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT)
    dossier = make_dossier(created_by=referent, referent=referent, state=DossierState.INSTRUCTION)
    for tag in ("identite", "revenus"):
        document_upload(
            actor=referent,
            membership=referent.memberships.get(),
            dossier_id=dossier.pk,
            kind="piece_d_identite",
            upload=SimpleUploadedFile(f"{tag}.pdf", pdf_bytes(tag), content_type="application/pdf"),
        )
    before = {key: hashlib.sha256(bucket.read(key)).hexdigest() for key in bucket.object_keys()}
    assert len(before) == 2

    call_command("backup", output=str(tmp_path / "sauvegardes"))
    (folder,) = (tmp_path / "sauvegardes").iterdir()
    for key in before:  # the bucket is lost
        bucket.client.delete_object(Bucket=bucket.name, Key=key)
    assert bucket.object_keys() == []

    call_command("restore", str(folder), yes=True)
    after = {key: hashlib.sha256(bucket.read(key)).hexdigest() for key in bucket.object_keys()}
    assert after == before
    assert all(bucket.is_private(key) for key in after)
    assert Document.objects.count() == 2
