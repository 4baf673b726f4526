"""A message in each of the site's languages.

The worker that sends reminders and warnings has no request, hence no reader's language. So a
message is written once in every language of `settings.LANGUAGES` when it is sent: the inbox
shows each reader their own (`Notification.texts`, chosen when the page is drawn), while
e-mail and the group robots, which go to many readers at once, get the site's default
language (Chinese), as do `Notification.title` and `body`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import override


@dataclass(frozen=True)
class Message:
    title: str  # in the site's default language
    body: str
    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # language: title and body


def in_each_language(write: Callable[[], tuple[str, str]]) -> Message:
    """Call `write()` (returning title and body through gettext) once per site language."""
    texts = {}
    for language, _name in settings.LANGUAGES:
        with override(language):
            title, body = write()
        texts[language] = {"title": title[:200], "body": body}
    default = texts[settings.LANGUAGE_CODE]
    return Message(default["title"], default["body"], texts)
