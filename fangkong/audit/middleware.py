from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from fangkong.audit.context import client_ip


class RequestContextMiddleware:
    """Make the client's address available to audit rows written during this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_ip.set(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            client_ip.reset(token)
