"""Receiving a file to import: sealed into the imports' folder as its bytes arrive.

Django's own handlers keep a large upload in clear in a temporary folder while the request is
read; a list of residents holds their identity numbers, so the import's upload views (the page
and the API endpoint) read their body through `SealingUploadHandler` alone. The file is stored
as `storage.store` stores it (sealed in segments, under a random name), its size and SHA-256
counted on the way, and nothing of it is written in clear. A file the import does not keep
(refused as too large, of a kind the user may not import, out of their scope, or a request
that failed) is removed when the view returns.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest

from fangkong.people.imports import storage
from fangkong.people.imports.reading import max_bytes

FIELD = "file"  # the one file part an import takes; any other is dropped unread


class SealingUploadHandler(FileUploadHandler):
    """Seal the `file` part of a request into the imports' folder as it is received."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.sealing: storage.Sealing | None = None
        self.received: list[storage.SealedUpload] = []

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.discard_unfinished()
        if field_name == FIELD:
            self.sealing = storage.Sealing(limit=max_bytes())

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.sealing is not None:
            self.sealing.write(raw_data)
        return None  # no other handler sees the bytes

    def file_complete(self, file_size: int) -> storage.SealedUpload | None:
        if self.sealing is None:
            return None
        stored_as, size, sha256 = self.sealing.finish()
        self.sealing = None
        upload = storage.SealedUpload(
            stored_as=stored_as, size=size, sha256=sha256, name=self.file_name,
            content_type=self.content_type, charset=self.charset,
            content_type_extra=self.content_type_extra,
        )  # fmt: skip
        self.received.append(upload)
        return upload

    def upload_interrupted(self) -> None:
        self.discard_unfinished()

    def discard_unfinished(self) -> None:
        if self.sealing is not None:
            self.sealing.abandon()
            self.sealing = None

    def discard(self) -> None:
        """Remove every file of the request that no import kept."""
        self.discard_unfinished()
        for upload in self.received:
            upload.close()


def sealing_uploads[**P, R](view: Callable[P, R]) -> Callable[P, R]:
    """Read the request's body through `SealingUploadHandler` alone, and remove the files it
    sealed that the view did not keep. Set before anything reads the body: outside CSRF's
    check, which reads the form (the view protects itself with `csrf_protect`), and around
    django-ninja's operation, before its authentication and parameters read it."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        request = args[0]
        assert isinstance(request, HttpRequest)
        handler = SealingUploadHandler(request)
        request.upload_handlers = [handler]
        try:
            return view(*args, **kwargs)
        finally:
            handler.discard()

    return wrapper
