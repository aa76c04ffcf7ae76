"""Pure checks of an uploaded file: its real type (from its first bytes), size and name.

The browser's content type and the file's extension are not trusted: a file is a PDF because it
starts like one. No Django here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from microcredit.core.errors import Refused

# Signature (first bytes) → (content type, extension).
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
_EXTENSIONS = {
    "application/pdf": {"pdf"},
    "image/jpeg": {"jpg", "jpeg"},
    "image/png": {"png"},
}
MAX_NAME_LENGTH = 120


class UploadRefused(Refused):
    """The file is refused; `message` says why in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content_type: str
    extension: str


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, or None for anything else."""
    for signature, content_type, extension in _SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def clean_name(name: str) -> str:
    """The displayed name: no folder, no control character, accents kept, at most 120 chars."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", name))  # tabs → spaces first
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = re.sub(r"\s+", " ", text).strip(" .")
    if len(text) > MAX_NAME_LENGTH:
        stem, dot, ext = text.rpartition(".")
        keep = MAX_NAME_LENGTH - len(ext) - 1
        text = f"{stem[:keep]}.{ext}" if dot and len(ext) <= 5 else text[:MAX_NAME_LENGTH]
    return text


def check_name(name: str) -> None:
    """A plain file name: no folder (« ../x.pdf », « C:\\x.pdf »), no NUL, not empty."""
    if any(ch in name for ch in "/\\:\x00") or name.strip() in {"", ".", ".."}:
        raise UploadRefused(
            "Le nom du fichier contient un chemin ou des caractères interdits : renommez-le "
            "(par exemple « justificatif.pdf »)."
        )


def check_sent_names(raw_names: Iterable[str]) -> None:
    """The file names as the browser or client sent them (before Django kept only their last
    part: `request.upload_names_with_path`, core.middleware): any path is refused."""
    for raw_name in raw_names:
        check_name(raw_name)


def check_upload(*, name: str, size: int, head: bytes, max_bytes: int) -> CheckedUpload:
    """Accept a PDF, JPEG or PNG of at most `max_bytes` whose name is a plain file name."""
    check_name(name)
    if size == 0:
        raise UploadRefused("Le fichier est vide.")
    if size > max_bytes:
        raise UploadRefused(
            f"Le fichier dépasse la taille maximale de {max_bytes // (1024 * 1024)} Mo."
        )
    found = sniff(head)
    if found is None:
        raise UploadRefused(
            "Ce fichier n'est pas un PDF, une image JPEG ou PNG : seuls ces formats sont acceptés."
        )
    content_type, extension = found
    declared = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if declared not in _EXTENSIONS[content_type]:
        raise UploadRefused(
            f"Le contenu du fichier ({extension.upper()}) ne correspond pas à son extension "
            f"(« .{declared} ») : vérifiez qu'il s'agit du bon fichier."
        )
    cleaned = clean_name(name)
    if not cleaned:
        raise UploadRefused("Le nom du fichier est vide.")
    return CheckedUpload(cleaned, content_type, extension)
