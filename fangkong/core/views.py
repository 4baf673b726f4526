from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: the process answers. Touches nothing, so it also serves as the
    minimal Django JSON view that `make bench` compares the API's throughput with."""
    return JsonResponse({"status": "ok"})
