// Small DOM and formatting helpers shared by the views. Everything that shows data from
// the API goes through h() (text nodes, never innerHTML), so names cannot inject markup.

/**
 * Create an element: h("a", {href: "#/"}, "text", child, [more, children]).
 * Attributes starting with "on" are event listeners; `false`/`null`/`undefined` are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace the content of `el` with `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const VERSIONS = {
  OCPP_VERSION_16: "1.6",
  OCPP_VERSION_201: "2.0.1",
  OCPP_VERSION_21: "2.1",
};

/** "OCPP_VERSION_201" → "2.0.1". */
export function ocppVersion(value) {
  return VERSIONS[value] ?? "—";
}

/** An RFC 3339 timestamp as "2026-11-24 10:00:03Z" (UTC, like csmsctl), or "—". */
export function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/** A <time> element with the absolute time in its title and a relative text ("12 s ago"). */
export function ago(iso) {
  if (!iso) return h("span", { class: "muted" }, "never");
  return h("time", { datetime: iso, title: when(iso), class: "ago" }, relative(iso));
}

/** A <time> element with the time elapsed since `iso` ("62 min"), kept current. */
export function since(iso) {
  if (!iso) return "—";
  return h("time", { datetime: iso, title: `since ${when(iso)}`, class: "ago", "data-duration": "" }, relative(iso).replace(/ ago$/, ""));
}

export function relative(iso, now = Date.now()) {
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  const future = seconds < 0;
  const s = Math.abs(seconds);
  let text;
  if (s < 5) return "just now";
  if (s < 90) text = `${s} s`;
  else if (s < 90 * 60) text = `${Math.round(s / 60)} min`;
  else if (s < 36 * 3600) text = `${Math.round(s / 3600)} h`;
  else text = `${Math.round(s / 86400)} d`;
  return future ? `in ${text}` : `${text} ago`;
}

/** Refresh every relative time under `root` (called on a timer). */
export function refreshTimes(root = document) {
  for (const el of root.querySelectorAll("time.ago")) {
    const text = relative(el.getAttribute("datetime"));
    el.textContent = el.hasAttribute("data-duration") ? text.replace(/ ago$/, "") : text;
  }
}

/** Energy in Wh as "12.35 kWh" (or "850 Wh"). */
export function energy(wh) {
  const n = Number(wh ?? 0);
  if (!Number.isFinite(n)) return "—";
  return Math.abs(n) >= 1000 ? `${(n / 1000).toFixed(2)} kWh` : `${Math.round(n)} Wh`;
}

/** What a connector of an offline charger shows: nobody knows its state until it reconnects. */
export const OFFLINE = "Unknown (offline)";

// Connector statuses of OCPP 1.6 and 2.0.1 → a tone (colour) and a glyph, so the
// state is readable without colour too: the badge always carries the word.
const TONES = {
  Available: ["ok", "●"],
  Preparing: ["busy", "◐"],
  Charging: ["busy", "⚡"],
  Occupied: ["busy", "◐"],
  SuspendedEV: ["warn", "‖"],
  SuspendedEVSE: ["warn", "‖"],
  Finishing: ["busy", "◑"],
  Reserved: ["info", "◆"],
  Unavailable: ["off", "○"],
  Faulted: ["bad", "✕"],
  [OFFLINE]: ["off", "?"],
};

/**
 * The status to show for a connector: what it last reported while its charger is
 * connected, OFFLINE once the charger is not (its state is then unknown, whatever it was).
 */
export function shownStatus(charger, connector) {
  return charger.connected ? connector.status || "" : OFFLINE;
}

/** A connector's status badge, "Unknown (offline)" (with the last report in its title) when its charger is offline. */
export function connectorBadge(charger, connector, label = "") {
  const status = shownStatus(charger, connector);
  const badge = statusBadge(status, label);
  if (status === OFFLINE && connector.status) {
    badge.title = `${label ? `${label}: ` : ""}unknown while the charger is offline; last reported ${connector.status}`;
  }
  return badge;
}

/** A status badge: glyph + word, coloured by tone. */
export function statusBadge(status, label = "") {
  const [tone, glyph] = TONES[status] ?? ["off", "?"];
  const text = status || "unknown";
  return h(
    "span",
    { class: `badge tone-${tone}`, title: label ? `${label}: ${text}` : text },
    h("span", { "aria-hidden": "true", class: "glyph" }, glyph),
    label ? h("span", { class: "badge-label" }, `${label} `) : null,
    text,
  );
}

export function toneOf(status) {
  return (TONES[status] ?? ["off"])[0];
}

/** Online / Offline badge. */
export function connectionBadge(connected) {
  return connected
    ? h("span", { class: "badge tone-ok" }, h("span", { class: "glyph", "aria-hidden": "true" }, "▲"), "Online")
    : h("span", { class: "badge tone-off" }, h("span", { class: "glyph", "aria-hidden": "true" }, "▽"), "Offline");
}

/** The label of a connector: "1" for 1.6, "1/2" (EVSE/connector) for 2.0.1, "charger" for 0. */
export function connectorLabel(connector, version) {
  const evse = connector.evseId ?? 0;
  if (evse === 0) return "charger";
  if (version === "OCPP_VERSION_16") return String(evse);
  return `${evse}/${connector.connectorId ?? 0}`;
}

