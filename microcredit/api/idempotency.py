"""`Idempotency-Key` on the API's writes (#18): a replay gets the first answer back.

A write (any method but GET/HEAD/OPTIONS) sent with `Idempotency-Key: <1–255 printable ASCII>`
by an authenticated token is recorded per bank (a key that is not 1–255 printable ASCII
characters without spaces is 422 `invalid_idempotency_key`):

- the (bank, key) row is inserted first, pending (no status), in its own transaction: a second
  call with the same key while the first one runs finds it and answers 409
  `idempotency_key_in_use` (Retry-After: 1);
- the view runs (its own work in the services' transactions); its answer is stored for a 2xx or
  a 4xx other than 401/403/429; for those, a 5xx or an exception the pending row is deleted, so
  that a retry runs again;
- a later call with the same key and the same request (method, path, content type and body; for
  a multipart form its fields and each file's name and SHA-256, because two sends of the same
  file differ by their boundary) gets the stored status, body and content type back with
  `Idempotent-Replayed: true`, and nothing runs; with another request: 409
  `idempotency_key_reused`.

A call without a key runs as before; a call with an unknown, revoked or expired token runs the
view, which answers 401/403. The records are kept MICROCREDIT_IDEMPOTENCY_DAYS days
(`idempotency_prune`, command `microcredit api_idempotency_prune`, run nightly).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.utils import timezone

from microcredit.api.errors import error_response
from microcredit.api.models import IdempotencyRecord
from microcredit.api.selectors import ApiPrincipal, TokenForbidden, api_principal_for_key
from microcredit.api.services import api_token_mark_used

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Printable ASCII without the space, as the schema declares it (api.openapi_shape).
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
DEFAULT_DAYS = 30
# A pending record older than this belongs to a call that died without cleaning up (a killed
# process): far beyond any request's timeout, it no longer blocks its key.
PENDING_EXPIRY = timedelta(minutes=10)
# Answers a retry must run again for: not authenticated, not allowed, throttled.
NOT_KEPT = frozenset({401, 403, 429})

INVALID_KEY = (
    "L'en-tête Idempotency-Key doit compter de 1 à 255 caractères ASCII imprimables, sans "
    "espace (par exemple un UUID)."
)
KEY_REUSED = (
    "Cette clé d'idempotence a déjà servi pour une autre requête (adresse ou contenu "
    "différent) : utilisez une nouvelle clé pour une nouvelle opération."
)
KEY_IN_USE = (
    "Une requête avec cette clé d'idempotence est en cours de traitement : réessayez dans "
    "une seconde."
)
SCOPE_MISSING = (
    "Ce jeton n'a pas les droits du jeton qui a envoyé la première requête avec cette clé "
    "d'idempotence."
)


def _principal(request: HttpRequest) -> ApiPrincipal | None:
    """The caller behind `Authorization: Bearer`, as the view will find it; None when the view
    refuses it (no token, unknown, revoked, expired, holder no longer an adviser)."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, clear = header.partition(" ")
    if scheme.lower() != "bearer" or not clear.strip():
        return None
    try:
        principal = api_principal_for_key(clear.strip())
    except TokenForbidden:
        return None
    if principal is None or principal.token.is_expired(timezone.now()):
        return None
    return principal


def request_hash(request: HttpRequest) -> str:
    """SHA-256 of what makes the request: method, path with query, content type and body.

    A multipart form is hashed by its parsed content (field names and values, each file's field,
    name and SHA-256): two sends of the same form differ by their boundary.

    Raises:
        RequestDataTooBig, MultiPartParserError…: the body cannot be read (the view answers).
    """
    digest = hashlib.sha256()
    content_type = request.content_type or ""
    for part in (request.method or "", request.get_full_path(), content_type):
        digest.update(part.encode())
        digest.update(b"\0")
    if content_type == "multipart/form-data":
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"field\0{name}\0{value}\0".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                content = hashlib.sha256()
                upload.seek(0)
                for chunk in upload.chunks():
                    content.update(chunk)
                upload.seek(0)
                digest.update(f"file\0{name}\0{upload.name}\0{content.hexdigest()}\0".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _claim(
    principal: ApiPrincipal, key: str, request: HttpRequest, digest: str
) -> tuple[IdempotencyRecord | None, bool]:
    """(record, True) when this call holds the key now (a pending record, committed); else
    (the record found, False), or (None, False) when it vanished meanwhile (a concurrent call
    just gave it up: the caller retries)."""
    values = {
        "bank_id": principal.token.bank_id,
        "key": key,
        "token": principal.token,
        "method": (request.method or "")[:10],
        "path": request.path[:300],
        "request_hash": digest,
    }
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(**values), True
        except IntegrityError:
            pass
        found = (
            IdempotencyRecord.objects.select_related("token")
            .filter(bank_id=principal.token.bank_id, key=key)
            .first()
        )
        if found is None:
            return None, False
        stale = found.status_code is None and found.created_at < timezone.now() - PENDING_EXPIRY
        if not stale:
            return found, False
        IdempotencyRecord.objects.filter(pk=found.pk, status_code__isnull=True).delete()
    return None, False


def _replay(record: IdempotencyRecord, principal: ApiPrincipal) -> HttpResponse:
    first = record.token
    if (
        first is not None
        and first.pk != principal.token.pk
        and not set(first.scopes) <= set(principal.token.scopes)
    ):
        return error_response(403, "insufficient_scope", SCOPE_MISSING)
    api_token_mark_used(token=principal.token)
    response = HttpResponse(
        bytes(record.response_body),
        status=record.status_code or 200,
        content_type=record.content_type or "application/json",
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _in_use() -> HttpResponse:
    response = error_response(409, "idempotency_key_in_use", KEY_IN_USE)
    response["Retry-After"] = "1"
    return response


def _release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True).delete()


def _keep(record: IdempotencyRecord, response: HttpResponse) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=response.status_code,
        response_body=response.content,
        content_type=response.get("Content-Type", "")[:100],
    )


def _kept(response: HttpResponse) -> bool:
    status = response.status_code
    return (
        not response.streaming and (200 <= status < 300 or 400 <= status < 500)
    ) and status not in NOT_KEPT


def idempotent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view with `Idempotency-Key` honoured on its writes (its attributes kept)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None or request.method in SAFE_METHODS:
            return view(request, *args, **kwargs)
        principal = _principal(request)
        if principal is None:
            return view(request, *args, **kwargs)
        if not KEY_PATTERN.fullmatch(key):
            return error_response(
                422, "invalid_idempotency_key", INVALID_KEY, {IDEMPOTENCY_HEADER: [INVALID_KEY]}
            )
        try:
            digest = request_hash(request)
        except (SuspiciousOperation, MultiPartParserError, RawPostDataException, OSError):
            return view(request, *args, **kwargs)  # it answers 413/422 for that body
        record, mine = _claim(principal, key, request, digest)
        if record is None:
            return _in_use()
        if not mine:
            if record.request_hash != digest:
                return error_response(409, "idempotency_key_reused", KEY_REUSED)
            if record.status_code is None:
                return _in_use()
            return _replay(record, principal)
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            _release(record)
            raise
        if _kept(response):
            _keep(record, response)
        else:
            _release(record)
        return response

    return wrapper


def idempotency_prune(now: datetime | None = None) -> int:
    """Delete the records older than MICROCREDIT_IDEMPOTENCY_DAYS days; how many went."""
    days = int(getattr(settings, "MICROCREDIT_IDEMPOTENCY_DAYS", DEFAULT_DAYS))
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
