"""The external channels a message goes out on: e-mail and group robots.

Each function makes one attempt at one destination and never raises: it returns None when the
other side took the message, or a short reason (never the URL, which carries the robot's key)
that the delivery records before it is tried again.

Group-robot formats, as the platforms document them:

- WeCom (企业微信群机器人): POST `{"msgtype": "markdown", "markdown": {"content": ...}}` to the
  webhook URL (`…/cgi-bin/webhook/send?key=…`); markdown content at most 4096 bytes of UTF-8.
  No signing: the key in the URL is the credential.
- DingTalk (钉钉自定义机器人): POST `{"msgtype": "text", "text": {"content": ...}}`. With
  signing ("加签") enabled, add `timestamp` (milliseconds) and `sign` to the URL's query, where
  sign = urlEncode(base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}"))).
- Feishu (飞书自定义机器人): POST `{"msg_type": "text", "content": {"text": ...}}`. With
  signature verification ("签名校验") enabled, add `timestamp` (seconds, as a string) and `sign`
  to the body, where sign = base64(HmacSHA256(key=f"{timestamp}\\n{secret}", msg=b"")).

Both signatures must be made with the real current time: the platforms refuse timestamps more
than an hour away from their clock, so a run replayed with `--at` still signs with `time.time()`.
"""

import base64
import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

from fangkong.notifications.models import Webhook, WebhookFlavour

log = logging.getLogger(__name__)

WECOM_MARKDOWN_BYTES = 4096
RESPONSE_LIMIT = 64 * 1024


def send_email(address: str, subject: str, body: str) -> str | None:
    """E-mail one address; return None when the mail server took it, else what went wrong."""
    try:
        send_mail(subject, body, None, [address])
    except Exception as exc:
        # A refused address or a mail server that is down: the delivery is tried again later.
        log.warning("e-mail failed: %s", type(exc).__name__)
        return type(exc).__name__
    return None


def _hmac_b64(key: str, message: str) -> str:
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature (before URL encoding): the secret is the key."""
    return _hmac_b64(secret, f"{timestamp_ms}\n{secret}")


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu's signature: the timestamp and secret are the key, the message is empty."""
    return _hmac_b64(f"{timestamp}\n{secret}", "")


def _clip_utf8(text: str, limit: int) -> str:
    raw = text.encode()
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode(errors="ignore") + "…"


def webhook_payload(
    flavour: str, title: str, text: str, *, secret: str = "", timestamp: int | None = None
) -> dict[str, Any]:
    """The JSON body a group robot of `flavour` expects (Feishu's signature goes in it)."""
    if flavour == WebhookFlavour.WECOM:
        content = _clip_utf8(f"**{title}**\n{text}", WECOM_MARKDOWN_BYTES)
        return {"msgtype": "markdown", "markdown": {"content": content}}
    if flavour == WebhookFlavour.DINGTALK:
        return {"msgtype": "text", "text": {"content": f"{title}\n{text}"}}
    if flavour == WebhookFlavour.FEISHU:
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": f"{title}\n{text}"}}
        if secret:
            stamp = int(time.time()) if timestamp is None else timestamp
            payload = {"timestamp": str(stamp), "sign": feishu_sign(secret, stamp), **payload}
        return payload
    raise ValueError(f"unknown webhook flavour {flavour!r}")


def webhook_url(webhook: Webhook, *, timestamp_ms: int | None = None) -> str:
    """The URL to post to: DingTalk's signature goes in its query string."""
    url, secret = str(webhook.url), str(webhook.secret)
    if webhook.flavour != WebhookFlavour.DINGTALK or not secret:
        return url
    stamp = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query += [("timestamp", str(stamp)), ("sign", dingtalk_sign(secret, stamp))]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _accepted(body: bytes) -> bool:
    """Whether the robot's answer says it took the message (errcode/code 0 or no such field)."""
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return True  # a 2xx without JSON: nothing says it failed
    if not isinstance(answer, dict):
        return True
    return bool(answer.get("errcode", 0) == 0 and answer.get("code", 0) == 0)


def _failure(exc: Exception) -> str:
    """What went wrong, without the exception's text.

    The URL carries the robot's key, and some exceptions quote it (`http.client.InvalidURL`,
    `urllib.error.URLError`), so only the exception's class and any HTTP status are logged.
    """
    if isinstance(exc, urllib.error.HTTPError):
        return f"{type(exc).__name__} {exc.code}"
    return type(exc).__name__


def post_webhook(webhook: Webhook, title: str, text: str) -> str | None:
    """Post the message to one group robot; return None when it took it, else why not.

    A robot too slow to answer within the timeout counts as not having taken the message, and
    the delivery is tried again: the platforms offer no idempotency key, so a message that a
    slow robot did pass on may then appear twice, which is better than a reminder never seen.
    """
    url = webhook_url(webhook)
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        log.warning("webhook %s: not an http(s) URL", webhook.pk)
        return "not an http(s) URL"
    payload = webhook_payload(webhook.flavour, title, text, secret=webhook.secret)
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    timeout = float(settings.NOTIFICATIONS["WEBHOOK_TIMEOUT"])
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(RESPONSE_LIMIT)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        log.warning("webhook %s (%s) failed: %s", webhook.pk, webhook.flavour, _failure(exc))
        return _failure(exc)
    if not _accepted(body):
        log.warning("webhook %s (%s) refused: %s", webhook.pk, webhook.flavour, body[:500])
        return "refused: " + bytes(body[:150]).decode(errors="replace")
    return None
