"""Django's admin, installed with the audited site as its default (`fangkong.audit.admin_site`).

Apart from the rest of the app so that INSTALLED_APPS can name it before any model is loaded.
"""

from django.contrib.admin.apps import AdminConfig


class AuditedAdminConfig(AdminConfig):
    default_site = "fangkong.audit.admin_site.AuditedAdminSite"
