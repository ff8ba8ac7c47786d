"""The operator web UI in headless Chromium, through a real Envoy gateway and a real mesh.

Chromium is Debian's (``/usr/bin/chromium``; ``.ci/run`` installs it), driven by
Playwright for Python over its bundled driver: no browser download. Manager and node run
in-process on loopback, Envoy serves ``ui/`` and transcodes ``/v1/`` to the manager, and
chargers are the ``ocpp`` library's ChargePoint over real websockets.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from csms.v1 import (
    auth_pb2,
    auth_pb2_grpc,
    chargers_pb2,
    chargers_pb2_grpc,
    common_pb2,
    id_tags_pb2,
    id_tags_pb2_grpc,
)
from google.protobuf.timestamp_pb2 import Timestamp
from ocpp.v16 import call as call16
from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect

from services.gateway import Envoy, GatewaySettings
from services.node import Node
from services.registry import MemoryRegistry
from tests.harness import (
    ADMIN_TOKEN,
    UNIT,
    Charger16,
    Station16,
    api_channel,
    charger_url,
    connected,
    eventually,
    free_port,
    running_manager,
    running_node,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots that only help a person check a run (never kept in the repository).
SCRATCH = Path(tempfile.gettempdir()) / "csms-screenshots"
# Screenshots for the README are refreshed only on request (CSMS_SCREENSHOTS=1 make test),
# so an ordinary test run leaves the work tree clean; otherwise they go to a temp dir.
SCREENSHOTS = (
    Path(__file__).resolve().parents[1] / "docs" / "screenshots"
    if os.environ.get("CSMS_SCREENSHOTS") == "1"
    else SCRATCH
)
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
# How long the page may take to show something the system already knows or was just told.
SHOWN = 10 * UNIT * 1000  # milliseconds, as Playwright counts


@dataclass
class System:
    """A running mesh behind Envoy: chargers connect to `node`, browsers open `url`."""

    node: Node
    url: str
    manager_port: int

    async def token(self, name: str, role: auth_pb2.Role) -> str:
        """A new API token with `role` (created by the admin token); its secret."""
        async with api_channel(f"127.0.0.1:{self.manager_port}") as channel:
            answer = await auth_pb2_grpc.AuthServiceStub(channel).CreateToken(
                auth_pb2.CreateTokenRequest(name=name, role=role)
            )
        return answer.secret

    async def revoke(self, name: str) -> None:
        """Revoke the valid token called `name`."""
        async with api_channel(f"127.0.0.1:{self.manager_port}") as channel:
            stub = auth_pb2_grpc.AuthServiceStub(channel)
            tokens = await stub.ListTokens(auth_pb2.ListTokensRequest())
            (token,) = (t for t in tokens.tokens if t.name == name)
            await stub.RevokeToken(auth_pb2.RevokeTokenRequest(token_id=token.token_id))

    async def charger(self, charger_id: str, status: chargers_pb2.RegistrationStatus) -> None:
        """Add charger `charger_id` (profile 0) with registration `status` through the API."""
        async with api_channel(f"127.0.0.1:{self.manager_port}") as channel:
            await chargers_pb2_grpc.ChargerServiceStub(channel).CreateCharger(
                chargers_pb2.CreateChargerRequest(charger_id=charger_id, registration_status=status)
            )

    async def id_tag(self, id_tag: str) -> None:
        """Create id tag `id_tag` (status Accepted) through the API."""
        async with api_channel(f"127.0.0.1:{self.manager_port}") as channel:
            await id_tags_pb2_grpc.IdTagServiceStub(channel).CreateIdTag(
                id_tags_pb2.CreateIdTagRequest(
                    id_tag=id_tags_pb2.IdTag(
                        id_tag=id_tag, status=id_tags_pb2.ID_TAG_STATUS_ACCEPTED
                    )
                )
            )


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[System]:
    """Manager, node and in-process registry on loopback, Envoy in front of them."""
    registry = MemoryRegistry(lease_seconds=10)
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'csms.sqlite3'}"
    try:
        async with (
            running_manager(registry, database_url) as manager,
            running_node(registry, manager.port, "node-ui") as node,
        ):
            settings = GatewaySettings(
                manager_address=f"127.0.0.1:{manager.port}",
                node_addresses=(f"127.0.0.1:{node.ws_port}",),
                listen_host="127.0.0.1",
                listen_port=free_port(),
                admin_port=0,
            )
            async with Envoy(settings) as envoy:
                yield System(
                    node=node,
                    url=f"http://127.0.0.1:{envoy.settings.listen_port}/",
                    manager_port=manager.port,
                )
    finally:
        await registry.aclose()


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium binary (never a downloaded one)."""
    assert CHROMIUM.exists(), "Debian's chromium is needed: apt-get install -y chromium"
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    """Headless Debian Chromium; Playwright gives every launch a new, empty profile."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def login(page: Page, token: str) -> None:
    """Log in on the login screen with `token` and wait until the header names the session."""
    await page.get_by_label("API token").fill(token)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible(timeout=SHOWN)


@contextlib.asynccontextmanager
async def opened(
    browser: Browser, url: str, viewport: ViewportSize = VIEWPORT, token: str | None = ADMIN_TOKEN
) -> AsyncIterator[Page]:
    """A page at `url` in its own browser context, logged in with `token` (None: not
    logged in), closed afterwards."""
    context = await browser.new_context(viewport=viewport)
    try:
        page = await context.new_page()
        await page.goto(url)
        if token is not None:
            await login(page, token)
        yield page
        await page.close()
    finally:
        await context.close()


async def test_overview_shows_charger_and_a_status_change_live(
    system: System, browser: Browser
) -> None:
    """The fleet overview lists connected chargers and shows a new connector status without a reload."""
    async with connected(Charger16, charger_url(system.node, "CP-UI-0"), "CP-UI-0") as gone:
        await gone.boot()
        await gone.status(1, "Available")
    async with (
        connected(Charger16, charger_url(system.node, "CP-UI-1"), "CP-UI-1") as cp,
        connected(Charger16, charger_url(system.node, "CP-UI-9"), "CP-UI-9") as other,
    ):
        await cp.boot()
        await cp.status(1, "Available")
        await cp.status(2, "Available")
        await other.boot()
        await other.status(1, "Faulted", error_code="GroundFailure")
        async with opened(browser, system.url) as page:
            row = page.locator('#fleet tr[data-charger-id="CP-UI-1"]')
            await expect(row).to_contain_text("Online", timeout=SHOWN)
            await expect(row).to_contain_text("1.6")
            await expect(row).to_contain_text("node-ui")
            await expect(row).to_contain_text("Acme / Wallbox-1")
            await expect(row.locator(".connector")).to_have_count(2)
            await expect(page.locator('#fleet tr[data-charger-id="CP-UI-0"]')).to_contain_text(
                "Offline"
            )
            await expect(page.locator('#fleet tr[data-charger-id="CP-UI-9"]')).to_contain_text(
                "Faulted GroundFailure"
            )
            reloads: list[str] = []
            page.on("framenavigated", lambda frame: reloads.append(frame.url))
            first = row.locator(".connector").first

            async def shows_charging() -> bool:
                # The page cannot tell when its stream is subscribed (no event yet, so no
                # response headers): repeat the notification until one reaches it.
                await cp.status(1, "Charging")
                with contextlib.suppress(AssertionError):
                    await expect(first).to_contain_text("Charging", timeout=2 * UNIT * 1000)
                    return True
                return False

            await eventually(shows_charging, timeout=SHOWN / 1000)
            await expect(page.get_by_role("button", name="1 connectors Charging")).to_be_visible()
            await expect(page.locator("#live")).to_contain_text("Live")
            assert reloads == [], "the page reloaded instead of updating in place"
            await page.screenshot(path=str(SCREENSHOTS / "fleet-overview.png"))


async def charge_for_an_hour(cp: Charger16) -> int:
    """A session on connector 1 that began an hour ago (11 kW, tapering off); its id."""
    start = datetime.now(UTC) - timedelta(hours=1)
    answer = await cp.call(
        call16.StartTransaction(
            connector_id=1, id_tag="CARD-0001", meter_start=120_000, timestamp=_iso(start)
        )
    )
    register = 120_000.0
    for minute in range(0, 61, 4):
        power = 11_000.0 if minute < 40 else 11_000.0 * (1 - (minute - 40) / 25)
        register += power * 4 / 60 if minute else 0
        sampled = [
            {"value": f"{register:.0f}", "measurand": "Energy.Active.Import.Register"},
            {"value": f"{power:.0f}", "measurand": "Power.Active.Import", "unit": "W"},
        ]
        when = _iso(start + timedelta(minutes=minute))
        await cp.call(
            call16.MeterValues(
                connector_id=1,
                transaction_id=answer.transaction_id,
                meter_value=[{"timestamp": when, "sampled_value": sampled}],
            )
        )
    return int(answer.transaction_id)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_reset_button_shows_the_chargers_answer(system: System, browser: Browser) -> None:
    """The Hard reset button on the charger page sends Reset and shows the charger's answer, Accepted."""
    async with connected(Charger16, charger_url(system.node, "CP-UI-2"), "CP-UI-2") as cp:
        await cp.boot()
        await cp.status(1, "Charging")
        await cp.status(2, "Available")
        await charge_for_an_hour(cp)
        async with opened(browser, f"{system.url}#/chargers/CP-UI-2") as page:
            await expect(page.locator("#connectors")).to_contain_text("Charging", timeout=SHOWN)
            await expect(page.locator("#session-energy")).to_contain_text("kWh")
            await expect(page.locator("svg.chart-power path.chart-line")).to_have_count(1)

            await page.get_by_role("button", name="Hard reset").click()
            await page.get_by_role("dialog").get_by_role("button", name="Hard reset").click()

            answer = page.get_by_role("form", name="Reset").locator("output")
            await expect(answer).to_have_text("Hard reset: Accepted", timeout=SHOWN)
            assert cp.resets == ["Hard"]

            await page.get_by_role("button", name="Read from charger").click()
            await expect(page.locator("table.config")).to_contain_text("HeartbeatInterval")
            await page.evaluate("window.scrollTo(0, 0)")  # sticky headers where they belong
            await page.screenshot(path=str(SCREENSHOTS / "charger-page.png"), full_page=True)


