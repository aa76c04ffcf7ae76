"""The bank partner's API object (django-ninja) and what its operations share: the token
authentication, the throttling per token, the refusal of undeclared query parameters, the answers
each operation declares, the dossier number in the path and the permission funnel (404 for a
dossier of another bank, not transmitted or unknown)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path
from ninja.errors import Throttled
from ninja.operation import Operation
from ninja.throttling import SimpleRateThrottle

from microcredit.api.auth import BankAdviserToken, TokenExpired
from microcredit.api.errors import error_response, install_handlers
from microcredit.api.schemas import Error
from microcredit.api.selectors import ApiPrincipal, api_dossier_by_number
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Loan

T = TypeVar("T", bound=Model)

TITLE = "Microcredit bank partner API"
VERSION = "1.1.0"
DESCRIPTION = (
    "API du partenaire bancaire du micro-crédit personnel (Micro-crédit — API du partenaire "
    "bancaire). Authentification par jeton : en-tête « Authorization: Bearer <jeton> » (jeton "
    "créé sur la page « Jetons d'API »). Montants en euros : chaînes à deux décimales (composants "
    "Money et MoneyIn), taux en pourcentage (Percent), dates au format AAAA-MM-JJ. Les erreurs "
    "sont en JSON : {code, message, errors} ; chaque code est dans le composant ErrorCode, avec "
    "son statut et s'il faut réessayer sur la page de documentation.\n\n"
    "Valeurs inconnues : les états (dossier, prêt, plan, appel en garantie), les natures de "
    "ligne d'échéancier et les codes d'erreur peuvent gagner de nouvelles valeurs sans nouvelle "
    "version de l'API. Un client doit accepter une valeur qu'il ne connaît pas (clients must "
    "accept unknown values) : ces champs sont des énumérations ouvertes (anyOf d'une "
    "énumération nommée et d'une chaîne, avec x-extensible-enum)."
)


class BankApi(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        return str(operation.view_func.__name__)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        """ninja's schema, shaped for the client generators (api.openapi_shape): ASCII title and
        tags, named Money/Percent/enums, the shared answers and headers, the examples."""
        from microcredit.api.openapi_shape import shape  # the examples import the schemas

        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return shape(schema, path_prefix=path_prefix or "/")


class TokenRateThrottle(SimpleRateThrottle):
    """At most MICROCREDIT_API_THROTTLE_RATE calls per token (ninja's sliding window, kept in
    Django's cache), whoever sends it and from wherever: the key is the token, not an address.

    The rate is read from the settings on each call (a test or an operator may change it). The
    window's state of the call being checked is kept per thread, not on this object, which all
    the threads of a process share. Calls without a principal (refused before) are not counted.
    """

    scope = "api_token"
    cache_format = "throttle_api_token_%(ident)s"

    def __init__(self) -> None:
        self._call = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        principal = getattr(request, "auth", None)
        if not isinstance(principal, ApiPrincipal):
            return True
        count, duration = self.parse_rate(settings.MICROCREDIT_API_THROTTLE_RATE)
        if count is None or duration is None:
            return True
        token = principal.token
        # The id and the start of the hash: an id reused after a rollback is another key.
        key = self.cache_format % {"ident": f"{token.pk}-{token.key_hash[:16]}"}
        now = time.time()
        history = [t for t in cache.get(key, []) if t > now - duration]
        if len(history) >= count:
            self._call.wait = duration - (now - min(history))
            return False
        history.append(now)
        cache.set(key, history, duration)
        self._call.wait = None
        return True

    def wait(self) -> float | None:
        return getattr(self._call, "wait", None)


api = BankApi(
    title=TITLE,
    version=VERSION,
    description=DESCRIPTION,
    auth=BankAdviserToken(),
    throttle=[TokenRateThrottle()],
    openapi_url=None,
    docs_url=None,
    urls_namespace="api:v1",
)
install_handlers(api)


@api.exception_handler(TokenExpired)
def token_expired(request: HttpRequest, exc: TokenExpired) -> HttpResponse:
    moment = timezone.localtime(exc.expires_at)
    return error_response(
        401,
        "token_expired",
        _(
            "Ce jeton a expiré le %(date)s à %(time)s : créez-en un nouveau sur la page "
            "« Jetons d'API »."
        )
        % {"date": moment.strftime("%d/%m/%Y"), "time": moment.strftime("%H:%M")},
    )


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    seconds = max(1, math.ceil(exc.wait)) if exc.wait is not None else 60
    response = error_response(
        429,
        "too_many_requests",
        _("Trop d'appels avec ce jeton (au plus %(rate)s) : réessayez dans %(seconds)s seconde(s).")
        % {"rate": settings.MICROCREDIT_API_THROTTLE_RATE, "seconds": seconds},
    )
    response["Retry-After"] = str(seconds)
    return response


def _only_declared_query_parameters(
    run: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """An operation answers 422 to a query parameter it does not declare (`?pgae=2`, `?=x`).

    Applied by ninja to each operation's run ("view" decorator): like an unknown address (404)
    or method (405), it is refused before the token is read. The declared names are those of the
    operation's query model, the ones the OpenAPI schema lists.
    """
    operation = getattr(run, "__self__", None)
    if not isinstance(operation, Operation):
        raise TypeError("expected the bound run() of a ninja Operation")
    declared = frozenset(
        name
        for model in operation.models
        if model.__ninja_param_source__ == "query"
        for name in model.__ninja_flatten_map__
    )

    @wraps(run)
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        unknown = sorted(set(request.GET) - declared)
        if unknown:
            return error_response(
                422,
                "unknown_parameter",
                "Paramètre de requête inconnu : "
                + ", ".join(f"« {name} »" for name in unknown)
                + ".",
                {name or "__all__": ["Paramètre inconnu."] for name in unknown},
            )
        return run(request, **kwargs)

    return wrapper


api.add_decorator(_only_declared_query_parameters, mode="view")

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000

# 429: too many calls with the token (TokenRateThrottle), with a Retry-After header; 405 another
# method on a known address; 500 an unexpected error (JSON, logged). api.openapi_shape adds the
# ones an operation's own dict leaves out.
READ = {
    200: ...,
    401: Error,
    403: Error,
    404: Error,
    405: Error,
    422: Error,
    429: Error,
    500: Error,
}
# A body over DATA_UPLOAD_MAX_MEMORY_SIZE (files aside) is 413 (errors.py).
WRITE = {
    200: ...,
    401: Error,
    403: Error,
    404: Error,
    405: Error,
    409: Error,
    413: Error,
    422: Error,
    429: Error,
    500: Error,
}
NUMBER: Any = Path(  # type: ignore[type-arg]
    ...,
    min_length=1,
    max_length=20,
    pattern=r"^[A-Za-z0-9-]+$",
    description="Numéro du dossier, par exemple MC-2026-00042.",
)


def responses(base: dict[int, Any], ok: Any) -> dict[int, Any]:
    return {**base, 200: ok}


def principal_of(request: HttpRequest) -> ApiPrincipal:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def dossier_or_404(request: HttpRequest, number: str) -> Dossier:
    principal = principal_of(request)
    dossier = api_dossier_by_number(principal.user, principal.membership, number)
    if dossier is None:
        raise Http404("Dossier introuvable.")
    return dossier


def page_of(queryset: QuerySet[T], page: int, page_size: int) -> tuple[list[T], dict[str, int]]:
    """One page of `queryset` (empty past the end) and the fields every list answers with it
    (page_fields)."""
    count = queryset.count()
    start = (page - 1) * page_size
    items = list(queryset[start : start + page_size]) if start < count else []
    return items, page_fields(count, page, page_size)


def page_fields(count: int, page: int, page_size: int) -> dict[str, int]:
    """The fields every list answers with its page: count, page, pages, page_size."""
    pages = max(1, math.ceil(count / page_size))
    return {"count": count, "page": page, "pages": pages, "page_size": page_size}


NO_LOAN = "Ce dossier n'a pas encore de prêt décaissé."


def loan_or_409(dossier: Dossier) -> Loan:
    """The dossier's loan; 409 `no_loan` before the disbursement."""
    loan = related(dossier, "loan")
    if loan is None:
        raise ValidationError(NO_LOAN, code="no_loan")
    return loan  # type: ignore[no-any-return]


def related(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None
