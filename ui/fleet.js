// Fleet overview: every charger with its connection, protocol, node, connector states and
// last contact; counts by state; search and filters; kept current by the event stream.

import { api, describe, listAll, paths } from "./api.js";
import {
  OFFLINE,
  ago,
  connectionBadge,
  connectorBadge,
  connectorLabel,
  field,
  fill,
  h,
  labelCells,
  notice,
  ocppVersion,
  select,
  shownStatus,
  toneOf,
} from "./dom.js";
import { addChargerForm, lifecycleBadges } from "./lifecycle.js";
import { can } from "./session.js";

const STATUS_ORDER = ["Available", "Preparing", "Charging", "Occupied", "SuspendedEV", "SuspendedEVSE", "Finishing", "Reserved", "Unavailable", "Faulted", OFFLINE];

/** Apply one watch event to a charger record (mutates it); true when it changed. */
export function applyEvent(charger, event) {
  const at = event.at || new Date().toISOString();
  switch (event.kind) {
    case "EVENT_KIND_CONNECTED":
      charger.connected = true;
      charger.nodeId = event.nodeId || charger.nodeId;
      if (event.ocppVersion && event.ocppVersion !== "OCPP_VERSION_UNSPECIFIED") charger.ocppVersion = event.ocppVersion;
      break;
    case "EVENT_KIND_DISCONNECTED":
      charger.connected = false;
      charger.nodeId = "";
      return true;
    case "EVENT_KIND_STATUS_CHANGED":
    case "EVENT_KIND_ERROR": {
      if (!event.status && event.kind === "EVENT_KIND_ERROR") break;
      const connectors = (charger.connectors ??= []);
      const evseId = event.evseId ?? 0;
      const connectorId = event.connectorId ?? 0;
      let target = connectors.find((c) => (c.evseId ?? 0) === evseId && (c.connectorId ?? 0) === connectorId);
      const sameEvse = connectors.filter((c) => (c.evseId ?? 0) === evseId);
      if (!target && sameEvse.length === 1) target = sameEvse[0];
      if (!target) {
        target = { evseId, connectorId };
        connectors.push(target);
        connectors.sort((a, b) => (a.evseId ?? 0) - (b.evseId ?? 0) || (a.connectorId ?? 0) - (b.connectorId ?? 0));
      }
      if (target.updatedAt && target.updatedAt > at) break; // older than what we show
      if (event.status) target.status = event.status;
      target.errorCode = event.errorCode || target.errorCode;
      target.updatedAt = at;
      break;
    }
    default:
      break;
  }
  if (!charger.lastSeenAt || charger.lastSeenAt < at) charger.lastSeenAt = at;
  return true;
}

/**
 * Merge a charger read from the API with what events told us since: a connector whose
 * event is newer than the stored row keeps the event's status (the store writes behind).
 */
function merge(fresh, known) {
  if (!known) return fresh;
  for (const connector of fresh.connectors ?? []) {
    const seen = (known.connectors ?? []).find((c) => c.evseId === connector.evseId && c.connectorId === connector.connectorId);
    if (seen?.updatedAt && (!connector.updatedAt || seen.updatedAt > connector.updatedAt)) {
      Object.assign(connector, { status: seen.status, errorCode: seen.errorCode, updatedAt: seen.updatedAt });
    }
  }
  if (known.lastSeenAt && (!fresh.lastSeenAt || known.lastSeenAt > fresh.lastSeenAt)) fresh.lastSeenAt = known.lastSeenAt;
  return fresh;
}

function matches(charger, filters) {
  if (filters.connection === "online" && !charger.connected) return false;
  if (filters.connection === "offline" && charger.connected) return false;
  if (filters.status && !(charger.connectors ?? []).some((c) => shownStatus(charger, c) === filters.status)) return false;
  if (filters.text) {
    const hay = [charger.chargerId, charger.vendor, charger.model, charger.nodeId, charger.locationId, charger.serialNumber, charger.description, charger.retiredAt ? "retired" : "", charger.registrationStatus === "REGISTRATION_STATUS_PENDING" ? "pending" : ""]
      .join(" ")
      .toLowerCase();
    if (!filters.text.split(/\s+/).every((word) => hay.includes(word))) return false;
  }
  return true;
}