async def test_an_api_error_is_shown_in_words(system: System, browser: Browser) -> None:
    """Resetting a charger that went offline shows the gateway's error as a sentence, not nothing."""
    async with connected(Charger16, charger_url(system.node, "CP-UI-3"), "CP-UI-3") as cp:
        await cp.boot()
    async with opened(browser, f"{system.url}#/chargers/CP-UI-3") as page:
        await expect(page.locator("#h-identity")).to_contain_text("Offline", timeout=SHOWN)

        await page.get_by_role("button", name="Soft reset").click()
        await page.get_by_role("dialog").get_by_role("button", name="Soft reset").click()

        answer = page.get_by_role("form", name="Reset").locator("output")
        await expect(answer).to_contain_text("Soft reset failed", timeout=SHOWN)
        await expect(answer).to_contain_text("not connected")
        await expect(answer).to_contain_text("HTTP 503")


async def test_unknown_charger_page_says_so(system: System, browser: Browser) -> None:
    """Opening the page of a charger that was never seen says it was not found."""
    async with opened(browser, f"{system.url}#/chargers/CP-NEVER") as page:
        await expect(page.get_by_role("alert").first).to_contain_text("Not found", timeout=SHOWN)


async def test_id_tags_are_created_blocked_and_deleted(system: System, browser: Browser) -> None:
    """On the id tags page an operator creates a tag, blocks it and deletes it, each shown at once."""
    async with opened(browser, f"{system.url}#/idtags") as page:
        await page.get_by_role("textbox", name="Id tag").fill("CARD-UI-1")
        await page.get_by_role("button", name="Create").click()
        row = page.locator('tr[data-id-tag="CARD-UI-1"]')
        await expect(row).to_contain_text("Accepted", timeout=SHOWN)
        dialog = page.get_by_role("dialog")

        await page.get_by_role("button", name="Block CARD-UI-1").click()
        await dialog.get_by_role("button", name="Block").click()
        await expect(row).to_contain_text("Blocked", timeout=SHOWN)

        await page.get_by_role("button", name="Delete CARD-UI-1").click()
        await dialog.get_by_role("button", name="Delete").click()
        await expect(row).to_have_count(0, timeout=SHOWN)
        await expect(page.get_by_role("status").filter(has_text="Delete CARD-UI-1")).to_have_text(
            "Delete CARD-UI-1: Deleted"
        )


