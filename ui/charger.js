// Charger page: identity, connectors, the current (or last) transaction with its chart,
// the commands with the charger's answers (role operator), its configuration (view;
// change and read from the charger: operator), and its administration (role admin).

import { api, describe, listAll, paths } from "./api.js";
import { lineChart, sessionSeries } from "./chart.js";
import {
  ago,
  connectionBadge,
  connectorBadge,
  connectorLabel,
  energy,
  facts,
  field,
  fill,
  h,
  notice,
  ocppVersion,
  resultBox,
  runAction,
  runConfirmed,
  select,
  since,
  stamp,
  table,
  when,
} from "./dom.js";
import { applyEvent } from "./fleet.js";
import { adminPanel, lifecycleFacts } from "./lifecycle.js";
import { chargerTabs } from "./messages.js";
import { can } from "./session.js";
import { settingsPanel } from "./settings.js";
import { tasksPanel } from "./tasks.js";

const TRIGGERS = [
  ["TRIGGERABLE_MESSAGE_STATUS_NOTIFICATION", "StatusNotification"],
  ["TRIGGERABLE_MESSAGE_BOOT_NOTIFICATION", "BootNotification"],
  ["TRIGGERABLE_MESSAGE_HEARTBEAT", "Heartbeat"],
  ["TRIGGERABLE_MESSAGE_METER_VALUES", "MeterValues"],
  ["TRIGGERABLE_MESSAGE_FIRMWARE_STATUS_NOTIFICATION", "FirmwareStatusNotification"],
  ["TRIGGERABLE_MESSAGE_DIAGNOSTICS_STATUS_NOTIFICATION", "DiagnosticsStatusNotification"],
  ["TRIGGERABLE_MESSAGE_LOG_STATUS_NOTIFICATION", "LogStatusNotification"],
  ["TRIGGERABLE_MESSAGE_SIGN_CHARGER_CERTIFICATE", "SignChargerCertificate"],
];

/** An optional unsigned number from an input ("" → undefined). */
function optionalNumber(input) {
  const value = input.value.trim();
  return value === "" ? undefined : Number(value);
}

/** A compact command form: fields + submit button + the answer underneath. */
function commandForm(title, controls, buttons, description = "") {
  const output = resultBox();
  const form = h(
    "form",
    { class: "command", onsubmit: (e) => e.preventDefault(), "aria-label": title },
    h("h3", {}, title),
    description ? h("p", { class: "hint" }, description) : null,
    h("div", { class: "command-row" }, controls, h("div", { class: "buttons" }, buttons(output))),
    output,
  );
  return form;
}

