"""Fail when the Chinese catalogue is stale (source strings changed) or not fully translated."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "fangkong/locale/zh_Hans/LC_MESSAGES/django.po"
HEADER_DATE = re.compile(r'^"POT-Creation-Date: .*\\n"$', re.MULTILINE)


def main() -> int:
    committed = PO.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as keep:
        backup = Path(keep) / "django.po"
        shutil.copy(PO, backup)
        try:
            subprocess.run(["make", "--no-print-directory", "makemessages"], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL, env={**os.environ})  # fmt: skip
            fresh = PO.read_text(encoding="utf-8")
        finally:
            shutil.copy(backup, PO)
    if HEADER_DATE.sub("", fresh) != HEADER_DATE.sub("", committed):
        print("translations: django.po is stale; run `make makemessages`, translate, commit.")
        return 1
    stats = subprocess.run(
        ["msgfmt", "--statistics", "--check", "-o", os.devnull, str(PO)],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    if "untranslated" in stats or "fuzzy" in stats:
        print(f"translations: not complete: {stats.strip()}")
        return 1
    print(f"translations: up to date; {stats.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
