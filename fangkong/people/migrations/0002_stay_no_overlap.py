from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from fangkong.people.overlap import allow_overlaps, refuse_overlaps

# Two stays of one person never overlap: an exclusion constraint over `[start, end)` on
# PostgreSQL (btree_gist for the person's equality), triggers on SQLite (people/overlap.py).


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(refuse_overlaps, allow_overlaps),
    ]
