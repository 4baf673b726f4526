import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from fangkong.audit.context import client_ip


def client_address(request: HttpRequest) -> str | None:
    """Return the client's address, trusting only the proxies the deployment declares.

    Each of the `AXES_IPWARE_PROXY_COUNT` proxies in front of Django appends the address it
    was reached from to X-Forwarded-For, so the client is that many hops from the right of
    the chain; whatever a client wrote further left is its own claim and is ignored.
    """
    chain = [request.META.get("REMOTE_ADDR", "")]
    trusted = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0
    if trusted:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        chain = [hop.strip() for hop in forwarded.split(",") if hop.strip()] + chain
    return _valid_address(chain[max(len(chain) - 1 - trusted, 0)])


def _valid_address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


class RequestContextMiddleware:
    """Make the client's address available to audit rows written during this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_ip.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            client_ip.reset(token)
