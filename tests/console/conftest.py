"""The console in a real browser: Debian's chromium driven by Playwright (never a downloaded browser),
against the real kiosk-central in a subprocess; real kiosks (store + sync client) upload to it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy import Engine

from kiosk.config import Config, load_config
from kiosk.store.db import Store, open_store
from sync.client import Uploader
from sync.credentials import Credentials
from sync.factory import make_link, make_uploader
from sync.provision import provision
from sync.server.console.cli_users import add_community, add_user
from sync.server.db import make_engine
from tests.server.central import Central, start_central

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PASSWORD = "correct horse battery"
FAST = {"KIOSK_SYNC_BATCH_MAX_RECORDS": "50", "KIOSK_SYNC_BACKOFF_BASE_S": "0.02", "KIOSK_SYNC_BACKOFF_CAP_S": "0.3", "KIOSK_SYNC_TIMEOUT_S": "5"}


@dataclass
class ConsoleServer:
    central: Central
    engine: Engine

    @property
    def url(self) -> str:
        return self.central.url

    def community(self, name: str | None = None) -> str:
        cid = f"c{uuid.uuid4().hex[:8]}"
        with self.engine.begin() as conn:
            add_community(conn, cid, name or f"社区{cid[-4:]}")
        return cid

    def account(self, role: str, *communities: str) -> str:
        name = f"{role}{uuid.uuid4().hex[:6]}"
        with self.engine.begin() as conn:
            add_user(conn, name, role, PASSWORD, list(communities))
        return name


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    data_dir = tmp_path_factory.mktemp("console-central")
    central = start_central(data_dir, f"sqlite:///{data_dir / 'central.db'}")
    engine = make_engine(central.db_url)
    yield ConsoleServer(central, engine)
    engine.dispose()
    central.stop()


@pytest.fixture(scope="session")
def playwright_() -> Iterator[Playwright]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install Debian's chromium (make system-deps)"
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_: Playwright) -> Iterator[Browser]:
    b = playwright_.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    p = context.new_page()
    p.set_default_timeout(10_000)
    return p


@pytest.fixture(scope="session")
def shots(artifacts_dir: Path) -> Path:
    path = artifacts_dir / "screenshots" / "console"
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nconsole screenshots: {path}")
    return path


def shot(page: Page, shots: Path, name: str) -> Path:
    out = shots / f"{name}.png"
    page.screenshot(path=str(out), full_page=True)
    return out


def sign_in(page: Page, base: str, name: str, password: str = PASSWORD) -> None:
    page.goto(base + "/console/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("form[action='/console/login'] button[type=submit]")


def add_gate(page: Page, base: str, label: str, community_id: str) -> str:
    """Through the Devices page, as an admin would: returns the one-time enrolment code it shows."""
    page.goto(base + "/console/devices")
    page.fill("input[name=label]", label)
    page.select_option("select[name=community_id]", community_id)
    page.click("form[action='/console/devices/add'] button[type=submit]")
    code = page.inner_text("#enrol-code").strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code), code
    assert decode_qr(page.locator("#enrol-qr").screenshot()) == code, "the QR code carries the enrolment code"
    return code


def decode_qr(png: bytes) -> str:
    import cv2
    import numpy as np
    import zxingcpp

    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    found = zxingcpp.read_barcodes(image)
    assert found, "no QR code found in the screenshot"
    return str(found[0].text)


@dataclass
class RealKiosk:
    cfg: Config
    store: Store
    creds: Credentials

    def write(self, kind: str, body: dict[str, Any], n: int = 1) -> None:
        with self.store.writing() as w:
            for _ in range(n):
                w.append(kind, body)

    def uploader(self) -> Uploader:
        return make_uploader(self.cfg, self.store, make_link(self.cfg, self.creds, self.store))


@pytest.fixture
def make_kiosk(tmp_path: Path) -> Iterator[Any]:
    made: list[RealKiosk] = []

    def make(server_url: str, code: str, label: str) -> RealKiosk:
        env = {"KIOSK_STORE_DATA_DIR": str(tmp_path / f"kiosk{len(made)}"), **FAST, "KIOSK_SYNC_SERVER_URL": server_url}
        cfg = load_config(env=env)
        store = open_store(cfg.db_path)
        creds, _ = provision(store, cfg.data_dir, server_url, code, label=label)
        made.append(RealKiosk(cfg, store, creds))
        return made[-1]

    yield make
    for k in made:
        k.store.close()


def entry(direction: str = "in", outcome: str = "pass", colour: str = "green") -> dict[str, Any]:
    """A gate entry body as the kiosk's gate service writes it (the fields the console reads)."""
    return {"direction": direction, "person_kind": "resident", "outcome": outcome, "colour": colour, "id_masked": "1101**********0012",
            "temperature": {"verdict": "normal", "readings": []}, "reasons": [], "mode": "normal"}
