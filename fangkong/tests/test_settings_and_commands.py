import base64
import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from config.settings.env import env
from fangkong.accounts.models import RoleGrant, User
from fangkong.institutions.models import Institution
from fangkong.reporting.models import DailyReport
from fangkong.surveillance.models import Aberration

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_the_deployment_check(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text(secrets.token_urlsafe(50))
    keys_file = tmp_path / "keys"
    keys_file.write_text("k1:" + base64.b64encode(secrets.token_bytes(32)).decode())
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY_FILE": str(secret_file),
        "FANGKONG_ENCRYPTION_KEYS_FILE": str(keys_file),
        "FANGKONG_HASH_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=environment, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_caches_in_the_table_its_migrations_create(tmp_path):
    """Every worker process counts the check-in rate limits in one cache: the database's."""
    keys = "k1:" + base64.b64encode(secrets.token_bytes(32)).decode()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "FANGKONG_ENCRYPTION_KEYS": keys,
        "FANGKONG_HASH_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    script = ("from django.core.cache import caches; cache = caches['default']; "
              "cache.set('seen', 41); print(type(cache).__name__, cache.get('seen'))")  # fmt: skip
    for command in (
        ["migrate", "--verbosity", "0"],
        ["shell", "--no-imports", "--command", script],
    ):
        result = subprocess.run(  # noqa: S603 (this interpreter, this project's manage.py)
            [sys.executable, "manage.py", *command],
            cwd=ROOT, env=environment, capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["DatabaseCache", "41"]


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_SECRET")}
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=environment, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_a_secret_may_come_from_a_file(tmp_path, monkeypatch):
    secret_file = tmp_path / "password"
    secret_file.write_text("from-a-file\n")
    monkeypatch.setenv("SOME_PASSWORD", "from-the-environment")
    monkeypatch.setenv("SOME_PASSWORD_FILE", str(secret_file))
    assert env("SOME_PASSWORD") == "from-a-file"


def test_demo_loads_alxa_once_and_prints_every_login(db):
    out = io.StringIO()
    call_command("demo", stdout=out)
    call_command("demo", stdout=io.StringIO())
    assert Institution.objects.filter(region__path__startswith="150000/152900/").count() == 6
    text = out.getvalue()
    assert "Alxa-2022-demo" in text
    for username in User.objects.values_list("username", flat=True):
        assert username in text
    league = User.objects.get(username="officer-alashanmeng")
    assert RoleGrant.objects.get(user=league).region.code == "152900"
    assert User.objects.filter(grants__role="operator").count() == 6
    assert User.objects.filter(grants__role="officer").count() == 7
    # Two weeks of reports, so the board and its charts have a story to tell.
    reports = DailyReport.objects.filter(institution__region__path__startswith="150000/152900/")
    assert 60 <= reports.count() <= 84
    assert reports.filter(status="late").exists()
    assert (
        Aberration.objects.filter(institution__code="1529210003").exists()
        or reports.filter(current__fever__gt=0).exists()
    )


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


SERVE = "fangkong.demo.management.commands.serve"


class FakeProcess:
    pid = 1

    def send_signal(self, signum):
        pass

    def wait(self, timeout=None):
        return 0


def serve(monkeypatch):
    """Run `fangkong serve` without starting the web server, the worker or the reminders."""
    monkeypatch.setattr(f"{SERVE}.subprocess.Popen", lambda *a, **k: FakeProcess())
    monkeypatch.setattr(f"{SERVE}.subprocess.call", lambda *a, **k: 0)
    out = io.StringIO()
    call_command("serve", stdout=out)
    return out.getvalue()


def test_serve_leaves_an_empty_production_database_empty(db, monkeypatch, settings):
    settings.DEBUG = False
    output = serve(monkeypatch)
    assert not User.objects.exists()
    assert not Institution.objects.exists()
    assert "fangkong user create" in output
    assert "Demo logins" not in output


def test_serve_loads_the_demo_into_an_empty_local_database(db, monkeypatch, settings):
    settings.DEBUG = True
    output = serve(monkeypatch)
    assert "Demo logins" in output
    assert User.objects.filter(username="admin").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_fangkong_connections_run_without_jit_compilation(db):
    # Compiling a short statement cost the nation's completeness more than it saved.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
