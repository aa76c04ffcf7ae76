"""Uploads: the real type is sniffed, the size capped, the name checked; nothing half-stored."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.core.models import AuditEvent
from microcredit.documents import rules
from microcredit.documents.models import Document
from microcredit.documents.rules import UploadRefused
from microcredit.documents.services import document_upload
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from tests.factories import make_dossier, pdf_bytes, share_with

PDF = pdf_bytes("justificatif")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64
KIND = "piece_d_identite"


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def with_raw_name(file: SimpleUploadedFile, name: str) -> SimpleUploadedFile:
    """Django's UploadedFile keeps only the base name; set the raw name as a client sent it, to
    check that the service refuses it even if it ever got through."""
    file._name = name
    return file


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def dossier(referent: User) -> Dossier:
    return make_dossier(created_by=referent, referent=referent, state=DossierState.INSTRUCTION)


def send(user: User, dossier: Dossier, file: SimpleUploadedFile, kind: str = KIND) -> Document:
    return document_upload(
        actor=user,
        membership=Membership.objects.get(user=user),
        dossier_id=dossier.pk,
        kind=kind,
        upload=file,
    )


def assert_refused(
    user: User, dossier: Dossier, file: SimpleUploadedFile, root: Path, *, kind: str = KIND
) -> str:
    """The upload is refused, and neither a row nor a file nor an audit line is left."""
    audits = AuditEvent.objects.count()
    with pytest.raises((UploadRefused, ValidationError)) as error:
        send(user, dossier, file, kind)
    assert not Document.objects.filter(dossier=dossier).exists()
    assert stored_files(root) == []
    assert AuditEvent.objects.count() == audits
    value = error.value
    return value.message if isinstance(value, UploadRefused) else " ".join(value.messages)


# --- refused ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("content", [WINDOWS_EXE, ELF], ids=["windows-exe", "elf"])
def test_an_executable_renamed_pdf_is_refused(
    referent: User, dossier: Dossier, media_root: Path, content: bytes
) -> None:
    message = assert_refused(referent, dossier, upload("releve.pdf", content), media_root)
    assert "Ce fichier n'est pas un PDF, une image JPEG ou PNG" in message


@pytest.mark.django_db
def test_a_pdf_named_as_an_image_is_refused(
    referent: User, dossier: Dossier, media_root: Path
) -> None:
    message = assert_refused(referent, dossier, upload("photo.png", PDF, "image/png"), media_root)
    assert "ne correspond pas à son extension" in message


@pytest.mark.django_db
def test_an_oversize_file_is_refused(
    settings, referent: User, dossier: Dossier, media_root: Path
) -> None:  # type: ignore[no-untyped-def]
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    big = PDF + b"0" * (1024 * 1024)
    message = assert_refused(referent, dossier, upload("gros.pdf", big), media_root)
    assert "dépasse la taille maximale de 1 Mo" in message
    # Exactly at the limit it passes.
    exact = PDF + b"0" * (1024 * 1024 - len(PDF))
    assert send(referent, dossier, upload("juste.pdf", exact)).size == 1024 * 1024


@pytest.mark.django_db
def test_an_empty_file_is_refused(referent: User, dossier: Dossier, media_root: Path) -> None:
    assert "vide" in assert_refused(referent, dossier, upload("vide.pdf", b""), media_root)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "dossier\\x.pdf", "/home/a.pdf", "a\x00.pdf", ".."]
)
def test_a_name_with_a_path_is_refused(
    referent: User, dossier: Dossier, media_root: Path, name: str
) -> None:
    file = with_raw_name(upload("x.pdf", PDF), name)
    message = assert_refused(referent, dossier, file, media_root)
    assert "contient un chemin ou des caractères interdits" in message


@pytest.mark.django_db
def test_an_unknown_kind_is_refused(referent: User, dossier: Dossier, media_root: Path) -> None:
    message = assert_refused(
        referent, dossier, upload("a.pdf", PDF), media_root, kind="radiographie"
    )
    assert "Choisissez le type de pièce dans la liste." in message


@pytest.mark.django_db
def test_a_kind_of_another_purpose_is_refused(
    referent: User, dossier: Dossier, media_root: Path
) -> None:
    """The lease is asked for housing projects only; this dossier is about mobility."""
    message = assert_refused(
        referent, dossier, upload("bail.pdf", PDF), media_root, kind="bail_ou_quittance_de_loyer"
    )
    assert "Choisissez le type de pièce" in message


@pytest.mark.django_db
def test_the_same_file_twice_is_refused(referent: User, dossier: Dossier, media_root: Path) -> None:
    first = send(referent, dossier, upload("cni.pdf", PDF))
    with pytest.raises(ValidationError) as error:
        send(referent, dossier, upload("cni-encore.pdf", PDF), "justificatif_de_domicile")
    assert "Ce fichier est déjà déposé dans le dossier." in str(error.value)
    assert list(Document.objects.filter(dossier=dossier)) == [first]
    assert len(stored_files(media_root)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.PARTNER_WORKER, Role.BANK_ADVISER, Role.COMMITTEE_MEMBER])
def test_outside_roles_who_see_the_dossier_cannot_upload(
    make_user, referent: User, media_root: Path, role: Role
) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import put_on_agenda

    user = make_user(role)
    state = DossierState.TRANSMITTED_TO_BANK if role == Role.BANK_ADVISER else "instruction"
    dossier = make_dossier(created_by=referent, state=state)
    if role == Role.PARTNER_WORKER:
        share_with(dossier, user, shared_by=referent)
    if role == Role.COMMITTEE_MEMBER:
        put_on_agenda(dossier, user)
    message = assert_refused(user, dossier, upload("a.pdf", PDF), media_root)
    assert "Seule l'équipe du CCAS dépose les pièces du dossier." in message


@pytest.mark.django_db
def test_staff_of_another_ccas_get_a_404(make_user, dossier: Dossier, media_root: Path) -> None:  # type: ignore[no-untyped-def]
    lyon = Organisation.objects.create(kind="ccas", name="CCAS de Lyon", slug="ccas-lyon")
    Programme.objects.create(organisation=lyon, name="Prêt", slug="pret")
    outsider = make_user(Role.REFERENT, username="ref-lyon", organisation=lyon)
    with pytest.raises(Http404):
        send(outsider, dossier, upload("a.pdf", PDF))
    assert stored_files(media_root) == []


# --- stored -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("Carte d'identité.pdf", PDF, "application/pdf", "pdf"),
        ("scan.PNG", PNG, "image/png", "png"),
        ("photo.jpeg", JPEG, "image/jpeg", "jpg"),
    ],
)
def test_a_valid_file_is_stored_under_a_random_name(
    referent: User,
    dossier: Dossier,
    media_root: Path,
    name: str,
    content: bytes,
    content_type: str,
    extension: str,
) -> None:
    # The browser's content type is not trusted: the stored type is the sniffed one.
    document = send(referent, dossier, upload(name, content, "application/octet-stream"))
    assert document.kind == KIND
    assert document.label == "Pièce d'identité"
    assert document.original_name == name
    assert document.content_type == content_type
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.uploaded_by == referent
    assert re.fullmatch(rf"dossiers/{dossier.pk}/[0-9a-f]{{32}}\.{extension}", document.file.name)
    stem = name.rsplit(".", 1)[0]
    assert stem not in document.file.name

    path = Path(document.file.path).resolve()
    assert path.is_relative_to(media_root.resolve())
    assert path.read_bytes() == content
    assert stored_files(media_root) == [path]
    audit = AuditEvent.objects.get(action="document_uploaded")
    assert audit.new_values == {"document": document.pk, "kind": KIND, "name": name}


@pytest.mark.django_db
def test_the_consent_and_other_documents_are_accepted_kinds(
    referent: User, dossier: Dossier, media_root: Path
) -> None:
    consent = send(referent, dossier, upload("consentement.pdf", PDF), "consent")
    other = send(referent, dossier, upload("autre.png", PNG), "other")
    assert consent.label == "Consentement signé à la transmission à la banque"
    assert other.label == "Autre pièce"


def test_uploads_live_outside_the_static_and_web_directories() -> None:
    """The configured upload folder is neither a static folder nor inside one."""
    from config.settings import base

    media = Path(base.MEDIA_ROOT).resolve()
    static_dirs = [Path(base.STATIC_ROOT)] + [
        Path(d[1] if isinstance(d, tuple) else d) for d in base.STATICFILES_DIRS
    ]
    for static in static_dirs:
        static = static.resolve()
        assert not media.is_relative_to(static), static
        assert not static.is_relative_to(media), static
    assert not media.is_relative_to((base.BASE_DIR / "microcredit").resolve())


@pytest.mark.django_db
def test_media_url_does_not_serve_the_files(
    client, referent: User, dossier: Dossier, media_root: Path
) -> None:  # type: ignore[no-untyped-def]
    document = send(referent, dossier, upload("cni.pdf", PDF))
    client.force_login(referent)
    response = client.get(django_settings.MEDIA_URL + document.file.name)
    assert response.status_code == 404


# --- pure rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PDF[:16], ("application/pdf", "pdf")),
        (PNG[:16], ("image/png", "png")),
        (JPEG[:16], ("image/jpeg", "jpg")),
        (WINDOWS_EXE[:16], None),
        (ELF[:16], None),
        (b"<html><script>", None),
        (b"PK\x03\x04", None),  # zip, docx
        (b"", None),
    ],
)
def test_sniff(head: bytes, expected: tuple[str, str] | None) -> None:
    assert rules.sniff(head) == expected


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "dossier\\x.pdf", "a/b.pdf", "a\x00.pdf", "", " ", ".", ".."]
)
def test_check_upload_refuses_paths_and_empty_names(name: str) -> None:
    with pytest.raises(UploadRefused) as error:
        rules.check_upload(name=name, size=10, head=PDF[:16], max_bytes=100)
    assert "renommez-le" in error.value.message


def test_check_upload_accepts_jpg_and_jpeg_extensions() -> None:
    for name in ("a.jpg", "a.JPEG"):
        checked = rules.check_upload(name=name, size=10, head=JPEG[:16], max_bytes=100)
        assert (checked.content_type, checked.extension) == ("image/jpeg", "jpg")


def test_a_file_without_extension_is_refused() -> None:
    with pytest.raises(UploadRefused, match="ne correspond pas à son extension"):
        rules.check_upload(name="releve", size=10, head=PDF[:16], max_bytes=100)


def test_clean_name() -> None:
    assert rules.clean_name("  Relevé\tde  compte\u200b.pdf ") == "Relevé de compte.pdf"
    assert rules.clean_name("e\u0301te\u0301.pdf") == "été.pdf"  # NFC
    long = rules.clean_name("a" * 300 + ".pdf")
    assert len(long) == rules.MAX_NAME_LENGTH
    assert long.endswith(".pdf")
