"""Headless Chromium for the UI tests (Debian's chromium + chromedriver through Selenium), locked to loopback:
every host name but localhost fails to resolve, a dead proxy takes anything else, and Chrome's background
services (updates, safe browsing, metrics) are off. Screenshots go to target/screenshots/ (E2E_SCREENSHOTS)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from stack import REPO

SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS") or REPO / "target" / "screenshots")

LOOPBACK_ONLY = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,900",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",   # loopback bypasses it (Chrome's implicit rule); the rest dies here
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
    "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--no-first-run", "--no-pings",
    "--metrics-recording-only", "--dns-prefetch-disable",
    "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
]


def chrome():
    """A new headless Chromium session (the caller quits it)."""
    os.environ["SE_OFFLINE"] = "true"   # Selenium Manager must never download a driver or a browser
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in LOOPBACK_ONLY:
        options.add_argument(arg)
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(options=options, service=service)


def wait_for_text(driver, texts: list[str], timeout: float = 30) -> str:
    """Polls the rendered page until every text appears in it; returns the page text."""
    deadline = time.monotonic() + timeout
    body = ""
    while time.monotonic() < deadline:
        body = driver.find_element("tag name", "body").text
        if all(t in body for t in texts):
            return body
        time.sleep(0.5)
    raise AssertionError(f"page {driver.current_url} never showed {texts}; it shows:\n{body[:3000]}")


def screenshot(driver, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
