"""Uploads through HTTP, as a browser (or a crafted request) sends them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.documents.models import Document
from tests.factories import make_dossier, pdf_bytes, put_on_agenda

BOUNDARY = "----essai-limite"


def multipart(kind: str, filename: str, content: bytes, csrf: str = "") -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n'.encode(),
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + content
        + b"\r\n",
        f"--{BOUNDARY}--\r\n".encode(),
    ]
    return b"".join(parts)


def post_raw(client, dossier, filename: str, content: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("documents:upload", args=[dossier.pk]),
        data=multipart("piece_d_identite", filename, content),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        follow=True,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "filename", ["../../etc/passwd.pdf", "..\\..\\dossier.pdf", "C:\\Users\\x\\carte.pdf"]
)
def test_a_name_with_a_path_is_refused_over_http(client_for, filename) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    dossier = make_dossier(created_by=client.user)
    response = post_raw(client, dossier, filename, pdf_bytes("chemin"))
    assert "contient un chemin" in response.content.decode()
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_an_executable_renamed_pdf_is_refused_and_a_pdf_is_kept(client_for, make_user) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    dossier = make_dossier(created_by=client.user)
    refused = post_raw(client, dossier, "facture.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    assert "n&#x27;est pas un PDF" in refused.content.decode()
    assert not Document.objects.exists()

    kept = post_raw(client, dossier, "carte d'identité.pdf", pdf_bytes("ok"))
    assert "est déposé" in kept.content.decode()
    document = Document.objects.get()
    assert document.original_name == "carte d'identité.pdf"
    assert "identit" not in document.file.name  # stored under a random name

    download = reverse("documents:download", args=[document.pk])
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes("ok")
    assert response["Content-Disposition"].startswith("attachment")
    for role in (Role.BANK_ADVISER, Role.PARTNER_WORKER):
        client.force_login(make_user(role, username=f"autre-{role.value}"))
        assert client.get(download).status_code == 404, role
    # The commission never downloads pieces, not even of a dossier on its agenda.
    member = make_user(Role.COMMITTEE_MEMBER, username="membre-commission")
    put_on_agenda(document.dossier, member)
    client.force_login(member)
    assert client.get(download).status_code == 403
