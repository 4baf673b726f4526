"""Production's cache is the database table the migrations create, one for every process."""

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.db import connection

from fangkong.people import checkin


def test_the_migrations_create_the_cache_table(db):
    assert "fangkong_cache" in connection.introspection.table_names()


@pytest.mark.django_db(transaction=True)
def test_two_processes_count_one_limit(settings, monkeypatch):
    """Two workers each hold their own cache object; the counts of the table are one."""
    settings.FANGKONG_CHECKIN_LIMITS = {**checkin.LIMITS, "institution": (3, 600)}
    first, second = DatabaseCache("fangkong_cache", {}), DatabaseCache("fangkong_cache", {})
    seen = []
    for worker in (first, second, first, second):
        monkeypatch.setattr(checkin, "cache", worker)
        seen.append(checkin._over("institution", "1529210001"))
    assert seen == [False, False, False, True]
