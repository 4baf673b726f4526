"""Third-party apps under names the site's users read: their sections in the admin.

Django's way for a project to rename an app it uses: subclass the app's own config and name the
subclass in INSTALLED_APPS (the app's name and label stay, so nothing else changes). Their
models' names come from the apps' own messages; those are repeated below so that our
catalogue carries them and gives them in Chinese (Django looks a message up in every
catalogue, the project's first).
"""

from axes.apps import AppConfig as AxesAppConfig
from django.contrib.auth.apps import AuthConfig as DjangoAuthConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_tasks_db.apps import TasksAppConfig


class AuthConfig(DjangoAuthConfig):
    verbose_name = _("User groups")


class AxesConfig(AxesAppConfig):  # type: ignore[misc]  # axes has no type hints
    verbose_name = _("Sign-in protection")


class TasksConfig(TasksAppConfig):
    verbose_name = _("Background tasks")  # type: ignore[assignment]  # the base says str


THIRD_PARTY_MESSAGES = [
    # axes (models)
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    # django_tasks_db (models)
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
]
