"""The charger page's Messages tab in headless Chromium (tests/test_ui.py's way: Debian's
chromium, a real Envoy serving ui/ and transcoding /v1/, manager and node in-process),
reading the frame journal the node writes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import websockets
from csms.v1 import auth_pb2
from playwright.async_api import Browser, expect
from websockets.typing import Subprotocol

from services.gateway import Envoy, GatewaySettings
from services.journal import JournalSettings
from services.registry import MemoryRegistry
from tests import test_ui
from tests.harness import (
    Charger16,
    Charger201,
    charger_url,
    connected,
    free_port,
    running_manager,
    running_node,
)
from tests.test_ui import PHONE, SCRATCH, SCREENSHOTS, SHOWN, System, opened

# tests/test_ui.py's fixtures: Debian's chromium, a headless browser per test.
chromium = test_ui.chromium
browser = test_ui.browser


@dataclass
class JournaledSystem(System):
    journal_url: str = ""


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[JournaledSystem]:
    """Manager and node sharing a SQLite journal (the node writes, the manager reads),
    Envoy in front of them."""
    registry = MemoryRegistry(lease_seconds=10)
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'csms.sqlite3'}"
    journal_url = f"sqlite+aiosqlite:///{tmp_path / 'journal.sqlite'}"
    try:
        async with (
            running_manager(registry, database_url, journal_url=journal_url) as manager,
            running_node(
                registry,
                manager.port,
                "node-ui",
                journal=JournalSettings(url=journal_url, flush_interval=0.05),
            ) as node,
        ):
            settings = GatewaySettings(
                manager_address=f"127.0.0.1:{manager.port}",
                node_addresses=(f"127.0.0.1:{node.ws_port}",),
                listen_host="127.0.0.1",
                listen_port=free_port(),
                admin_port=0,
            )
            async with Envoy(settings) as envoy:
                yield JournaledSystem(
                    node=node,
                    url=f"http://127.0.0.1:{envoy.settings.listen_port}/",
                    manager_port=manager.port,
                    journal_url=journal_url,
                )
    finally:
        await registry.aclose()


async def test_messages_tab_shows_each_call_with_its_answer_and_new_ones_live(
    system: JournaledSystem, browser: Browser, tmp_path: Path
) -> None:
    """The Messages tab lists the charger's calls newest first with direction, outcome and
    latency, shows both frames pretty-printed on expand, filters by action, adds a new
    call without a reload, and exports the timeline as JSON Lines."""
    async with connected(Charger16, charger_url(system.node, "CP-MSG"), "CP-MSG") as cp:
        await cp.boot()
        await cp.status(1, "Available")
        url = f"{system.url}#/chargers/CP-MSG"
        async with opened(browser, url) as page:
            await page.get_by_role("link", name="Messages").click()
            rows = page.locator("table.messages tbody tr")
            boot = rows.filter(has_text="BootNotification")
            await expect(boot).to_have_count(1, timeout=SHOWN)
            await expect(rows.first).to_contain_text("StatusNotification")
            await expect(boot).to_contain_text("result")
            await expect(boot.locator("td.latency")).to_contain_text("ms")
            await expect(boot.locator("td.arrow")).to_contain_text("charger → CSMS")

            await boot.get_by_text("Frames").click()
            call = boot.locator("pre.frame-call")
            answer = boot.locator("pre.frame-answer")
            await expect(call).to_be_visible()
            assert json.loads(await call.inner_text())[2] == "BootNotification"
            assert '\n  "' in await call.inner_text(), "the frame is not pretty-printed"
            assert json.loads(await answer.inner_text())[2]["status"] == "Accepted"

            reloads: list[str] = []
            page.on("framenavigated", lambda frame: reloads.append(frame.url))
            await cp.heartbeat()
            await expect(rows.first).to_contain_text("Heartbeat", timeout=SHOWN)
            await expect(rows).to_have_count(3)
            assert reloads == [], "the page reloaded instead of updating in place"
            await page.screenshot(path=str(SCREENSHOTS / "charger-messages.png"))

            await page.get_by_label("Actions").fill("Heartbeat")
            await page.get_by_role("button", name="Apply").click()
            await expect(rows).to_have_count(1, timeout=SHOWN)
            await expect(rows.first).to_contain_text("Heartbeat")

            async with page.expect_download() as caught:
                await page.get_by_role("button", name="Export (JSON Lines)").click()
            download = await caught.value
            saved = tmp_path / "export.jsonl"
            await download.save_as(saved)
            lines = [json.loads(line) for line in saved.read_text().splitlines()]
            assert [line["action"] for line in lines] == ["Heartbeat"]
            assert lines[0]["outcome"] == "MESSAGE_OUTCOME_RESULT"


async def test_a_viewer_reads_a_201_timeline_with_its_malformed_frame_but_gets_no_export(
    system: JournaledSystem, browser: Browser
) -> None:
    """A viewer sees a 2.0.1 charger's timeline, a malformed frame shown with the CallError
    it got; the export (an operator's) is not offered."""
    async with connected(Charger201, charger_url(system.node, "CS-VIEW"), "CS-VIEW") as cs:
        await cs.boot()
        await cs.heartbeat()
    async with websockets.connect(
        charger_url(system.node, "CS-VIEW"), subprotocols=[Subprotocol("ocpp2.0.1")]
    ) as ws:
        await ws.send('[2, "oops", "Heartbeat", {')
        assert json.loads(await ws.recv())[0] == 4
    viewer = await system.token("viewer-1", auth_pb2.ROLE_VIEWER)
    async with opened(browser, f"{system.url}#/chargers/CS-VIEW/messages", token=viewer) as page:
        rows = page.locator("table.messages tbody tr")
        await expect(rows).to_have_count(3, timeout=SHOWN)
        await expect(rows.nth(0)).to_contain_text("malformed")
        await expect(rows.nth(1)).to_contain_text("Heartbeat")
        await expect(rows.nth(2)).to_contain_text("BootNotification")
        await rows.nth(0).get_by_text("Frames").click()
        await expect(rows.nth(0).locator("pre.frame-call")).to_have_text(
            '[2, "oops", "Heartbeat", {'
        )
        assert json.loads(await rows.nth(0).locator("pre.frame-answer").inner_text())[0] == 4
        await expect(page.get_by_role("button", name="Export (JSON Lines)")).to_have_count(0)


async def test_the_messages_tab_fits_a_phone(system: JournaledSystem, browser: Browser) -> None:
    """At 390x844 the Messages tab, its frames open, is no wider than the screen."""
    async with connected(Charger16, charger_url(system.node, "CP-PHONE"), "CP-PHONE") as cp:
        await cp.boot()
        await cp.status(1, "Available")
    url = f"{system.url}#/chargers/CP-PHONE/messages"
    async with opened(browser, url, viewport=PHONE) as page:
        rows = page.locator("table.messages tbody tr")
        await expect(rows).to_have_count(2, timeout=SHOWN)
        await rows.last.get_by_text("Frames").click()
        await expect(rows.last.locator("pre.frame-answer")).to_be_visible()
        await page.evaluate("document.fonts.ready")
        width = await page.evaluate("document.documentElement.scrollWidth")
        await page.screenshot(path=str(SCRATCH / "phone-charger-messages.png"), full_page=True)
        assert width <= PHONE["width"], f"the page is {width} px wide"
