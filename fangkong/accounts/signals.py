"""Signing in and out is in the audit log: who, from where, and every failed attempt.

Django sends these signals from `login()`, `logout()` and `authenticate()`, whichever page or
backend is used (the sign-in page, the admin's). axes listens to the same failure signal to
count towards a lockout; this records each failure once, with whether axes refused it as
locked out.
"""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from fangkong.accounts.models import User
from fangkong.audit.services import Target, audit_record

ANONYMOUS = "anonymous"
UNKNOWN = "(no such account)"


@receiver(user_logged_in, dispatch_uid="fangkong_audit_sign_in")
def audit_sign_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_record(actor=user, action="user.sign_in", target=user)


@receiver(user_logged_out, dispatch_uid="fangkong_audit_sign_out")
def audit_sign_out(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is not None:  # signing out when not signed in changes nothing
        audit_record(actor=user, action="user.sign_out", target=user)


@receiver(user_login_failed, dispatch_uid="fangkong_audit_sign_in_failed")
def audit_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    typed = str(credentials.get("username") or "")[:150]
    user = User.objects.filter(username=typed).first() if typed else None
    # A name no account has is not kept: people type their password into the name box.
    username = user.username if user is not None else UNKNOWN
    target = user if user is not None else Target("accounts.user", "", UNKNOWN)
    locked_out = bool(getattr(request, "axes_locked_out", False))
    audit_record(actor=None, actor_name=ANONYMOUS, action="user.sign_in_failed", target=target,
                 after={"username": username, "locked_out": locked_out})  # fmt: skip