async def test_settings_panel_lists_filters_and_sets_a_variable(
    system: System, browser: Browser
) -> None:
    """The Settings panel lists the reported variables, filters them, and sets one through SetVariables."""
    from ocpp.v201 import call as call201

    from tests.harness import Station201

    async with connected(Station201, charger_url(system.node, "CS-UI-4"), "CS-UI-4") as cs:
        await cs.boot()
        report = [
            {
                "component": {"name": name},
                "variable": {"name": variable},
                "variable_attribute": [{"value": value, "mutability": mutability}],
            }
            for name, variable, value, mutability in (
                ("OCPPCommCtrlr", "HeartbeatInterval", "300", "ReadWrite"),
                ("ChargingStation", "Model", "Station-2", "ReadOnly"),
            )
        ]
        await cs.call(
            call201.NotifyReport(
                request_id=1, generated_at=_iso(datetime.now(UTC)), seq_no=0, report_data=report
            )
        )
        cs.answers["SetVariables"] = {
            "set_variable_result": [
                {
                    "attribute_status": "Accepted",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                }
            ]
        }
        async with opened(browser, f"{system.url}#/chargers/CS-UI-4") as page:
            settings = page.locator("#settings")
            await expect(settings).to_contain_text("HeartbeatInterval", timeout=SHOWN)
            await expect(settings).to_contain_text("Station-2")

            await page.get_by_label("Filter by component").fill("ocppcommctrlr")
            await page.get_by_role("button", name="Filter").click()
            await expect(settings).not_to_contain_text("Station-2", timeout=SHOWN)

            await page.get_by_label("New value for HeartbeatInterval").fill("60")
            await settings.get_by_role("button", name="Set").click()
            await expect(settings.locator("td.mono")).to_contain_text("60", timeout=SHOWN)
            (sent,) = cs.requests("SetVariables")
            assert sent["set_variable_data"][0]["attribute_value"] == "60"


