// The charger page's Messages tab: the charger's timeline from the frame journal, each
// OCPP call with the frame that answered it, its outcome and latency; the frames
// pretty-printed on expand; filters; older pages; and live updates.
// GET /v1/chargers/{id}/messages, GET /v1/chargers/{id}/messages:export.
//
// Live updates poll with the answer's afterToken every POLL_MS while the tab is open,
// rather than a stream: the nodes write the journal straight to its database (in
// batches), so no manager sees every frame to push, and a read after a token is one
// indexed range read that works on every journal backend and behind several managers.

import { ApiError, describe, api, paths, token } from "./api.js";
import { field, fill, h, notice, select, table } from "./dom.js";
import { can } from "./session.js";

const PAGE_SIZE = 50;
const POLL_MS = 2000;
// Rows kept on screen while live updates add more: the oldest go beyond it (Apply reloads).
const MAX_ROWS = 1000;
const ARROWS = {
  MESSAGE_DIRECTION_CHARGER_TO_CSMS: ["→", "charger → CSMS"],
  MESSAGE_DIRECTION_CSMS_TO_CHARGER: ["←", "CSMS → charger"],
};
const OUTCOMES = {
  MESSAGE_OUTCOME_RESULT: ["result", "ok"],
  MESSAGE_OUTCOME_ERROR: ["error", "bad"],
  MESSAGE_OUTCOME_NO_ANSWER: ["no answer", "warn"],
  MESSAGE_OUTCOME_MALFORMED: ["malformed", "bad"],
  MESSAGE_OUTCOME_UNSOLICITED: ["unsolicited", "warn"],
};

/** The tab bar of the charger page: Overview | Messages. */
export function chargerTabs(chargerId, current) {
  const enc = encodeURIComponent(chargerId);
  const tab = (name, href) => h("a", { href, class: "tab", "aria-current": current === name ? "page" : false }, name);
  return h("nav", { class: "tabs", "aria-label": "Charger views" },
    tab("Overview", `#/chargers/${enc}`),
    tab("Messages", `#/chargers/${enc}/messages`));
}

/** A frame as indented JSON (as sent when it is not JSON, e.g. a malformed one). */
export function pretty(frame) {
  if (!frame) return "—";
  try {
    return JSON.stringify(JSON.parse(frame), null, 2);
  } catch {
    return frame;
  }
}

/** The CALL's time to the millisecond, UTC. */
function at(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso ?? "—" : d.toISOString().replace("T", " ").replace("Z", "");
}

function row(message) {
  const [arrow, who] = ARROWS[message.direction] ?? ["?", "unknown"];
  const [outcome, tone] = OUTCOMES[message.outcome] ?? ["?", "info"];
  const latency = typeof message.latencyMs === "number" ? `${message.latencyMs.toFixed(1)} ms` : "—";
  return h("tr", { dataset: { messageId: message.messageId, outcome: outcome } },
    h("td", { class: "ts mono" }, at(message.at)),
    h("td", { class: "arrow", title: who }, h("span", { "aria-hidden": "true" }, arrow), h("span", { class: "sr-only" }, who)),
    h("th", { scope: "row", class: "mono" }, message.action || "—"),
    h("td", {}, h("span", { class: `badge tone-${tone}` }, outcome), message.errorCode ? h("span", { class: "mono detail" }, ` ${message.errorCode}`) : null),
    h("td", { class: "latency" }, latency),
    h("td", {}, h("details", { class: "frames" },
      h("summary", {}, message.messageId ? `Frames (${message.messageId})` : "Frames"),
      h("p", { class: "hint" }, who === "charger → CSMS" ? "Call from the charger" : "Call from the CSMS"),
      h("pre", { class: "mono frame frame-call" }, pretty(message.callFrame)),
      h("p", { class: "hint" }, message.answerFrame ? `Answer, ${at(message.answeredAt)}` : "No answer"),
      message.answerFrame ? h("pre", { class: "mono frame frame-answer" }, pretty(message.answerFrame)) : null)));
}

