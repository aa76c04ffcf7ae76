"""Keep what Django's upload parser throws away: whether a file name carried a folder path.

Django keeps only the last segment of an uploaded file's name ("../../x.pdf" → "x.pdf"), so a
view cannot tell that the name was a path. Uploads must refuse such names, not silently rename
them: this middleware (placed before the CSRF middleware, which parses the body first) records the
raw names that held a path on `request.upload_names_with_path`.
"""

from __future__ import annotations

import html
import types
from collections.abc import Callable
from typing import Any

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