async def test_offline_chargers_connectors_are_unknown(system: System, browser: Browser) -> None:
    """Connectors of an offline charger show as "Unknown (offline)", grey, and count in no status chip but their own."""
    async with connected(Charger16, charger_url(system.node, "CP-UI-OFF"), "CP-UI-OFF") as gone:
        await gone.boot()
        await gone.status(1, "Available")
        await gone.status(2, "Available")
    async with connected(Charger16, charger_url(system.node, "CP-UI-ON"), "CP-UI-ON") as cp:
        await cp.boot()
        await cp.status(1, "Available")
        async with opened(browser, system.url) as page:
            offline = page.locator('#fleet tr[data-charger-id="CP-UI-OFF"]')
            await expect(offline).to_contain_text("Offline", timeout=SHOWN)
            await expect(offline.locator(".connector")).to_contain_text(
                ["Unknown (offline)", "Unknown (offline)"]
            )
            await expect(offline.locator(".connector .badge.tone-off")).to_have_count(2)
            online = page.locator('#fleet tr[data-charger-id="CP-UI-ON"]')
            await expect(online.locator(".connector .badge.tone-ok")).to_contain_text("Available")
            chips = page.get_by_role("group", name="Counts by state")
            await expect(
                chips.get_by_role("button", name="1 connectors Available", exact=True)
            ).to_be_visible()
            unknown = chips.get_by_role("button", name="2 connectors Unknown (offline)", exact=True)
            await unknown.click()
            await expect(page.locator("#fleet tbody tr")).to_have_count(1)
            await expect(page.locator("#fleet tbody tr")).to_have_attribute(
                "data-charger-id", "CP-UI-OFF"
            )

        async with opened(browser, f"{system.url}#/chargers/CP-UI-OFF") as page:
            badges = page.locator("#connectors tbody .badge")
            await expect(badges).to_contain_text(
                ["Unknown (offline)", "Unknown (offline)"], timeout=SHOWN
            )
            await expect(page.locator("#connectors")).to_contain_text("last reported Available")


async def test_a_disconnect_turns_connectors_unknown_live(system: System, browser: Browser) -> None:
    """A DISCONNECTED event turns the charger's connectors unknown on open pages at once, without a reload."""
    async with opened(browser, system.url) as fleet:
        charger_page = await fleet.context.new_page()
        async with connected(Charger16, charger_url(system.node, "CP-UI-7"), "CP-UI-7") as cp:
            await cp.boot()
            await cp.status(1, "Preparing")
            await charger_page.goto(f"{system.url}#/chargers/CP-UI-7")
            await login(charger_page, ADMIN_TOKEN)  # a new tab: sessionStorage is per tab
            row = fleet.locator('#fleet tr[data-charger-id="CP-UI-7"]')
            connectors = charger_page.locator("#connectors tbody .badge")
            await expect(row).to_contain_text("Preparing", timeout=SHOWN)
            await expect(connectors).to_contain_text(["Preparing"], timeout=SHOWN)

            async def both_live() -> bool:
                # Repeat a notification until both pages show it: their streams are then open.
                await cp.status(1, "Available")
                with contextlib.suppress(AssertionError):
                    await expect(row).to_contain_text("Available", timeout=2 * UNIT * 1000)
                    await expect(connectors).to_contain_text(["Available"], timeout=2 * UNIT * 1000)
                    return True
                return False

            await eventually(both_live, timeout=SHOWN / 1000)
            available = fleet.get_by_role("button", name="1 connectors Available", exact=True)
            await expect(available).to_be_visible()
            reloads: list[str] = []
            for page in (fleet, charger_page):
                page.on("framenavigated", lambda frame: reloads.append(frame.url))

        await expect(row).to_contain_text("Offline", timeout=SHOWN)
        await expect(row.locator(".connector")).to_contain_text(["Unknown (offline)"])
        await expect(available).to_have_count(0)
        await expect(connectors).to_contain_text(["Unknown (offline)"], timeout=SHOWN)
        assert reloads == [], "a page reloaded instead of updating in place"


