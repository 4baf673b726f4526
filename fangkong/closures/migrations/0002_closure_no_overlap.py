from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from fangkong.closures.overlap import allow_overlaps, refuse_overlaps

# Two closures of one institution never overlap: an exclusion constraint on PostgreSQL (with
# btree_gist, for the institution's equality), triggers on SQLite (fangkong/closures/overlap.py).


class Migration(migrations.Migration):
    dependencies = [("closures", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(refuse_overlaps, allow_overlaps),
    ]