function row(charger, flash = false) {
  const connectors = (charger.connectors ?? []).filter((c) => (c.evseId ?? 0) !== 0 || (charger.connectors ?? []).length === 1);
  const href = `#/chargers/${encodeURIComponent(charger.chargerId)}`;
  return h(
    "tr",
    { dataset: { chargerId: charger.chargerId }, class: [charger.connected ? "" : "row-offline", flash ? "flash" : ""].join(" ").trim() || null },
    h("th", { scope: "row" }, h("a", { href }, charger.chargerId), lifecycleBadges(charger).map((b) => [" ", b])),
    h("td", {}, connectionBadge(charger.connected)),
    h("td", {}, ocppVersion(charger.ocppVersion)),
    h("td", {}, charger.nodeId || h("span", { class: "muted" }, "—")),
    h(
      "td",
      {},
      h("div", { class: "connectors" }, connectors.length
        ? connectors.map((c) => {
            // An offline charger's error code is as stale as its status: neither is shown.
            const error = charger.connected && c.errorCode && c.errorCode !== "NoError" ? c.errorCode : "";
            return h("span", { class: "connector", title: error ? `error ${error}` : null },
              connectorBadge(charger, c, connectorLabel(c, charger.ocppVersion)),
              error ? [" ", h("span", { class: "errcode" }, error)] : null);
          })
        : h("span", { class: "muted" }, "no status yet")),
    ),
    h("td", {}, [charger.vendor, charger.model].filter(Boolean).join(" / ") || h("span", { class: "muted" }, "—")),
    h("td", { title: charger.hasPassword ? "a password is set" : null }, `Profile ${charger.securityProfile ?? 0}`),
    h("td", {}, ago(charger.lastSeenAt)),
  );
}

