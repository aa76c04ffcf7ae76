"""The catalogue of the API's error codes: every `code` an error answer may carry, with its HTTP
status, its meaning and whether the caller should retry (#18). One list, read by the schema, the
documentation page and the tests (an answer's code must be here)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Retry(enum.StrEnum):
    NO = "no"  # fix the request first
    LATER = "later"  # the same request may succeed later (Retry-After, or backoff)
    SAME_KEY = "same_key"  # retry with the same Idempotency-Key: it is safe


@dataclass(frozen=True)
class ErrorSpec:
    status: int
    retry: Retry
    fr: str
    en: str


# code -> specification. Filled in by #18's catalogue work; every code raised must be listed.
CATALOGUE: dict[str, ErrorSpec] = {
    "unauthenticated": ErrorSpec(
        401, Retry.NO, "Jeton absent, inconnu ou révoqué.", "Missing, unknown or revoked token."
    ),
    "internal_error": ErrorSpec(
        500, Retry.SAME_KEY, "Erreur inattendue du serveur.", "Unexpected server error."
    ),
}
