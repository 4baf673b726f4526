import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from fangkong.conftest import PASSWORD

LOGIN = "/accounts/login/"


def sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_correct_password_signs_in_and_lands_home(world):
    client = Client()
    response = sign_in(client, "operator", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_never_tells_whether_the_user_exists(world):
    known = sign_in(Client(), "operator", "Wrong-pass-1")
    unknown = sign_in(Client(), "nobody-here", "Wrong-pass-1")
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors
    assert "用户名或密码不正确。" in known.content.decode()


def test_five_failures_lock_the_account_even_for_the_right_password(world):
    client = Client()
    for _ in range(5):
        sign_in(client, "operator", "Wrong-pass-1")
    response = sign_in(client, "operator", PASSWORD)
    assert response.status_code == 429
    assert "30" in response.content.decode()
    assert Client().get("/").status_code == 302  # still signed out


def test_lockout_ends_after_thirty_minutes(world):
    client = Client()
    for _ in range(5):
        sign_in(client, "operator", "Wrong-pass-1")
    assert sign_in(client, "operator", PASSWORD).status_code == 429
    # Let 31 minutes pass for the recorded failures.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=31))
    assert sign_in(client, "operator", PASSWORD).status_code == 302


def test_lockout_of_one_account_leaves_others_alone(world):
    client = Client()
    for _ in range(5):
        sign_in(client, "operator", "Wrong-pass-1")
    assert sign_in(Client(), "zuoqi", PASSWORD).status_code == 302


def test_login_issues_a_new_session_key(world):
    client = Client()
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    sign_in(client, "operator", PASSWORD)
    assert client.session.session_key != before


def test_session_ends_after_thirty_idle_minutes(world):
    client = Client()
    sign_in(client, "operator", PASSWORD)
    assert client.get("/").status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = session.expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < remaining <= datetime.timedelta(minutes=30)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now())
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("password", ["Short1!", "alllowercase1", "ALLUPPER-CASE", "12345678901"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_password_of_three_classes_is_accepted():
    validate_password("Grassland-2022")


def test_idle_timeout_setting_is_thirty_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