async def test_destructive_commands_ask_first(system: System, browser: Browser) -> None:
    """Each destructive command asks in a dialog naming the charger and the action; Cancel or Escape sends nothing."""
    async with connected(Station16, charger_url(system.node, "CP-UI-8"), "CP-UI-8") as cp:
        await cp.boot()
        await cp.status(1, "Available")
        async with opened(browser, f"{system.url}#/chargers/CP-UI-8") as page:
            await expect(page.locator("#connectors")).to_contain_text("Available", timeout=SHOWN)
            await page.get_by_label("Transaction", exact=True).fill("17")
            posts: list[str] = []
            page.on("request", lambda r: posts.append(r.url) if r.method != "GET" else None)
            dialog = page.get_by_role("dialog")
            for button, asks in (
                ("Soft reset", "Soft reset charger CP-UI-8?"),
                ("Hard reset", "Hard reset charger CP-UI-8?"),
                ("Stop", "Stop transaction 17 on charger CP-UI-8?"),
                ("Unlock", "Unlock connector 1 of charger CP-UI-8?"),
                ("Inoperative", "Make all connectors of charger CP-UI-8 inoperative?"),
                ("Clear cache", "Clear the authorization cache of charger CP-UI-8?"),
            ):
                await page.get_by_role("button", name=button, exact=True).click()
                await expect(dialog).to_be_visible()
                await expect(dialog.get_by_role("heading")).to_have_text(asks)
                await expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
                await dialog.get_by_role("button", name="Cancel").click()
                await expect(dialog).to_be_hidden()

            await page.get_by_role("button", name="Hard reset", exact=True).click()
            await expect(dialog).to_be_visible()
            await page.keyboard.press("Escape")
            await expect(dialog).to_be_hidden()
            answer = page.get_by_role("form", name="Reset").locator("output")
            await expect(answer).to_have_text("Hard reset: cancelled, nothing was sent")
            assert posts == []

            await page.get_by_role("button", name="Hard reset", exact=True).click()
            await page.screenshot(path=str(SCRATCH / "confirm-hard-reset.png"))
            await dialog.get_by_role("button", name="Hard reset").click()
            await expect(answer).to_have_text("Hard reset: Accepted", timeout=SHOWN)
            assert cp.resets == ["Hard"]
            assert [url.rsplit("/", 1)[-1] for url in posts] == ["CP-UI-8:reset"]
            assert cp.received == []


async def test_deleting_an_id_tag_can_be_cancelled(system: System, browser: Browser) -> None:
    """Deleting an id tag asks first, naming the tag; Cancel keeps it and sends nothing."""
    async with opened(browser, f"{system.url}#/idtags") as page:
        await page.get_by_role("textbox", name="Id tag").fill("CARD-UI-2")
        await page.get_by_role("button", name="Create").click()
        row = page.locator('tr[data-id-tag="CARD-UI-2"]')
        await expect(row).to_contain_text("Accepted", timeout=SHOWN)
        posts: list[str] = []
        page.on("request", lambda r: posts.append(r.method) if r.method != "GET" else None)
        dialog = page.get_by_role("dialog")

        await page.get_by_role("button", name="Delete CARD-UI-2").click()
        await expect(dialog.get_by_role("heading")).to_have_text("Delete id tag CARD-UI-2?")
        await dialog.get_by_role("button", name="Cancel").click()
        await expect(dialog).to_be_hidden()
        await page.reload()
        await expect(row).to_contain_text("Accepted", timeout=SHOWN)
        assert posts == []


# The longest id OCPP allows (48 characters), on a charger that went offline.
LONG_ID = "CP-UI-4-CAR-PARK-LEVEL-2-BAY-17-NORTH-WALL-00001"
# Every page of the UI and what shows it has loaded.
PAGES = (
    ("fleet", "#/", '#fleet tr[data-charger-id="CP-UI-5"]'),
    ("charger", "#/chargers/CP-UI-5", "table.config"),
    ("offline charger", f"#/chargers/{LONG_ID}", "#connectors"),
    ("transactions", "#/transactions", "tr[data-transaction-id]"),
    ("transaction", "#/transactions/{tx}", "table.grid tbody tr"),
    ("idtags", "#/idtags", 'tr[data-id-tag="CARD-PHONE-0001"]'),
    ("registry", "#/registry", 'tr[data-node-id="node-ui"]'),
    ("audit", "#/audit", "#audit"),
)
# The phone screenshots kept in docs/screenshots (the others go to the temp dir).
PHONE_SHOTS = {"fleet": "fleet-phone.png", "charger": "charger-phone.png"}


async def test_every_page_fits_a_phone(system: System, browser: Browser) -> None:
    """At 390x844 no page is wider than the screen, every main link is on screen, and values get room."""
    async with connected(Charger16, charger_url(system.node, LONG_ID), LONG_ID) as gone:
        await gone.boot()
        await gone.status(1, "Available")
    async with connected(Charger16, charger_url(system.node, "CP-UI-5"), "CP-UI-5") as cp:
        await cp.boot()
        await cp.status(1, "Charging")
        await cp.status(2, "Faulted", error_code="GroundFailure")
        tx = await charge_for_an_hour(cp)
        problems: list[str] = []
        async with opened(browser, system.url, viewport=PHONE) as page:
            await page.evaluate(
                """() => fetch("/v1/idTags", {
                    method: "POST",
                    headers: {
                        "content-type": "application/json",
                        authorization: `Bearer ${sessionStorage.getItem("csms.apiToken")}`,
                    },
                    body: JSON.stringify({idTag: "CARD-PHONE-0001", maxActiveTransactions: 2}),
                })"""
            )
            for name, route, loaded in PAGES:
                await page.goto(system.url + route.format(tx=tx))
                if name == "charger":
                    await expect(page.locator("#session-energy")).to_contain_text("kWh")
                    await page.get_by_role("button", name="Read from charger").click()
                await expect(page.locator(loaded).first).to_be_visible(timeout=SHOWN)
                await page.evaluate("document.fonts.ready")
                width = await page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    problems.append(f"{name}: the page is {width} px wide")
                for link in (
                    await page.get_by_role("navigation", name="Main").get_by_role("link").all()
                ):
                    box = await link.bounding_box()
                    label = await link.inner_text()
                    if box is None or box["x"] < 0 or box["x"] + box["width"] > PHONE["width"]:
                        problems.append(f"{name}: the {label} link is off screen ({box})")
                    else:
                        await link.click(trial=True)  # visible, enabled, not covered
                for value in await page.locator("dl.facts dd").all():
                    box = await value.bounding_box()
                    if box is not None and box["width"] < PHONE["width"] / 3:
                        text = (await value.inner_text()).replace("\n", "")
                        problems.append(f"{name}: {text!r} squeezed to {box['width']:.0f} px")
                await page.mouse.move(PHONE["width"] - 1, PHONE["height"] - 1)  # no hover
                await page.evaluate("window.scrollTo(0, 0)")
                await page.screenshot(
                    path=str(SCRATCH / f"phone-{name.replace(' ', '-')}.png"), full_page=True
                )
                if shot := PHONE_SHOTS.get(name):
                    await page.screenshot(path=str(SCREENSHOTS / shot))
        assert not problems, "\n".join(problems)


