"""Page weight of an officer's board: the bytes Chromium transfers for it and all it loads.

    python -m bench page_weight                  # `fangkong serve` (local settings, runserver)
    python -m bench page_weight --production     # collectstatic + gunicorn, no DEBUG

Starts the server on a free loopback port with its own var directory (var/bench/page_weight,
the Alxa demo loaded on first run), signs in as the league officer in a headless Chromium (the
system one, as the browser tests use) and opens `/board/152900/` with the cache disabled, twice:
once as a browser asks (`Accept-Encoding: gzip, deflate, br, zstd`) and once with
`Accept-Encoding: identity`. For each request it records the bytes on the wire (Chrome's
`encodedDataLength`: headers and body as received), the decoded body size and the
`Content-Encoding`, and prints one table per run and the totals.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.request import urlopen

from bench.timing import table

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = ROOT / "var" / "bench" / "page_weight"
RESULTS = ROOT / "bench" / "results"
USERNAME = "officer-alashanmeng"
PASSWORD = "Alxa-2022-demo"  # noqa: S105  (the demo's published password, local only)
BOARD = "/board/152900/"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {process.returncode})")
        try:
            with urlopen(f"{url}/healthz", timeout=2):  # noqa: S310  (loopback)
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the server did not answer at {url} within {timeout:.0f} s")


def start_server(port: int, *, production: bool) -> subprocess.Popen[bytes]:
    WORKDIR.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FANGKONG_VAR_DIR": str(WORKDIR), "DJANGO_SETTINGS_MODULE": ""}
    env.pop("DJANGO_SETTINGS_MODULE")
    env.pop("DATABASE_URL", None)
    fangkong = [sys.executable, "-m", "fangkong.cli"]
    log = (WORKDIR / "server.log").open("ab")
    if not production:
        return subprocess.Popen(  # noqa: S603
            [*fangkong, "serve", "--addr", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
    # Load the demo with local settings first, then serve the same file as production would:
    # static files collected (and compressed) by the production storage, gunicorn, no DEBUG.
    subprocess.run([*fangkong, "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    subprocess.run([*fangkong, "demo"], cwd=ROOT, env=env, check=False, stdout=log)  # noqa: S603
    production_env = {
        **env,
        # The local settings without DEBUG: the production static files storage and
        # WhiteNoise, without the HTTPS-only cookies a plain-HTTP loopback cannot carry.
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PYTHONPATH": str(ROOT),
    }
    shutil.rmtree(WORKDIR / "static", ignore_errors=True)
    subprocess.run(  # noqa: S603
        [*fangkong, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=production_env, check=True
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    return subprocess.Popen(  # noqa: S603
        [gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT, env=production_env, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip


def measure(browser: Any, url: str, *, compressed: bool) -> dict[str, Any]:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if not compressed:
        cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": "identity"}})
    requests: dict[str, dict[str, Any]] = {}

    def on_response(event: dict[str, Any]) -> None:
        response = event["response"]
        headers = {k.lower(): v for k, v in response["headers"].items()}
        requests[event["requestId"]] = {
            "url": response["url"].removeprefix(url),
            "status": response["status"],
            "encoding": headers.get("content-encoding", "-"),
        }

    def on_finished(event: dict[str, Any]) -> None:
        if event["requestId"] in requests:
            requests[event["requestId"]]["wire_bytes"] = int(event["encodedDataLength"])

    def on_data(event: dict[str, Any]) -> None:
        if event["requestId"] in requests:
            row = requests[event["requestId"]]
            row["body_bytes"] = row.get("body_bytes", 0) + int(event["dataLength"])

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.on("Network.dataReceived", on_data)
    page.goto(f"{url}{BOARD}", wait_until="networkidle")
    page.wait_for_selector("#chart-figures canvas", timeout=15_000)
    context.close()
    rows = [dict(r, url=r["url"][:60]) for r in requests.values() if "wire_bytes" in r]
    return {
        "accept_encoding": "browser default" if compressed else "identity",
        "requests": rows,
        "wire_bytes": sum(r["wire_bytes"] for r in rows),
        "body_bytes": sum(r.get("body_bytes", 0) for r in rows),
    }


def run(*, production: bool = False) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("FANGKONG_CHROMIUM") or shutil.which("chromium")
    if chromium is None:
        raise SystemExit("no Chromium found (install Debian's chromium or set FANGKONG_CHROMIUM)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(port, production=production)
    try:
        wait_until_up(url, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            runs = [measure(browser, url, compressed=compressed) for compressed in (True, False)]
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    for result in runs:
        print(f"\nAccept-Encoding: {result['accept_encoding']}")
        columns = ["url", "status", "encoding", "wire_bytes", "body_bytes"]
        print(table(result["requests"], columns))
        print(f"total on the wire: {result['wire_bytes']:,} bytes "
              f"(decoded {result['body_bytes']:,})")  # fmt: skip
    return {
        "server": "collectstatic + gunicorn (bench.settings)" if production else "fangkong serve",
        "page": BOARD,
        "runs": runs,
    }


def main(*, production: bool) -> int:
    result = run(production=production)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"page_weight{'-production' if production else ''}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten {out.relative_to(ROOT)}", flush=True)
    return 0