function counts(chargers, filters, onPick) {
  const online = chargers.filter((c) => c.connected).length;
  const byStatus = new Map();
  for (const charger of chargers) {
    for (const c of charger.connectors ?? []) {
      if ((c.evseId ?? 0) === 0 && (charger.connectors ?? []).length > 1) continue;
      const status = shownStatus(charger, c) || "unknown";
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    }
  }
  const chip = (label, value, tone, pick, pressed) =>
    h("button", { type: "button", class: `chip tone-${tone}`, "aria-pressed": pressed ? "true" : "false", onclick: pick },
      h("strong", {}, String(value)), ` ${label}`);
  const statuses = [...byStatus.keys()].sort((a, b) => {
    const ia = STATUS_ORDER.indexOf(a);
    const ib = STATUS_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  return [
    chip("chargers", chargers.length, "info", () => onPick({ connection: "", status: "" }), !filters.connection && !filters.status),
    chip("online", online, "ok", () => onPick({ connection: "online" }), filters.connection === "online"),
    chip("offline", chargers.length - online, "off", () => onPick({ connection: "offline" }), filters.connection === "offline"),
    h("span", { class: "chip-sep", "aria-hidden": "true" }),
    statuses.map((status) =>
      chip(`connectors ${status}`, byStatus.get(status), toneOf(status), () => onPick({ status: filters.status === status ? "" : status }), filters.status === status),
    ),
  ];
}

export async function renderFleet(root, _params, ctx) {
  ctx.title("Fleet");
  const chargers = new Map();
  const filters = { text: "", connection: "", status: "" };
  let loaded = false;
  let queued = []; // events that arrived while the list was being read
  let loading = false;
  let frame = 0;
  const refetching = new Map();
  const flashed = new Set(); // chargers changed by an event since the last draw

  const search = h("input", { type: "search", name: "q", placeholder: "id, vendor, model, node…", autocomplete: "off" });
  const connection = select("connection", [["", "any"], ["online", "online"], ["offline", "offline"]]);
  // Retired chargers are listed only when asked for (ListChargers retired=true).
  const lifecycle = select("lifecycle", [["active", "in service"], ["retired", "retired"]]);
  const statusFilter = select("status", [["", "any"], ...STATUS_ORDER.map((s) => [s, s])]);
  const countsBox = h("div", { class: "chips", role: "group", "aria-label": "Counts by state (click to filter)" });
  const summary = h("p", { class: "summary muted", "aria-live": "polite" });
  const message = h("div");
  const tbody = h("tbody");
  const listTable = h(
    "table",
    { class: "grid fleet cards", id: "fleet" },
    h("caption", { class: "sr-only" }, "Chargers"),
    h("thead", {}, h("tr", {}, ["Charger", "Connection", "OCPP", "Node", "Connectors", "Vendor / model", "Security", "Last seen"].map((n) => h("th", { scope: "col" }, n)))),
    tbody,
  );

  const draw = () => {
    frame = 0;
    const all = [...chargers.values()].sort((a, b) => a.chargerId.localeCompare(b.chargerId));
    const shown = all.filter((c) => matches(c, filters));
    fill(countsBox, counts(all, filters, pick));
    fill(tbody, shown.length ? shown.map((c) => row(c, flashed.has(c.chargerId))) : h("tr", {}, h("td", { colspan: 8, class: "muted empty" }, loaded ? (all.length ? "No charger matches the filters." : lifecycle.value === "retired" ? "No retired chargers." : "No chargers yet: point a charger at ws://HOST:9000/ocpp/<id>.") : "Loading…")));
    labelCells(listTable);
    flashed.clear();
    summary.textContent = loaded ? `Showing ${shown.length} of ${all.length} chargers` : "";
  };
  const redraw = () => {
    if (!frame) frame = requestAnimationFrame(draw);
  };
  function pick(change) {
    Object.assign(filters, change);
    connection.value = filters.connection;
    statusFilter.value = filters.status;
    redraw();
  }
  search.addEventListener("input", () => {
    filters.text = search.value.trim().toLowerCase();
    redraw();
  });
  connection.addEventListener("change", () => pick({ connection: connection.value }));
  lifecycle.addEventListener("change", () => {
    chargers.clear();
    loaded = false;
    redraw();
    load();
  });
  statusFilter.addEventListener("change", () => pick({ status: statusFilter.value }));

  async function load() {
    loading = true;
    queued = [];
    try {
      const list = await listAll(paths.chargers(), "chargers", { pageSize: 1000, retired: lifecycle.value === "retired" ? "true" : "" });
      const known = new Map(chargers);
      chargers.clear();
      for (const c of list) chargers.set(c.chargerId, merge(c, known.get(c.chargerId)));
      for (const event of queued) apply(event);
      fill(message);
      loaded = true;
    } catch (error) {
      fill(message, notice("error", `Could not read the chargers. ${describe(error)}`), h("button", { type: "button", onclick: load }, "Try again"));
    } finally {
      loading = false;
      queued = [];
      redraw();
    }
  }

  function refetch(chargerId) {
    clearTimeout(refetching.get(chargerId));
    refetching.set(chargerId, setTimeout(async () => {
      refetching.delete(chargerId);
      try {
        const fresh = await api("GET", paths.charger(chargerId));
        chargers.set(chargerId, merge(fresh, chargers.get(chargerId)));
        redraw();
      } catch (error) {
        fill(message, notice("error", `Could not read charger ${chargerId}. ${describe(error)}`));
      }
    }, 300));
  }

  function apply(event) {
    const id = event.chargerId;
    if (!id) return;
    let charger = chargers.get(id);
    if (!charger && lifecycle.value === "retired") return; // the list shows retired ones only
    if (!charger) {
      charger = { chargerId: id, connectors: [], connected: false };
      chargers.set(id, charger);
      refetch(id); // a charger we have not seen: read all of it
    }
    applyEvent(charger, event);
    flashed.add(id);
    if (event.kind === "EVENT_KIND_BOOTED" || event.kind === "EVENT_KIND_CONNECTED") refetch(id);
    redraw();
  }

  const unsubscribe = ctx.live.subscribe({
    event: (event) => (loading ? queued.push(event) : apply(event)),
    resync: load,
  });

  const adding = can("admin")
    ? h("details", { class: "panel add-charger" },
        h("summary", {}, "Add a charger"),
        addChargerForm((created) => {
          chargers.set(created.chargerId, created);
          redraw();
        }))
    : null;

  fill(
    root,
    h("div", { class: "page-head" }, h("h1", {}, "Fleet"), summary),
    adding,
    countsBox,
    h(
      "form",
      { class: "filters", role: "search", onsubmit: (e) => e.preventDefault() },
      field("Search", search),
      field("Connection", connection),
      field("Connector status", statusFilter),
      field("Chargers", lifecycle),
    ),
    message,
    h("div", { class: "table-wrap" }, listTable),
  );
  draw();
  await load();
  return () => {
    unsubscribe();
    cancelAnimationFrame(frame);
    for (const timer of refetching.values()) clearTimeout(timer);
  };
}