# --- login and roles (issue 11) ----------------------------------------------------------------

#: Buttons that send a command or change something; a viewer sees none of them.
COMMAND_BUTTONS = (
    "Soft reset",
    "Hard reset",
    "Start",
    "Stop",
    "Unlock",
    "Operative",
    "Inoperative",
    "Trigger",
    "Clear cache",
    "Read from charger",
    "Change",
    "Set",
    "Get base report",
    "Retire",
    "Restore",
    "Approve",
    "Save",
)


async def test_a_viewer_sees_no_command_buttons(system: System, browser: Browser) -> None:
    """Logged in with a viewer token, the header names it, and no page offers a command or a change."""
    viewer = await system.token("ui-viewer", auth_pb2.ROLE_VIEWER)
    await system.id_tag("CARD-UI-V")
    async with connected(Charger16, charger_url(system.node, "CP-UI-V"), "CP-UI-V") as cp:
        await cp.boot()
        await cp.status(1, "Available")
        async with opened(browser, f"{system.url}#/chargers/CP-UI-V", token=viewer) as page:
            header = page.get_by_role("banner")
            await expect(header).to_contain_text("ui-viewer")
            await expect(header).to_contain_text("viewer")
            await expect(page.locator("#connectors")).to_contain_text("Available", timeout=SHOWN)
            await expect(page.locator("#h-config")).to_be_visible()
            main = page.get_by_role("main")
            for name in COMMAND_BUTTONS:
                await expect(main.get_by_role("button", name=name, exact=True)).to_have_count(0)
            await expect(page.locator("#h-commands")).to_have_count(0)
            await expect(page.locator("#admin")).to_have_count(0)
            await expect(header.get_by_role("link", name="Audit")).to_be_hidden()

            await page.goto(f"{system.url}#/idtags")
            await expect(page.locator('tr[data-id-tag="CARD-UI-V"]')).to_contain_text(
                "Accepted", timeout=SHOWN
            )
            for name in ("Create", "Edit CARD-UI-V", "Block CARD-UI-V", "Delete CARD-UI-V"):
                await expect(main.get_by_role("button", name=name)).to_have_count(0)

            await page.goto(system.url)
            await expect(page.locator('#fleet tr[data-charger-id="CP-UI-V"]')).to_contain_text(
                "Online", timeout=SHOWN
            )
            await expect(page.get_by_text("Add a charger")).to_have_count(0)

            await page.goto(f"{system.url}#/audit")
            await expect(main.get_by_role("alert")).to_contain_text("needs the role admin")


async def test_an_operator_resets_a_charger_and_an_admin_sees_it_audited(
    system: System, browser: Browser
) -> None:
    """An operator's Hard reset shows the charger's answer; the admin's Audit page lists it with its outcome."""
    operator = await system.token("ui-operator", auth_pb2.ROLE_OPERATOR)
    async with connected(Charger16, charger_url(system.node, "CP-UI-OP"), "CP-UI-OP") as cp:
        await cp.boot()
        await cp.status(1, "Available")
        async with opened(browser, f"{system.url}#/chargers/CP-UI-OP", token=operator) as page:
            await expect(page.get_by_role("banner")).to_contain_text("operator")
            await expect(page.locator("#connectors")).to_contain_text("Available", timeout=SHOWN)
            await expect(page.locator("#admin")).to_have_count(0)  # lifecycle is the admin's

            await page.get_by_role("button", name="Hard reset").click()
            await page.get_by_role("dialog").get_by_role("button", name="Hard reset").click()
            answer = page.get_by_role("form", name="Reset").locator("output")
            await expect(answer).to_have_text("Hard reset: Accepted", timeout=SHOWN)
            assert cp.resets == ["Hard"]

    async with opened(browser, f"{system.url}#/audit") as page:
        await page.get_by_label("Actor").fill("ui-operator")
        await page.get_by_role("button", name="Filter").click()
        row = page.locator("#audit tbody tr").filter(has_text="ChargerService/Reset")
        await expect(row).to_have_count(1, timeout=SHOWN)
        await expect(row).to_contain_text("CP-UI-OP")
        await expect(row).to_contain_text("operator")
        await expect(row).to_contain_text("OK")
        await page.screenshot(path=str(SCRATCH / "audit-page.png"), full_page=True)