/** A definition list from [term, value] pairs. */
export function facts(pairs, attrs = {}) {
  return h(
    "dl",
    { class: "facts", ...attrs },
    pairs.filter(Boolean).map(([term, value]) => [h("dt", {}, term), h("dd", {}, value ?? "—")]),
  );
}

/** A table with a (visually hidden) caption, header cells and rows of cells. */
export function table(caption, headers, rows, attrs = {}) {
  return labelCells(h(
    "table",
    attrs,
    h("caption", { class: "sr-only" }, caption),
    h("thead", {}, h("tr", {}, headers.map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, rows),
  ));
}

/**
 * Give every body cell of `tableEl` its column's header as data-label, which a table
 * with class "cards" shows beside the value when, on a phone, its rows become cards.
 * Call again after rows are added.
 */
export function labelCells(tableEl) {
  const headers = [...tableEl.querySelectorAll("thead th")].map((th) => th.textContent);
  for (const row of tableEl.querySelectorAll("tbody tr")) {
    [...row.children].forEach((cell, i) => {
      if (!cell.hasAttribute("colspan") && headers[i]) cell.dataset.label = headers[i];
    });
  }
  return tableEl;
}

/** A labelled form control: label text + input/select, for the compact forms. */
export function field(label, control, hint = "") {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    control,
    hint ? h("small", { class: "hint" }, hint) : null,
  );
}

export function select(name, options, selected = "") {
  return h(
    "select",
    { name },
    options.map(([value, label]) => h("option", { value, selected: value === selected }, label)),
  );
}

/** A notice box: kind "error" (role=alert), "ok" or "info" (role=status). */
export function notice(kind, text) {
  return h("p", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

/**
 * Run an operator action: disable `button` while `action()` runs and put the answer (or
 * the error, in words) into `output` — an element with aria-live so screen readers hear it.
 * `format(result)` turns the answer into the sentence to show.
 */
export async function runAction(button, output, label, action, format = (r) => r?.status ?? "Done") {
  const busy = button ? button.disabled : false;
  if (button) button.disabled = true;
  output.className = "result result-pending";
  output.textContent = `${label}: sending…`;
  try {
    const result = await action();
    const text = format(result);
    output.className = `result result-${answerTone(text)}`;
    output.textContent = `${label}: ${text}`;
    return result;
  } catch (error) {
    output.className = "result result-error";
    output.textContent = `${label} failed — ${errorText(error)}`;
    return undefined;
  } finally {
    if (button) button.disabled = busy;
  }
}

// Answers that mean "done"; anything else the charger says (Rejected, NotSupported, ...)
// is shown as a warning.
const GOOD_ANSWERS = new Set(["Accepted", "Unlocked", "Scheduled", "Done", "Saved", "Deleted", "Blocked", "Created"]);

function answerTone(text) {
  const first = String(text).split(/[\s,.;:]/)[0];
  return GOOD_ANSWERS.has(first) ? "ok" : "warn";
}

function errorText(error) {
  return error?.name === "ApiError" ? error.message : `unexpected error in the page: ${error?.message ?? error}`;
}

/** An output element for action answers. */
export function resultBox() {
  return h("output", { class: "result", "aria-live": "polite" });
}

/** A timestamp that does not wrap (for definition lists). */
export function stamp(iso) {
  return h("span", { class: "ts" }, when(iso));
}

/**
 * Ask the operator to confirm a destructive action in a modal <dialog>. `question` is its
 * heading and names the target and the action ("Hard reset charger CP-1?"), `detail` says
 * what will happen, `confirmLabel` labels the confirming button. Cancel has the focus, so
 * Enter does nothing harmful; Escape cancels too. Resolves true only when confirmed.
 */
export function confirmAction({ question, detail = "", confirmLabel }) {
  const id = `confirm-${Math.random().toString(36).slice(2, 9)}`;
  const cancel = h("button", { type: "submit", value: "cancel", class: "secondary" }, "Cancel");
  const dialog = h(
    "dialog",
    { class: "confirm", "aria-labelledby": `${id}-q`, "aria-describedby": detail ? `${id}-d` : null },
    h(
      "form",
      { method: "dialog" },
      h("h2", { id: `${id}-q` }, question),
      detail ? h("p", { id: `${id}-d` }, detail) : null,
      h("div", { class: "dialog-buttons" }, cancel, h("button", { type: "submit", value: "confirm", class: "danger" }, confirmLabel)),
    ),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "confirm");
    }, { once: true });
    dialog.showModal();
    cancel.focus();
  });
}

/** Close every open confirmation (as cancelled): the page it belonged to is gone. */
export function cancelConfirmations() {
  for (const dialog of document.querySelectorAll("dialog.confirm[open]")) dialog.close("cancel");
}

/**
 * runAction() for a destructive action: first ask (see confirmAction; `ask` holds its
 * question, detail and, if not `label`, confirmLabel). Cancelled, nothing is sent and
 * `output` says so.
 */
export async function runConfirmed(button, output, label, ask, action, format) {
  if (!(await confirmAction({ confirmLabel: label, ...ask }))) {
    output.className = "result result-pending";
    output.textContent = `${label}: cancelled, nothing was sent`;
    button?.focus();
    return undefined;
  }
  return runAction(button, output, label, action, format);
}
