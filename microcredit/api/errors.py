"""Every error of the API as JSON {code, message, errors?}, with a French message.

401 unauthenticated, 403 not a bank adviser's token, 404 dossier not visible (another bank's,
not transmitted or unknown: indistinguishable) or unknown address, 409 state conflict, 413 body
too large, 422 invalid input, 500 unexpected error (logged with its traceback, no detail given).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from microcredit.api.catalogue import CATALOGUE
from microcredit.core.errors import TransitionRefused
from microcredit.documents.rules import UploadRefused

logger = logging.getLogger(__name__)

# Service error codes that mean "the state of things forbids it" (409) or "not visible" (404).
CONFLICT_CODES = frozenset({"reference_conflict", "no_loan", "offer_missing"})
NOT_FOUND_CODES = frozenset({"unknown_dossier"})

MESSAGES = {
    401: "Authentification requise : envoyez un jeton valide dans l'en-tête "
    "« Authorization: Bearer <jeton> ».",
    403: "Ce jeton n'est pas celui d'un conseiller du partenaire bancaire.",
    404: "Dossier introuvable.",
    405: "Méthode non permise pour cette adresse.",
    409: "L'opération n'est pas possible dans l'état actuel du dossier.",
    413: "La requête est trop volumineuse.",
    422: "Les données envoyées ne sont pas valides.",
    500: "Erreur interne du serveur : l'opération n'a pas abouti. Réessayez plus tard ; si "
    "l'erreur persiste, signalez-la au CCAS avec l'heure de l'appel.",
}
UNKNOWN_PATH = "Cette adresse n'existe pas dans l'API (voir /api/v1/docs)."
MALFORMED_BODY = "Le corps de la requête n'a pas pu être lu (JSON attendu)."


# The codes answered by HttpError's status (ninja raises it for a few protocol faults).
HTTP_CODES = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "transition_refused",
    413: "payload_too_large",
    422: "invalid_input",
    429: "too_many_requests",
    500: "internal_error",
}


class UnknownErrorCode(AssertionError):
    """An answer's code missing from api.catalogue (raised in DEBUG and in the tests)."""


def check_code(code: str) -> None:
    """Every code answered is in the catalogue: a warning in production, an error in DEBUG and
    in the tests (settings.MICROCREDIT_API_STRICT_CODES, on by default when DEBUG)."""
    if code in CATALOGUE:
        return
    if getattr(settings, "MICROCREDIT_API_STRICT_CODES", settings.DEBUG):
        raise UnknownErrorCode(f"error code {code!r} is not in microcredit.api.catalogue")
    logger.warning("API error code %r is not in the catalogue (microcredit.api.catalogue)", code)


def error_response(
    status: int, code: str, message: str, errors: dict[str, list[str]] | None = None
) -> JsonResponse:
    check_code(code)
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="microcredit"'
    return response


# ------------------------------------------------------------------ pydantic errors in French
def _pydantic_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "Ce champ est obligatoire."
    if kind == "nir":  # api.schemas.Text: the French sentence of core.validators
        return str(error.get("msg", ""))
    if kind in {"string_type", "str_type"}:
        return "Une chaîne de caractères est attendue."
    if kind == "string_too_short":
        return "Ce champ ne peut pas être vide."
    if kind == "string_too_long":
        return f"Au plus {ctx.get('max_length')} caractères."
    if kind == "string_pattern_mismatch":
        return "Le format n'est pas valide (caractères permis : lettres, chiffres, tirets)."
    if kind.startswith("int_") or kind == "int_type":
        return "Un nombre entier est attendu."
    if kind.startswith("decimal_") and kind not in {"decimal_type", "decimal_parsing"}:
        if kind == "decimal_max_places":
            return "Au plus deux décimales (centimes)."
        return "Le montant a trop de chiffres."
    if kind in {"decimal_type", "decimal_parsing", "float_parsing", "float_type", "finite_number"}:
        return "Un montant est attendu, par exemple 1200.00."
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        bound = next(iter(ctx.values()), "")
        words = {
            "greater_than": "supérieur à",
            "greater_than_equal": "au moins égal à",
            "less_than": "inférieur à",
            "less_than_equal": "au plus égal à",
        }
        return f"La valeur doit être {words[kind]} {bound}."
    if kind.startswith("date") or kind.startswith("datetime"):
        return "Une date au format AAAA-MM-JJ est attendue."
    if kind in {"bool_type", "bool_parsing"}:
        return "Une valeur vrai/faux (true/false) est attendue."
    if kind in {"literal_error", "enum"}:
        return f"Valeur non permise : choisissez parmi {ctx.get('expected', '')}."
    if kind in {"too_short", "too_long"}:
        limit = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        word = "au moins" if kind == "too_short" else "au plus"
        return f"La liste doit compter {word} {limit} élément(s)."
    if kind in {"list_type", "dict_type", "model_type", "model_attributes_type"}:
        return "Le type de la valeur n'est pas celui attendu."
    if kind == "value_error":
        reason = str(ctx.get("error", ""))
        if "control characters" in reason:
            return "Le texte contient des caractères de contrôle."
        if "date out of range" in reason:
            return "La date doit être comprise entre 2000-01-01 et 2099-12-31."
    return "Valeur non valide."