/** Download the export (it needs the bearer token, so no plain link): a JSON Lines file. */
async function download(chargerId, query, output) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v) params.append(key, v);
  }
  const qs = params.toString();
  const url = `${paths.chargerMessagesExport(chargerId)}${qs ? `?${qs}` : ""}`;
  fill(output, "Exporting…");
  try {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token()}` } });
    if (!response.ok) {
      let message = `HTTP ${response.status}`;
      try {
        message = (await response.json()).message ?? message;
      } catch {
        // not JSON: keep the status
      }
      throw new ApiError(`Export failed: ${message}`, { status: response.status });
    }
    const blob = await response.blob();
    const link = h("a", { href: URL.createObjectURL(blob), download: `${chargerId}-messages.jsonl` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    fill(output, "Exported.");
  } catch (error) {
    fill(output, notice("error", describe(error)));
  }
}

export async function renderMessages(root, [chargerId], ctx) {
  ctx.title(`${chargerId} messages`);
  const actionInput = h("input", { name: "action", placeholder: "e.g. BootNotification, Heartbeat", autocomplete: "off" });
  const directionSelect = select("direction", [
    ["", "Both directions"],
    ["MESSAGE_DIRECTION_CHARGER_TO_CSMS", "Charger → CSMS"],
    ["MESSAGE_DIRECTION_CSMS_TO_CHARGER", "CSMS → charger"],
  ]);
  const liveBox = h("input", { type: "checkbox", name: "live", checked: true });
  const status = h("p", { class: "hint live-status", role: "status" });
  const problem = h("div");
  const tbody = h("tbody");
  const older = h("button", { type: "button", hidden: true, onclick: () => loadOlder() }, "Older messages");
  const exportOut = h("span", { class: "result", "aria-live": "polite" });
  const empty = h("p", { class: "muted", hidden: true }, "No messages recorded for this charger with these filters.");
  const trimmed = h("p", { class: "hint", hidden: true }, `Showing the newest ${MAX_ROWS}; press Apply to page through older ones.`);
  const timeline = table("Messages", ["Time (UTC)", "Dir.", "Action", "Outcome", "Latency", "Frames"], [], { class: "grid messages cards" });
  timeline.querySelector("tbody").replaceWith(tbody);

  let query = {};
  let nextPageToken = "";
  let afterToken = "";
  let timer = 0;
  let closed = false;
  let generation = 0; // a newer filter set makes the answers of older requests moot

  function filters() {
    const actions = actionInput.value.split(/[\s,]+/).filter(Boolean);
    return { actions, direction: directionSelect.value || undefined };
  }

  function showEmpty() {
    empty.hidden = tbody.children.length > 0;
  }

  async function reload() {
    const mine = ++generation;
    clearTimeout(timer);
    query = filters();
    try {
      const answer = await api("GET", paths.chargerMessages(chargerId), { ...query, pageSize: PAGE_SIZE });
      if (mine !== generation || closed) return;
      fill(problem);
      fill(tbody, (answer.messages ?? []).map(row));
      trimmed.hidden = true;
      nextPageToken = answer.nextPageToken ?? "";
      afterToken = answer.afterToken ?? "";
      older.hidden = !nextPageToken;
      showEmpty();
    } catch (error) {
      if (mine !== generation || closed) return;
      fill(problem, notice("error", `Could not read the messages. ${describe(error)}`));
    }
    schedule();
  }

  async function loadOlder() {
    if (!nextPageToken) return;
    const mine = generation;
    older.disabled = true;
    try {
      const answer = await api("GET", paths.chargerMessages(chargerId), { ...query, pageSize: PAGE_SIZE, pageToken: nextPageToken });
      if (mine !== generation || closed) return;
      tbody.append(...(answer.messages ?? []).map(row));
      nextPageToken = answer.nextPageToken ?? "";
      older.hidden = !nextPageToken;
    } catch (error) {
      fill(problem, notice("error", `Could not read older messages. ${describe(error)}`));
    } finally {
      older.disabled = false;
    }
  }

  async function poll() {
    const mine = generation;
    if (!afterToken || !liveBox.checked) return schedule();
    try {
      const answer = await api("GET", paths.chargerMessages(chargerId), { ...query, pageSize: PAGE_SIZE, afterToken });
      if (mine !== generation || closed) return;
      fill(problem);
      // Oldest first: each goes on top of the newer-first list.
      for (const message of answer.messages ?? []) tbody.prepend(row(message));
      afterToken = answer.afterToken ?? afterToken;
      if (tbody.children.length > MAX_ROWS) {
        while (tbody.children.length > MAX_ROWS) tbody.lastElementChild.remove();
        nextPageToken = ""; // the older pages no longer join on: Apply to start again
        older.hidden = true;
        trimmed.hidden = false;
      }
      showEmpty();
      fill(status, `Live: checked ${new Date().toISOString().slice(11, 19)} UTC`);
      // More than a page arrived: read the rest at once.
      if ((answer.messages ?? []).length === PAGE_SIZE) return poll();
    } catch (error) {
      if (mine !== generation || closed) return;
      fill(problem, notice("error", `Live updates paused: ${describe(error)} Retrying.`));
    }
    schedule();
  }

  function schedule() {
    clearTimeout(timer);
    if (!closed) timer = setTimeout(poll, POLL_MS);
  }

  const form = h("form", { class: "command-row filters", "aria-label": "Filter messages", onsubmit: (e) => {
    e.preventDefault();
    reload();
  } },
    field("Actions", actionInput),
    field("Direction", directionSelect),
    h("button", { type: "submit" }, "Apply"),
    h("label", { class: "inline-check" }, liveBox, " Live updates"),
    can("operator")
      ? h("button", { type: "button", onclick: () => download(chargerId, filters(), exportOut) }, "Export (JSON Lines)")
      : null,
    exportOut);
  directionSelect.addEventListener("change", () => reload());
  liveBox.addEventListener("change", () => {
    fill(status, liveBox.checked ? "Live updates on." : "Live updates paused.");
    if (liveBox.checked) poll();
  });

  fill(root,
    h("div", { class: "page-head" },
      h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Fleet"), " / "),
      h("h1", {}, chargerId),
      chargerTabs(chargerId, "Messages")),
    h("section", { class: "panel", "aria-labelledby": "h-messages", id: "messages" },
      h("h2", { id: "h-messages" }, "Messages"),
      h("p", { class: "hint" }, "Every OCPP call with its answer, newest first, as the node saw it on the websocket."),
      form, status, problem, timeline, empty, trimmed, older));

  await reload();
  return () => {
    closed = true;
    clearTimeout(timer);
  };
}
