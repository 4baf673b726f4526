import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from fangkong.accounts.models import ApiToken, RoleGrant, User
from fangkong.accounts.services import token_create, token_revoke
from fangkong.core.scoping import SYSTEM


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def bearer(secret):
    return Client(headers={"authorization": f"Bearer {secret}"})


def test_token_create_prints_a_working_token_as_its_last_line(world):
    secret = run("token", "create", "zuoqi").strip().splitlines()[-1]
    response = bearer(secret).get("/api/v1/institutions/1529210001")
    assert response.status_code == 200


def test_token_is_stored_only_as_a_hash(world):
    _token, secret = token_create(actor=SYSTEM, user=world.users["zuoqi"])
    stored = ApiToken.objects.get(user=world.users["zuoqi"])
    assert secret not in (stored.digest, stored.hint)
    assert len(stored.digest) == 64


def test_a_revoked_token_is_refused(world):
    token, secret = token_create(actor=SYSTEM, user=world.users["zuoqi"])
    assert bearer(secret).get("/api/v1/regions/152921").status_code == 200
    token_revoke(actor=SYSTEM, token=token)
    assert bearer(secret).get("/api/v1/regions/152921").status_code == 401


def test_token_revoke_command_revokes_by_hint(world):
    token, secret = token_create(actor=SYSTEM, user=world.users["zuoqi"])
    assert token.hint in run("token", "list", "zuoqi")
    run("token", "revoke", token.hint)
    assert bearer(secret).get("/api/v1/regions/152921").status_code == 401


def test_a_deactivated_users_token_is_refused(world):
    _token, secret = token_create(actor=SYSTEM, user=world.users["zuoqi"])
    User.objects.filter(username="zuoqi").update(is_active=False)
    assert bearer(secret).get("/api/v1/regions/152921").status_code == 401


def test_user_create_grants_a_scoped_role_and_sets_the_password(world, tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text("Gobi-desert-7\n")
    run("user", "create", "inspector1", "--role", "inspector", "--scope", "152922",
        "--password-file", str(password_file))  # fmt: skip
    user = User.objects.get(username="inspector1")
    assert user.check_password("Gobi-desert-7")
    assert RoleGrant.objects.get(user=user).region.code == "152922"


def test_user_create_adds_a_second_role_to_an_existing_user(world):
    run("user", "create", "zuoqi", "--role", "liaison", "--scope", "1529230001")
    assert world.users["zuoqi"].roles() == {"officer", "liaison"}


def test_user_create_refuses_an_unknown_scope(world):
    with pytest.raises(CommandError, match="scope"):
        run("user", "create", "someone", "--role", "officer", "--scope", "999999")
    assert not User.objects.filter(username="someone").exists()


def test_user_create_refuses_an_unscoped_officer(world):
    with pytest.raises(CommandError, match="scope"):
        run("user", "create", "someone", "--role", "officer")


def test_user_create_refuses_a_weak_password(world, tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text("password\n")
    with pytest.raises(CommandError, match="password"):
        run("user", "create", "someone", "--role", "admin", "--password-file", str(password_file))
    assert not User.objects.filter(username="someone").exists()