async def test_a_refused_token_returns_to_the_login_with_the_reason(
    system: System, browser: Browser
) -> None:
    """A wrong token stays at the login saying it was refused; a token revoked mid-session sends the user back there."""
    async with opened(browser, system.url, token=None) as page:
        await page.get_by_label("API token").fill("not-a-token-at-all")
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_role("alert")).to_contain_text(
            "Your token was refused:", timeout=SHOWN
        )
        await expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
        await page.screenshot(path=str(SCRATCH / "login-refused.png"))
        assert await page.evaluate("sessionStorage.length") == 0

        operator = await system.token("ui-revoked", auth_pb2.ROLE_OPERATOR)
        await login(page, operator)
        await page.reload()  # remembered for the browser session
        await expect(page.get_by_role("button", name="Log out")).to_be_visible(timeout=SHOWN)
        await expect(page.get_by_role("banner")).to_contain_text("ui-revoked")

        await system.revoke("ui-revoked")
        await page.goto(f"{system.url}#/idtags")
        await expect(page.get_by_role("alert")).to_contain_text(
            "Your token was refused:", timeout=SHOWN
        )
        await expect(page.get_by_label("API token")).to_be_visible()
        assert await page.evaluate("sessionStorage.length") == 0

        await login(page, ADMIN_TOKEN)
        await expect(page.get_by_role("heading", name="Id tags")).to_be_visible(timeout=SHOWN)
        await page.get_by_role("button", name="Log out").click()
        await expect(page.get_by_label("API token")).to_be_visible()
        await expect(page.get_by_role("status").filter(has_text="logged out")).to_be_visible()


async def test_id_tags_are_edited_and_unblocked(system: System, browser: Browser) -> None:
    """An operator edits a tag's limit and parent, blocks it and unblocks it; each change shows at once."""
    await system.id_tag("CARD-UI-P")
    await system.id_tag("CARD-UI-E")
    operator = await system.token("ui-tags", auth_pb2.ROLE_OPERATOR)
    async with opened(browser, f"{system.url}#/idtags", token=operator) as page:
        row = page.locator('tr[data-id-tag="CARD-UI-E"]')
        await expect(row).to_contain_text("Accepted", timeout=SHOWN)
        await page.get_by_role("button", name="Edit CARD-UI-E").click()
        editor = page.get_by_role("form", name="Edit CARD-UI-E")
        await editor.get_by_label("Max. concurrent").fill("3")
        await editor.get_by_label("Parent").fill("CARD-UI-P")
        await editor.get_by_role("button", name="Save").click()
        await expect(row).to_contain_text("CARD-UI-P", timeout=SHOWN)
        await expect(row.locator("td.num")).to_have_text("3")

        await page.get_by_role("button", name="Block CARD-UI-E").click()
        await page.get_by_role("dialog").get_by_role("button", name="Block").click()
        await expect(row).to_contain_text("Blocked", timeout=SHOWN)
        await page.get_by_role("button", name="Unblock CARD-UI-E").click()
        await expect(row).to_contain_text("Accepted", timeout=SHOWN)
        await expect(row).to_contain_text("CARD-UI-P")  # the other fields are kept
        await expect(row.locator("td.num")).to_have_text("3")


async def test_an_admin_adds_retires_and_restores_a_charger(
    system: System, browser: Browser
) -> None:
    """An admin adds a charger with a security profile and password, then retires and restores it from its page."""
    async with opened(browser, system.url) as page:
        await page.get_by_text("Add a charger").click()
        form = page.get_by_role("form", name="Add a charger")
        await form.get_by_label("Charger id").fill("CP-UI-NEW")
        await form.get_by_label("Security profile").select_option("1")
        await form.get_by_label("Password").fill("correct-horse-battery-1")
        await form.get_by_label("Description").fill("Car park, bay 4")
        await form.get_by_role("button", name="Add charger").click()
        row = page.locator('#fleet tr[data-charger-id="CP-UI-NEW"]')
        await expect(row).to_contain_text("Profile 1", timeout=SHOWN)

        await page.goto(f"{system.url}#/chargers/CP-UI-NEW")
        identity = page.locator("#h-identity").locator("..")
        await expect(identity).to_contain_text("Car park, bay 4", timeout=SHOWN)
        await expect(identity).to_contain_text("password set")
        admin = page.locator("#admin")
        await admin.get_by_role("button", name="Retire").click()
        await expect(page.get_by_role("dialog").get_by_role("heading")).to_have_text(
            "Retire charger CP-UI-NEW?"
        )
        await page.get_by_role("dialog").get_by_role("button", name="Retire").click()
        await expect(identity).to_contain_text("Retired", timeout=SHOWN)

        await page.goto(system.url)  # retired chargers are listed only when asked for
        await expect(page.locator("#fleet tbody")).not_to_contain_text("Loading", timeout=SHOWN)
        await expect(page.locator('#fleet tr[data-charger-id="CP-UI-NEW"]')).to_have_count(0)
        await page.get_by_label("Chargers", exact=True).select_option("retired")
        row = page.locator('#fleet tr[data-charger-id="CP-UI-NEW"]')
        await expect(row).to_contain_text("retired", timeout=SHOWN)
        await row.get_by_role("link", name="CP-UI-NEW").click()

        await admin.get_by_role("button", name="Restore").click()
        await expect(admin.get_by_role("button", name="Retire")).to_be_visible(timeout=SHOWN)
        await expect(identity).not_to_contain_text("Retired")


