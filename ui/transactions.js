// Transactions: the list (filters, pages) and one transaction with its meter values.

import { api, describe, listAll, paths } from "./api.js";
import { lineChart, sessionSeries } from "./chart.js";
import { energy, facts, field, fill, h, labelCells, notice, select, table, when } from "./dom.js";

function txRow(tx) {
  return h(
    "tr",
    { dataset: { transactionId: tx.transactionId } },
    h("th", { scope: "row" }, h("a", { href: `#/transactions/${tx.transactionId}` }, `#${tx.transactionId}`)),
    h("td", {}, h("a", { href: `#/chargers/${encodeURIComponent(tx.chargerId)}` }, tx.chargerId)),
    h("td", {}, String(tx.connectorId ?? "—")),
    h("td", {}, tx.idTag || "—"),
    h("td", {}, when(tx.startedAt)),
    h("td", {}, tx.active ? h("span", { class: "badge tone-busy" }, h("span", { class: "glyph", "aria-hidden": "true" }, "⚡"), "active") : when(tx.stoppedAt)),
    h("td", { class: "num" }, energy(tx.energyWh)),
    h("td", {}, tx.stopReason || (tx.active ? "" : "—")),
  );
}

export async function renderTransactions(root, _params, ctx) {
  ctx.title("Transactions");
  const charger = h("input", { type: "text", name: "chargerId", autocomplete: "off", placeholder: "any" });
  const idTag = h("input", { type: "text", name: "idTag", autocomplete: "off", placeholder: "any" });
  const state = select("active", [["", "any"], ["true", "active"], ["false", "ended"]]);
  const tbody = h("tbody");
  const message = h("div");
  const more = h("button", { type: "button", hidden: true }, "Load more");
  let nextPageToken = "";

  async function load(append = false) {
    const query = { chargerId: charger.value.trim(), idTag: idTag.value.trim(), active: state.value, pageSize: 100 };
    if (append) query.pageToken = nextPageToken;
    more.disabled = true;
    try {
      const answer = await api("GET", paths.transactions(), query);
      const rows = (answer.transactions ?? []).map(txRow);
      if (append) tbody.append(...rows);
      else fill(tbody, rows.length ? rows : h("tr", {}, h("td", { colspan: 8, class: "muted empty" }, "No transactions match.")));
      labelCells(tbody.closest("table"));
      nextPageToken = answer.nextPageToken ?? "";
      more.hidden = !nextPageToken;
      fill(message);
    } catch (error) {
      fill(message, notice("error", `Could not read the transactions. ${describe(error)}`));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", () => load(true));

  fill(
    root,
    h("div", { class: "page-head" }, h("h1", {}, "Transactions")),
    h("form", { class: "filters", role: "search", onsubmit: (e) => { e.preventDefault(); load(); } },
      field("Charger", charger), field("Id tag", idTag), field("State", state),
      h("button", { type: "submit" }, "Filter")),
    message,
    h("div", { class: "table-wrap" },
      table("Transactions, newest first", ["Transaction", "Charger", "Connector", "Id tag", "Started", "Stopped", "Energy", "Stop reason"], [], { class: "grid cards" })),
    more,
  );
  root.querySelector("table").replaceChild(tbody, root.querySelector("tbody"));
  state.addEventListener("change", () => load());

  let timer = 0;
  const unsubscribe = ctx.live.subscribe({
    event: (event) => {
      if (!event.kind.startsWith("EVENT_KIND_TRANSACTION_")) return;
      clearTimeout(timer);
      timer = setTimeout(() => load(), 1000); // refresh the first page, at most once a second
    },
    resync: () => load(),
  });
  await load();
  return () => {
    unsubscribe();
    clearTimeout(timer);
  };
}

export async function renderTransaction(root, [id], ctx) {
  ctx.title(`Transaction ${id}`);
  const body = h("div");
  fill(root,
    h("div", { class: "page-head" }, h("p", { class: "crumbs" }, h("a", { href: "#/transactions" }, "Transactions"), " / "), h("h1", {}, `Transaction #${id}`)),
    body);

  async function load() {
    try {
      const [tx, values] = await Promise.all([
        api("GET", paths.transaction(id)),
        listAll(paths.meterValues(id), "meterValues", { pageSize: 5000 }, 4),
      ]);
      const series = sessionSeries(values, tx.meterStartWh, tx.startedAt);
      fill(
        body,
        h("section", { class: "panel" },
          h("h2", {}, tx.active ? "Active" : "Ended"),
          facts([
            ["Charger", h("a", { href: `#/chargers/${encodeURIComponent(tx.chargerId)}` }, tx.chargerId)],
            ["Connector", String(tx.connectorId ?? "—")],
            ["Id tag", `${tx.idTag || "—"}${tx.idTagStatus ? ` (${tx.idTagStatus})` : ""}`],
            ["Stopped by", tx.stopIdTag || "—"],
            ["Energy", h("strong", {}, energy(tx.energyWh))],
            ["Meter start", `${tx.meterStartWh ?? "—"} Wh`],
            ["Meter stop", tx.meterStopWh !== undefined && tx.meterStopWh !== null ? `${tx.meterStopWh} Wh` : "—"],
            ["Started", when(tx.startedAt)],
            ["Stopped", when(tx.stoppedAt)],
            ["Stop reason", tx.stopReason || "—"],
            ["Reservation", tx.reservationId ? String(tx.reservationId) : "—"],
          ], { class: "facts facts-row" }),
          h("div", { class: "charts" },
            h("figure", {}, lineChart({ label: "Energy", unit: "kWh", points: series.energy }), h("figcaption", {}, "Energy delivered (kWh)")),
            series.power.length ? h("figure", {}, lineChart({ label: "Power", unit: "kW", points: series.power, tone: "power" }), h("figcaption", {}, "Power (kW)")) : null)),
        h("section", { class: "panel" },
          h("h2", {}, `Meter values (${values.length})`),
          values.length
            ? h("div", { class: "table-wrap tall" }, table("Meter values, oldest first", ["Time", "Measurand", "Value", "Unit", "Phase", "Context", "Location", "Connector"],
                values.map((mv) => h("tr", {},
                  h("td", {}, when(mv.timestamp)),
                  h("td", {}, mv.measurand || "Energy.Active.Import.Register"),
                  h("td", { class: "num mono" }, mv.format === "SignedData" ? "(signed data)" : mv.value),
                  h("td", {}, mv.unit || "Wh"),
                  h("td", {}, mv.phase || ""),
                  h("td", {}, mv.context || ""),
                  h("td", {}, mv.location || ""),
                  h("td", {}, String(mv.connectorId ?? "")))),
                { class: "grid" }))
            : h("p", { class: "muted" }, "No meter values were reported.")),
      );
    } catch (error) {
      fill(body, notice("error", `Could not read transaction ${id}. ${describe(error)}`));
    }
  }

  let timer = 0;
  const unsubscribe = ctx.live.subscribe({
    event: (event) => {
      if (String(event.transactionId) !== String(id)) return;
      clearTimeout(timer);
      timer = setTimeout(load, 500);
    },
    resync: load,
  });
  await load();
  return () => {
    unsubscribe();
    clearTimeout(timer);
  };
}
