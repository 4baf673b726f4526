"""Read settings from the environment; every secret may also come from a file (`NAME_FILE`)."""

import os
from pathlib import Path


def env(name: str, default: str | None = None) -> str | None:
    """Return `NAME`, or the contents of the file named by `NAME_FILE`, or `default`."""
    if (path := os.environ.get(f"{name}_FILE")) is not None:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    value = env(name, default) or ""
    return [item.strip() for item in value.split(",") if item.strip()]