async def test_an_admin_approves_a_pending_charger(system: System, browser: Browser) -> None:
    """A Pending charger is marked in the fleet; its page's Approve button makes it Accepted."""
    await system.charger("CP-UI-PEND", chargers_pb2.REGISTRATION_STATUS_PENDING)
    async with opened(browser, system.url) as page:
        row = page.locator('#fleet tr[data-charger-id="CP-UI-PEND"]')
        await expect(row).to_contain_text("pending", timeout=SHOWN)
        await row.get_by_role("link", name="CP-UI-PEND").click()
        identity = page.locator("#h-identity").locator("..")
        await expect(identity).to_contain_text("Pending", timeout=SHOWN)
        await page.locator("#admin").get_by_role("button", name="Approve").click()
        await expect(identity).to_contain_text("Accepted", timeout=SHOWN)
        await expect(page.locator("#admin").get_by_role("button", name="Approve")).to_have_count(0)


async def test_a_refusal_for_the_role_shows_the_servers_reason(
    system: System, browser: Browser
) -> None:
    """An operator changing a security key gets the server's 403 in words, naming the role needed; nothing is sent to the charger."""
    operator = await system.token("ui-op-403", auth_pb2.ROLE_OPERATOR)
    async with connected(Station16, charger_url(system.node, "CP-UI-403"), "CP-UI-403") as cp:
        await cp.boot()
        async with opened(browser, f"{system.url}#/chargers/CP-UI-403", token=operator) as page:
            change = page.get_by_role("form", name="Change any key")
            await change.get_by_label("Key").fill("AuthorizationKey")
            await change.get_by_label("Value").fill("0123456789abcdef0123")
            await change.get_by_role("button", name="Change").click()
            answer = page.locator("#h-config").locator("..").locator("output").first
            await expect(answer).to_contain_text("Permission denied", timeout=SHOWN)
            await expect(answer).to_contain_text("needs role admin")
            await expect(answer).to_contain_text("HTTP 403")
            await expect(page.get_by_role("button", name="Log out")).to_be_visible()  # still in
        assert cp.received == []


async def test_the_tasks_panel_lists_commands_and_cancels_a_queued_one(
    system: System, browser: Browser
) -> None:
    """The charger page's Tasks panel shows each command with its state and answer; an
    operator cancels a queued one there."""
    url = charger_url(system.node, "CP-UI-TASKS")
    async with connected(Charger16, url, "CP-UI-TASKS") as cp:
        await cp.boot()
        async with api_channel(f"127.0.0.1:{system.manager_port}") as channel:
            api = chargers_pb2_grpc.ChargerServiceStub(channel)
            await api.Reset(
                chargers_pb2.ResetRequest(
                    charger_id="CP-UI-TASKS", kind=chargers_pb2.RESET_KIND_HARD
                )
            )
    deliver_by = Timestamp()
    deliver_by.FromDatetime(datetime.now(UTC) + timedelta(hours=1))
    async with api_channel(f"127.0.0.1:{system.manager_port}") as channel:
        queued = await chargers_pb2_grpc.ChargerServiceStub(channel).ClearCache(
            chargers_pb2.ClearCacheRequest(
                charger_id="CP-UI-TASKS",
                task_options=common_pb2.TaskOptions(deliver_by=deliver_by),
            )
        )
    async with opened(browser, f"{system.url}#/chargers/CP-UI-TASKS") as page:
        panel = page.locator("#tasks")
        reset = panel.locator("tbody tr").filter(has_text="Reset")
        await expect(reset).to_contain_text("answered", timeout=SHOWN)
        await expect(reset).to_contain_text('{"status":"Accepted"}')
        row = panel.locator(f'tr[data-task-id="{queued.task.task_id}"]')
        await expect(row).to_contain_text("queued")
        await row.get_by_role("button", name="Cancel").click()
        await expect(row).to_contain_text("aborted", timeout=SHOWN)
        await expect(row.get_by_role("button", name="Cancel")).to_have_count(0)
