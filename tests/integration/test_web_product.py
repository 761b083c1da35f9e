"""The acceptance check against the running product: `hotline up` serves the web app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.browser import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_hotline_up_serves_open311_and_the_sign_in_page(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'hotline.db'}",
        "HOTLINE_VAR_DIR": str(tmp_path / "var"),
        "HOTLINE_WEB_PORT": str(port),
        "TELEGRAM_BOT_TOKEN": "",
    }
    hotline = [sys.executable, "-m", "hotline.entrypoints.cli"]
    process = subprocess.Popen(
        [*hotline, "up", "--no-dialogue", "--no-console"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                services = httpx.get(f"{base}/open311/v2/services.json", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "web app did not answer"
                time.sleep(0.3)
        codes = [s["service_code"] for s in services.json()]
        assert "street_light" in codes and len(codes) > 50
        definition = httpx.get(f"{base}/open311/v2/services/wage_arrears.json").json()
        assert definition["attributes"][0]["code"] == "employer"
        refused = httpx.post(
            f"{base}/open311/v2/requests.json",
            data={
                "service_code": "street_light",
                "description": "路灯不亮",
                "address_string": "人民路",
            },
        )
        assert refused.status_code == 403
        assert httpx.get(f"{base}/open311/v2/requests.json").json() == []
        login = httpx.get(f"{base}/login")
        assert login.status_code == 200 and 'name="password"' in login.text
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