def _pydantic_field(loc: tuple[Any, ...] | list[Any]) -> str:
    """("body", "payload", "repayments", 0, "amount") → "repayments.0.amount"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "form", "file", "query", "path"}:
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == "payload":
            parts.pop(0)
    return ".".join(parts) or "__all__"


def _validation_errors(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in errors:
        result.setdefault(_pydantic_field(error.get("loc", ())), []).append(
            _pydantic_message(error)
        )
    return result


# ------------------------------------------------------------- the services' refusals as JSON
def _flatten(error: ValidationError) -> list[tuple[str, ValidationError]]:
    """(field, error) pairs of a service's ValidationError; batch lines keyed by their index."""
    pairs: list[tuple[str, ValidationError]] = []
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            pairs.extend((field, e) for e in errors)
    else:
        for e in error.error_list:
            params = e.params if isinstance(e.params, dict) else {}
            line = params.get("line")
            pairs.append((f"repayments.{int(line) - 1}" if line else "__all__", e))
    return pairs


def _message(error: ValidationError) -> str:
    return next(iter(error.messages), "")


@contextmanager
def api_fields(names: Mapping[str, str]) -> Iterator[None]:
    """Name a service's refusal by the operation's fields: {"text": ...} → {"refusal_text": ...}.

    The services name their fields after their own arguments; the error body names the fields
    the caller sent. Fields not in `names` keep their name.
    """
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {names.get(field, field): errors for field, errors in error.error_dict.items()}
        ) from error


def service_error_response(error: ValidationError) -> JsonResponse:
    pairs = _flatten(error)
    codes = [e.code or "invalid" for _field, e in pairs]
    if any(c in CONFLICT_CODES for c in codes):
        status = 409
        code = next(c for c in codes if c in CONFLICT_CODES)
    elif any(c in NOT_FOUND_CODES for c in codes):
        status = 404
        code = next(c for c in codes if c in NOT_FOUND_CODES)
    else:
        status, code = 422, codes[0] if codes else "invalid"
    errors: dict[str, list[str]] = {}
    for field, e in pairs:
        errors.setdefault(field, []).append(_message(e))
    first = next((_message(e) for _f, e in pairs if (e.code or "invalid") == code), "")
    return error_response(status, code, first or MESSAGES[status], errors)


def install_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(401, "unauthenticated", MESSAGES[401])

    @api.exception_handler(AuthorizationError)
    def forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return error_response(403, "forbidden", MESSAGES[403])

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(403, "forbidden", str(exc) or MESSAGES[403])

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, "not_found", MESSAGES[404])

    @api.exception_handler(TransitionRefused)
    def refused(request: HttpRequest, exc: TransitionRefused) -> HttpResponse:
        return error_response(409, "transition_refused", " ".join(exc.messages) or MESSAGES[409])

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return service_error_response(exc)

    @api.exception_handler(UploadRefused)
    def upload_refused(request: HttpRequest, exc: UploadRefused) -> HttpResponse:
        return error_response(422, "upload_refused", exc.message, {"file": [exc.message]})

    @api.exception_handler(NinjaValidationError)
    def invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return error_response(
            422, "invalid_input", MESSAGES[422], _validation_errors(list(exc.errors))
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:  # a body that is not JSON, a broken multipart form
            return error_response(422, "malformed_body", MALFORMED_BODY)
        status = exc.status_code if exc.status_code in MESSAGES else 422
        return error_response(status, HTTP_CODES.get(status, "invalid_input"), MESSAGES[status])

    @api.exception_handler(MultiPartParserError)
    def malformed_form(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return error_response(422, "malformed_body", MALFORMED_BODY)

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Logged as Django logs them (django.security.<name>); a body over
        # DATA_UPLOAD_MAX_MEMORY_SIZE or with too many fields or files is 413, the rest 422.
        logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(
            "%s: %s", request.path, exc
        )
        if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
            return error_response(413, "payload_too_large", MESSAGES[413])
        return error_response(422, "malformed_body", MALFORMED_BODY)

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The most specific handler wins (ninja follows the exception's MRO): this one only
        # sees what nothing above expects. The traceback goes to the log, never to the caller.
        logger.error("Unexpected error on %s %s", request.method, request.path, exc_info=exc)
        return error_response(500, "internal_error", MESSAGES[500])


def unknown_path_response() -> JsonResponse:
    return error_response(404, "not_found", UNKNOWN_PATH)
