"""What the browser is told: keep no copy of private answers, run only this site's own code,
send the language cookie only where it belongs; the API docs are for signed-in people."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.template.loader import render_to_string

ROOT = Path(__file__).resolve().parents[2]


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    "path",
    ["/", "/board/152900/", "/audit/", "/inbox/", "/report/1529210001/"],
)
def test_signed_in_pages_are_never_stored(world, path):
    persona = "operator" if path.startswith("/report/") else "league"
    response = world.client(persona).get(path, follow=True)
    assert response.status_code == 200
    assert no_store(response)


def test_api_answers_and_exports_are_never_stored(world, client):
    api = world.api("league")
    assert no_store(api.get("/api/v1/regions/152900/completeness?date=2022-10-25"))
    assert no_store(api.get("/api/v1/regions/152900/daily-summary.csv?date=2022-10-25"))
    assert no_store(api.get("/api/v1/regions/152900/daily-summary.xlsx?date=2022-10-25"))
    assert no_store(client.get("/api/v1/regions/152900/completeness"))  # the 401 too


def test_every_page_forbids_inline_code_and_other_sites(world):
    policy = world.client("league").get("/board/152900/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_language_cookie_is_same_site(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    cookie = response.cookies["django_language"]
    assert cookie["samesite"] == "Lax"


def test_production_sends_the_language_cookie_only_over_https(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "FANGKONG_ENCRYPTION_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "FANGKONG_HASH_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().post('/i18n/setlang/', {'language': 'en', 'next': '/'},\n"
        "                  secure=True, headers={'host': 'localhost'})\n"
        "print(r.cookies['django_language'].output())\n"
    )
    result = subprocess.run(  # noqa: S603 -- our own script, with this Python
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    cookie = result.stdout.lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_api_docs_are_for_signed_in_people_only(world, client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/openapi.json").status_code == 200  # the schema stays public


def test_api_docs_load_swagger_from_this_site_only(world):
    page = world.client("league").get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_the_server_error_page_has_no_inline_style():
    html = render_to_string("500.html")
    assert "style=" not in html and "<style" not in html
    assert 'rel="stylesheet"' in html
