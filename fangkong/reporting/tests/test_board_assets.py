"""The board's charts library: only what the board draws, and sent compressed.

The vendor files are built by `make install` (`npm run build`, scripts/vendor-assets.mjs);
bench/page_weight.py measures the whole page in Chromium (`python -m bench page_weight`).
"""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import get_commands
from django.test import Client, override_settings

from fangkong.conftest import World

ROOT = Path(__file__).resolve().parents[3]
BOARD_JS = ROOT / "fangkong" / "reporting" / "static" / "reporting" / "board.js"
ENTRY = ROOT / "scripts" / "echarts-board.mjs"
# ECharts' series types (echarts/charts exports `<Type>Chart` for each).
SERIES_TYPES = {
    "line", "bar", "pie", "scatter", "effectScatter", "radar", "tree", "treemap", "sunburst",
    "map", "graph", "chord", "gauge", "funnel", "parallel", "sankey", "boxplot", "candlestick",
    "heatmap", "lines", "pictorialBar", "themeRiver", "custom",
}  # fmt: skip


def board_script_sources(world: World) -> list[str]:
    page = world.client("league").get("/board/152900/")
    assert page.status_code == 200
    return re.findall(r'<script src="([^"]+)"', page.content.decode())


def test_the_board_loads_a_charts_bundle_a_half_the_size_of_the_full_one(world: World) -> None:
    [charts] = [src for src in board_script_sources(world) if "echarts" in src]
    path = finders.find(charts.removeprefix("/static/"))
    assert path, f"{charts} is not built: run `make assets`"
    assert Path(path).stat().st_size < 700_000  # the full echarts.min.js is 1,121,883 bytes


@pytest.mark.parametrize(("accepted", "encoding"), [("gzip, deflate, br, zstd", "br"),
                                                    ("gzip, deflate", "gzip")])  # fmt: skip
def test_the_charts_bundle_goes_over_the_wire_compressed(
    world: World, accepted: str, encoding: str
) -> None:
    [charts] = [src for src in board_script_sources(world) if "echarts" in src]
    # As `fangkong serve` serves it: DEBUG makes WhiteNoise find the files in the apps.
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        plain = Client().get(charts, headers={"accept-encoding": "identity"})
        packed = Client().get(charts, headers={"accept-encoding": accepted})
    assert plain.status_code == packed.status_code == 200
    plain_bytes = b"".join(plain.streaming_content)  # type: ignore[attr-defined]
    packed_bytes = b"".join(packed.streaming_content)  # type: ignore[attr-defined]
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == encoding
    assert len(packed_bytes) < 220_000 < len(plain_bytes)


def test_fangkong_serve_leaves_static_files_to_whitenoise() -> None:
    # Django's own runserver would serve them itself, uncompressed, before WhiteNoise sees them.
    assert get_commands()["runserver"] == "whitenoise.runserver_nostatic"


def test_the_bundle_has_every_chart_type_the_board_draws() -> None:
    used = set(re.findall(r'type:\s*"(\w+)"', BOARD_JS.read_text())) & SERIES_TYPES
    assert used, "board.js draws no chart?"
    entry = ENTRY.read_text()
    for kind in used:
        assert f"{kind[0].upper()}{kind[1:]}Chart" in entry, f"add {kind} to {ENTRY.name}"
