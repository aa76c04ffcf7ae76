"""The project's middleware.

`UploadNameMiddleware` — keep what Django's upload parser throws away: whether a file name
carried a folder path. Django keeps only the last segment of an uploaded file's name
("../../x.pdf" → "x.pdf"), so a view cannot tell that the name was a path. Uploads must refuse
such names, not silently rename them: this middleware (placed before the CSRF middleware, which
parses the body first) records the raw names that held a path on `request.upload_names_with_path`.

`NoStoreMiddleware` — no page may stay in a browser's or a proxy's cache (F5, #17): nearly every
answer holds personal data (a dossier, a name typed in the simulator, an API answer). Every
answer gets `Cache-Control: no-store` and `Pragma: no-cache`, except the few that hold none and
gain from caching: the static files (served by WhiteNoise before this middleware, or under
STATIC_URL), an organisation's theme and logo, the favicon.
"""

from __future__ import annotations

import html
import types
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import ImmutableList


class _PathRecordingParser(MultiPartParser):
    def __init__(self, *args: Any, found: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._found = found

    def sanitize_file_name(self, file_name: str) -> str | None:
        raw = html.unescape(file_name)
        if "/" in raw or "\\" in raw:
            self._found.append(raw)
        return super().sanitize_file_name(file_name)


class UploadNameMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found: list[str] = []
        request.upload_names_with_path = found  # type: ignore[attr-defined]
        if request.content_type == "multipart/form-data":

            def parse_file_upload(self: HttpRequest, meta: Any, post_data: Any) -> Any:
                self.upload_handlers = ImmutableList(self.upload_handlers)
                parser = _PathRecordingParser(
                    meta, post_data, self.upload_handlers, self.encoding, found=found
                )
                return parser.parse()

            request.parse_file_upload = types.MethodType(parse_file_upload, request)  # type: ignore[method-assign]
        return self.get_response(request)


# Public answers without personal data that keep their own caching (docs/adr/0011).
CACHEABLE_VIEWS = frozenset({"shell:theme_css", "shell:organisation_logo", "shell:favicon"})


def cacheable(request: HttpRequest) -> bool:
    static_url = settings.STATIC_URL or "/static/"
    if request.path_info.startswith("/" + static_url.lstrip("/")):
        return True
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name in CACHEABLE_VIEWS


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not cacheable(request):
            if "no-store" not in response.get("Cache-Control", ""):
                response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
