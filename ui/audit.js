// Audit log (role admin): who did what, when, to which charger, and the outcome; newest
// first, filtered, a page at a time (GET /v1/audit).

import { api, describe, paths } from "./api.js";
import { field, fill, h, labelCells, notice, table, when } from "./dom.js";

const ROLES = { ROLE_VIEWER: "viewer", ROLE_OPERATOR: "operator", ROLE_ADMIN: "admin" };
const PAGE_SIZE = 100;

function outcomeBadge(outcome) {
  const ok = outcome === "OK";
  return h("span", { class: `badge tone-${ok ? "ok" : "bad"}` },
    h("span", { class: "glyph", "aria-hidden": "true" }, ok ? "✓" : "✕"), outcome || "—");
}

function entryRow(entry) {
  return h(
    "tr",
    { dataset: { auditId: entry.id } },
    h("td", { class: "ts" }, when(entry.at)),
    h("th", { scope: "row" }, entry.actor || "—"),
    h("td", {}, ROLES[entry.role] ?? "—"),
    h("td", { class: "mono" }, entry.action),
    h("td", {}, entry.chargerId ? h("a", { href: `#/chargers/${encodeURIComponent(entry.chargerId)}` }, entry.chargerId) : "—",
      entry.target ? h("span", { class: "muted" }, ` ${entry.target}`) : null),
    h("td", {}, outcomeBadge(entry.outcome)),
    h("td", { class: "detail" }, entry.detail || "—", entry.source ? h("small", { class: "muted source" }, ` from ${entry.source}`) : null),
  );
}

/** A datetime-local input's value as RFC 3339 (it is local time), "" when empty. */
function instant(input) {
  return input.value ? new Date(input.value).toISOString() : "";
}

export async function renderAudit(root, _params, ctx) {
  ctx.title("Audit log");
  const actor = h("input", { type: "text", name: "actor", autocomplete: "off", placeholder: "any", maxlength: 80 });
  const action = h("input", { type: "text", name: "action", autocomplete: "off", placeholder: "ChargerService/Reset", maxlength: 80 });
  const charger = h("input", { type: "text", name: "chargerId", autocomplete: "off", placeholder: "any", maxlength: 48 });
  const outcome = h("input", { type: "text", name: "outcome", autocomplete: "off", placeholder: "OK, PERMISSION_DENIED…", maxlength: 32, list: "audit-outcomes" });
  const since = h("input", { type: "datetime-local", name: "since" });
  const until = h("input", { type: "datetime-local", name: "until" });
  const outcomes = h("datalist", { id: "audit-outcomes" },
    ["OK", "UNAUTHENTICATED", "PERMISSION_DENIED", "INVALID_ARGUMENT", "NOT_FOUND", "FAILED_PRECONDITION", "UNAVAILABLE", "DEADLINE_EXCEEDED"]
      .map((value) => h("option", { value })));
  const tbody = h("tbody");
  const message = h("div");
  const summary = h("p", { class: "summary muted", "aria-live": "polite" });
  const more = h("button", { type: "button", hidden: true }, "Load more");
  let nextPageToken = "";
  let shown = 0;

  const tableEl = table("Audit log", ["Time (UTC)", "Actor", "Role", "Action", "Charger / target", "Outcome", "Detail"], [], { class: "grid audit cards", id: "audit" });
  tableEl.replaceChild(tbody, tableEl.querySelector("tbody"));

  async function load(append = false) {
    const query = {
      actor: actor.value.trim(),
      action: action.value.trim(),
      chargerId: charger.value.trim(),
      outcome: outcome.value.trim(),
      since: instant(since),
      until: instant(until),
      pageSize: PAGE_SIZE,
    };
    if (append) query.pageToken = nextPageToken;
    more.disabled = true;
    try {
      const answer = await api("GET", paths.audit(), query);
      const entries = answer.entries ?? [];
      shown = append ? shown + entries.length : entries.length;
      const rows = entries.map(entryRow);
      if (append) tbody.append(...rows);
      else fill(tbody, rows.length ? rows : h("tr", {}, h("td", { colspan: 7, class: "muted empty" }, "No entries match.")));
      labelCells(tableEl);
      nextPageToken = answer.nextPageToken ?? "";
      more.hidden = !nextPageToken;
      summary.textContent = `${shown} entr${shown === 1 ? "y" : "ies"}${nextPageToken ? ", more on request" : ""}, newest first`;
      fill(message);
    } catch (error) {
      fill(message, notice("error", `Could not read the audit log. ${describe(error)}`));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", () => load(true));

  fill(
    root,
    h("div", { class: "page-head" }, h("h1", {}, "Audit log"), summary),
    h("form", { class: "filters", role: "search", "aria-label": "Filter the audit log", onsubmit: (e) => { e.preventDefault(); load(); } },
      field("Actor", actor), field("Action", action), field("Charger", charger), field("Outcome", outcome), outcomes,
      field("Since (local time)", since), field("Until (local time)", until),
      h("button", { type: "submit" }, "Filter")),
    message,
    h("div", { class: "table-wrap" }, tableEl),
    more,
  );
  await load();
  return null;
}