export async function renderCharger(root, [chargerId], ctx) {
  ctx.title(chargerId);
  const path = paths.charger(chargerId);
  let charger = null;
  let txTimer = 0;

  const heading = h("div", { class: "page-head" },
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Fleet"), " / "),
    h("h1", {}, chargerId),
    chargerTabs(chargerId, "Overview"));
  const message = h("div");
  const identity = h("section", { class: "panel", "aria-labelledby": "h-identity" });
  const connectors = h("section", { class: "panel", "aria-labelledby": "h-connectors" });
  const session = h("section", { class: "panel span-2", "aria-labelledby": "h-session" });
  const commands = h("section", { class: "panel span-2", "aria-labelledby": "h-commands" });
  const config = h("section", { class: "panel span-2", "aria-labelledby": "h-config" });
  const admin = h("div", { class: "span-2" });
  const operator = can("operator");
  const tasks = tasksPanel(chargerId, { cancel: operator });
  // The task history has no live events: read it again every few seconds while shown.
  const tasksTimer = setInterval(() => tasks.refresh(), 5000);

  fill(root, heading, message, h("div", { class: "charger-grid" }, identity, connectors, session, operator ? commands : null, tasks, config, settingsPanel(chargerId, { write: operator }), admin));

  function drawIdentity() {
    const c = charger;
    fill(
      identity,
      h("h2", { id: "h-identity" }, "Identity ", connectionBadge(c.connected)),
      facts([
        ["Vendor / model", [c.vendor, c.model].filter(Boolean).join(" / ") || "—"],
        ["Serial number", c.serialNumber || "—"],
        ["Firmware", c.firmwareVersion || "—"],
        ["OCPP", ocppVersion(c.ocppVersion)],
        ["Node", c.nodeId || "—"],
        ["Boot status", c.bootStatus || "—"],
        ["Last boot", stamp(c.lastBootAt)],
        ["Last seen", ago(c.lastSeenAt)],
        ["Registered", stamp(c.registeredAt)],
        ["Location", c.locationId || "—"],
        ["Firmware status", c.firmwareStatus || "—"],
        ["Diagnostics / log", [c.diagnosticsStatus, c.logStatus].filter(Boolean).join(" / ") || "—"],
        ["Local list version", c.localListVersion === -1 || c.localListVersion === undefined ? "unknown" : String(c.localListVersion)],
        ...lifecycleFacts(c),
      ], { class: "facts facts-2" }),
    );
  }

  function drawConnectors() {
    const list = charger.connectors ?? [];
    fill(
      connectors,
      h("h2", { id: "h-connectors" }, "Connectors"),
      list.length
        ? table(
            "Connectors",
            ["Connector", "Status", "Error", "Info", "Since"],
            list.map((c) =>
              h("tr", { dataset: { connector: connectorLabel(c, charger.ocppVersion) } },
                h("th", { scope: "row" }, connectorLabel(c, charger.ocppVersion)),
                h("td", {}, connectorBadge(charger, c),
                  !charger.connected && c.status ? h("small", { class: "muted last-reported" }, ` last reported ${c.status}`) : null),
                h("td", {}, c.errorCode && c.errorCode !== "NoError" ? h("strong", { class: "text-bad" }, c.errorCode) : c.errorCode || "—",
                  c.vendorErrorCode ? ` (${c.vendorErrorCode})` : ""),
                h("td", {}, c.info || "—"),
                h("td", {}, ago(c.updatedAt)))),
            { class: "grid cards", id: "connectors" },
          )
        : h("p", { class: "muted" }, "The charger has not reported any connector status yet."),
    );
  }

  async function drawSession() {
    fill(session, h("h2", { id: "h-session" }, "Charging session"), h("p", { class: "muted" }, "Loading…"));
    try {
      const answer = await api("GET", paths.transactions(), { chargerId, pageSize: 5 });
      const txs = answer.transactions ?? [];
      const active = txs.filter((t) => t.active);
      const tx = active[0] ?? txs[0];
      if (!tx) {
        fill(session, h("h2", { id: "h-session" }, "Charging session"), h("p", { class: "muted" }, "No transactions on this charger yet."));
        return;
      }
      const values = await listAll(paths.meterValues(tx.transactionId), "meterValues", { pageSize: 5000 }, 4);
      const series = sessionSeries(values, tx.meterStartWh, tx.startedAt);
      fill(
        session,
        h("h2", { id: "h-session" }, tx.active ? "Current transaction" : "Last transaction (ended)"),
        facts([
          ["Transaction", h("a", { href: `#/transactions/${tx.transactionId}` }, `#${tx.transactionId}`)],
          ["Connector", String(tx.connectorId ?? "—")],
          ["Id tag", `${tx.idTag || "—"}${tx.idTagStatus ? ` (${tx.idTagStatus})` : ""}`],
          ["Energy", h("strong", { id: "session-energy" }, energy(tx.energyWh))],
          ["Started", stamp(tx.startedAt)],
          tx.active ? ["Running for", since(tx.startedAt)] : ["Stopped", `${when(tx.stoppedAt)}${tx.stopReason ? ` (${tx.stopReason})` : ""}`],
          active.length > 1 ? ["Also active", active.slice(1).map((t) => `#${t.transactionId}`).join(", ")] : null,
        ], { class: "facts facts-row" }),
        h("div", { class: "charts" },
          h("figure", {}, lineChart({ label: "Energy", unit: "kWh", points: series.energy }), h("figcaption", {}, "Energy delivered (kWh)")),
          series.power.length ? h("figure", {}, lineChart({ label: "Power", unit: "kW", points: series.power, tone: "power" }), h("figcaption", {}, "Power (kW)")) : null,
        ),
      );
      stopTx.value = tx.active ? tx.transactionId : stopTx.value;
    } catch (error) {
      fill(session, h("h2", { id: "h-session" }, "Charging session"), notice("error", `Could not read the transactions. ${describe(error)}`));
    }
  }

  // --- commands ------------------------------------------------------------------------
  const post = (verb, body) => api("POST", paths.command(chargerId, verb), null, body);
  const startConnector = h("input", { type: "number", min: 1, inputmode: "numeric", placeholder: "any", class: "narrow" });
  const startTag = h("input", { type: "text", maxlength: 20, required: true, placeholder: "CARD-0001", autocomplete: "off" });
  const stopTx = h("input", { type: "text", inputmode: "numeric", required: true, pattern: "[0-9]+", title: "a transaction number", placeholder: "17", class: "narrow" });
  const unlockConnector = h("input", { type: "number", min: 1, value: 1, class: "narrow" });
  const availConnector = h("input", { type: "number", min: 0, value: 0, class: "narrow" });
  const trigger = select("message", TRIGGERS);
  const triggerConnector = h("input", { type: "number", min: 0, placeholder: "all", class: "narrow" });

  const button = (label, onclick, extra = {}) => h("button", { type: "submit", onclick, ...extra }, label);
  const of = `charger ${chargerId}`;
  const connectorsOf = (n) => (n === 0 ? `all connectors of ${of}` : `connector ${n} of ${of}`);

  fill(
    commands,
    h("h2", { id: "h-commands" }, "Commands"),
    h("div", { class: "commands" },
      commandForm("Reset", [], (out) => [
        button("Soft reset", (e) => runConfirmed(e.currentTarget, out, "Soft reset", {
          question: `Soft reset ${of}?`,
          detail: "It restarts once idle (an OCPP 1.6 charger first stops any charging session) and is offline until it reconnects.",
        }, () => post("reset", { kind: "RESET_KIND_SOFT" })), { class: "danger" }),
        button("Hard reset", (e) => runConfirmed(e.currentTarget, out, "Hard reset", {
          question: `Hard reset ${of}?`,
          detail: "It restarts at once, ending any charging session, and is offline until it reconnects.",
        }, () => post("reset", { kind: "RESET_KIND_HARD" })), { class: "danger" }),
      ], "Soft: when idle. Hard: immediately, ending any session."),
      commandForm("Start charging", [field("Connector", startConnector), field("Id tag", startTag)], (out) => [
        button("Start", (e) => {
          if (!startTag.reportValidity()) return;
          runAction(e.currentTarget, out, "Start charging", () =>
            post("startCharging", { connectorId: optionalNumber(startConnector), idTag: startTag.value.trim() }));
        }),
      ]),
      commandForm("Stop charging", [field("Transaction", stopTx)], (out) => [
        button("Stop", (e) => {
          if (!stopTx.reportValidity()) return;
          const transactionId = stopTx.value.trim();
          runConfirmed(e.currentTarget, out, "Stop charging", {
            question: `Stop transaction ${transactionId} on ${of}?`,
            detail: "The charging session ends; the driver has to start a new one to charge again.",
          }, () => post("stopCharging", { transactionId }));
        }, { class: "danger" }),
      ]),
      commandForm("Unlock connector", [field("Connector", unlockConnector)], (out) => [
        button("Unlock", (e) => {
          const connectorId = Number(unlockConnector.value);
          runConfirmed(e.currentTarget, out, "Unlock", {
            question: `Unlock ${connectorsOf(connectorId)}?`,
            detail: "A cable in use is released and its charging session ends.",
          }, () => post("unlockConnector", { connectorId }));
        }, { class: "danger" }),
      ]),
      commandForm("Availability", [field("Connector (0 = all)", availConnector)], (out) => [
        button("Operative", (e) => runAction(e.currentTarget, out, "Make operative", () =>
          post("changeAvailability", { connectorId: Number(availConnector.value), kind: "AVAILABILITY_KIND_OPERATIVE" }))),
        button("Inoperative", (e) => {
          const connectorId = Number(availConnector.value);
          runConfirmed(e.currentTarget, out, "Make inoperative", {
            question: `Make ${connectorsOf(connectorId)} inoperative?`,
            detail: "No new charging session starts there until it is made operative again; a running session is allowed to finish first.",
          }, () => post("changeAvailability", { connectorId, kind: "AVAILABILITY_KIND_INOPERATIVE" }));
        }, { class: "danger" }),
      ]),
      commandForm("Trigger message", [field("Message", trigger), field("Connector", triggerConnector)], (out) => [
        button("Trigger", (e) => runAction(e.currentTarget, out, `Trigger ${trigger.selectedOptions[0].textContent}`, () =>
          post("triggerMessage", { requestedMessage: trigger.value, connectorId: optionalNumber(triggerConnector) }))),
      ]),
      commandForm("Clear authorization cache", [], (out) => [
        button("Clear cache", (e) => runConfirmed(e.currentTarget, out, "Clear cache", {
          question: `Clear the authorization cache of ${of}?`,
          detail: "It forgets the id tags it has seen accepted; while offline it may then refuse drivers it would have let charge.",
        }, () => post("clearCache", {})), { class: "danger" }),
      ]),
    ),
  );

  // --- configuration -------------------------------------------------------------------
  const configOut = resultBox();
  const configBody = h("div");
  const changeKey = h("input", { type: "text", required: true, placeholder: "HeartbeatInterval or Component/Variable", autocomplete: "off" });
  const changeValue = h("input", { type: "text", placeholder: "value", autocomplete: "off" });

  async function changeConfiguration(key, value, btn, out) {
    const result = await runAction(btn, out, `Set ${key}`, () =>
      api("POST", paths.changeConfiguration(chargerId), null, { key, value }));
    if (result?.status === "Accepted" || result?.status === "RebootRequired") await readConfiguration(null, false);
  }

  function drawConfiguration(entries, source, unknownKeys = []) {
    fill(
      configBody,
      h("p", { class: "muted" }, source),
      entries.length
        ? table(
            "Configuration keys",
            ["Key", "Value", "Change"],
            entries.map((entry) => {
              const input = h("input", { type: "text", value: entry.value ?? "", "aria-label": `New value for ${entry.key}`, disabled: entry.readonly });
              const out = resultBox();
              return h("tr", {},
                h("th", { scope: "row" }, entry.key),
                h("td", { class: "mono" }, entry.value ?? "", entry.readonly ? h("span", { class: "tag" }, "read-only") : null),
                h("td", {},
                  entry.readonly || !operator ? h("span", { class: "muted" }, "—") : h("form", { class: "inline", onsubmit: (e) => {
                    e.preventDefault();
                    changeConfiguration(entry.key, input.value, e.submitter, out);
                  } }, input, h("button", { type: "submit" }, "Set"), out)));
            }),
            { class: "grid config cards" },
          )
        : h("p", { class: "muted" }, "No keys recorded yet: read them from the charger."),
      unknownKeys.length ? notice("info", `Unknown to the charger: ${unknownKeys.join(", ")}`) : null,
    );
  }

  async function readConfiguration(btn, fromCharger) {
    if (fromCharger) {
      const result = await runAction(btn, configOut, "Read configuration", () => api("GET", paths.configuration(chargerId)),
        (r) => `Done, ${(r.entries ?? []).length} key${(r.entries ?? []).length === 1 ? "" : "s"}`);
      if (result) drawConfiguration(result.entries ?? [], `Read from the charger just now.`, result.unknownKeys ?? []);
      return;
    }
    try {
      const stored = await api("GET", paths.configurationKeys(chargerId));
      drawConfiguration(stored.entries ?? [], stored.readAt ? `As last read from the charger, ${when(stored.readAt)}.` : "Never read from the charger.");
    } catch (error) {
      fill(configBody, notice("error", `Could not read the recorded configuration. ${describe(error)}`));
    }
  }

  fill(
    config,
    h("h2", { id: "h-config" }, "Configuration"),
    operator
      ? h("div", { class: "command-row" },
          h("button", { type: "button", onclick: (e) => readConfiguration(e.currentTarget, true) }, "Read from charger"),
          h("form", { class: "inline", "aria-label": "Change any key", onsubmit: (e) => {
            e.preventDefault();
            if (changeKey.reportValidity()) changeConfiguration(changeKey.value.trim(), changeValue.value, e.submitter, configOut);
          } }, field("Key", changeKey), field("Value", changeValue), h("button", { type: "submit" }, "Change")))
      : null,
    configOut,
    configBody,
  );

  // --- data ------------------------------------------------------------------------------
  async function load() {
    try {
      charger = await api("GET", path);
      fill(message);
      drawIdentity();
      drawConnectors();
      if (can("admin")) fill(admin, adminPanel(chargerId, charger, load));
    } catch (error) {
      fill(message, notice("error", `Could not read charger ${chargerId}. ${describe(error)}`));
      if (!charger) {
        fill(identity, h("h2", { id: "h-identity" }, "Identity"), h("p", { class: "muted" }, "Unavailable."));
        fill(connectors, h("h2", { id: "h-connectors" }, "Connectors"), h("p", { class: "muted" }, "Unavailable."));
      }
    }
  }

  const unsubscribe = ctx.live.subscribe({
    event: (event) => {
      if (event.chargerId !== chargerId || !charger) return;
      applyEvent(charger, event);
      drawIdentity();
      drawConnectors();
      if (event.kind.startsWith("EVENT_KIND_TRANSACTION_")) {
        clearTimeout(txTimer);
        txTimer = setTimeout(drawSession, 400);
      }
      if (event.kind === "EVENT_KIND_BOOTED") load();
    },
    resync: () => {
      load();
      drawSession();
    },
  });

  await Promise.all([load(), drawSession(), readConfiguration(null, false), tasks.refresh()]);
  return () => {
    unsubscribe();
    clearTimeout(txTimer);
    clearInterval(tasksTimer);
  };
}
