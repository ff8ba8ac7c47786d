// Charger page, Settings panel: the charger's variables (2.0.1 device model; 1.6
// configuration keys as variables of component "") from DeviceModelService, filtered by
// component and variable, each writable one editable through SetVariables.

import { api, describe } from "./api.js";
import { field, fill, h, notice, resultBox, runAction, table, when } from "./dom.js";

const enc = encodeURIComponent;
const variablesPath = (id) => `/v1/chargers/${enc(id)}/variables`;

/** "Component[instance] @evse.connector" for one variable key. */
function componentLabel(key) {
  let text = key.component || "(configuration key)";
  if (key.componentInstance) text += `[${key.componentInstance}]`;
  if (key.evseId) text += ` @${key.evseId}${key.connectorId ? `.${key.connectorId}` : ""}`;
  return text;
}

/** The Settings section of charger `chargerId` (loads itself); `write` offers changes. */
export function settingsPanel(chargerId, { write = true } = {}) {
  const section = h("section", { class: "panel span-2", "aria-labelledby": "h-settings" });
  const component = h("input", { type: "search", placeholder: "Component", "aria-label": "Filter by component", autocomplete: "off" });
  const variable = h("input", { type: "search", placeholder: "Variable", "aria-label": "Filter by variable", autocomplete: "off" });
  const out = resultBox();
  const body = h("div", { id: "settings" });
  let nextPage = "";

  async function setVariable(v, value, btn, rowOut) {
    const item = { key: v.key, attributeType: v.attributeType, value };
    const result = await runAction(btn, rowOut, `Set ${v.key.variable}`,
      () => api("POST", `${variablesPath(chargerId)}:set`, null, { items: [item] }),
      (r) => r?.results?.[0]?.status ?? "Done");
    const status = result?.results?.[0]?.status;
    if (status === "Accepted" || status === "RebootRequired") await load();
  }

  function row(v) {
    const writable = write && v.mutability !== "ReadOnly";
    const input = h("input", { type: "text", value: v.value ?? "", "aria-label": `New value for ${v.key.variable}` });
    const rowOut = resultBox();
    return h("tr", {},
      h("td", {}, componentLabel(v.key)),
      h("th", { scope: "row" }, v.key.variable + (v.key.variableInstance ? `[${v.key.variableInstance}]` : "")),
      h("td", {}, v.attributeType),
      h("td", { class: "mono" }, v.value ?? "", v.characteristics?.unit ? ` ${v.characteristics.unit}` : "",
        v.mutability === "ReadOnly" ? h("span", { class: "tag" }, "read-only") : null),
      h("td", { class: "muted" }, v.valueSource, v.updatedAt ? `, ${when(v.updatedAt)}` : ""),
      h("td", {}, writable
        ? h("form", { class: "inline", onsubmit: (e) => {
            e.preventDefault();
            setVariable(v, input.value, e.submitter, rowOut);
          } }, input, h("button", { type: "submit" }, "Set"), rowOut)
        : h("span", { class: "muted" }, "—")));
  }

  async function load(more = false) {
    try {
      const answer = await api("GET", variablesPath(chargerId), {
        component: component.value.trim(),
        variable: variable.value.trim(),
        pageSize: 200,
        pageToken: more ? nextPage : "",
      });
      nextPage = answer.nextPageToken ?? "";
      const variables = answer.variables ?? [];
      const source = answer.reportedAt ? `Reported ${when(answer.reportedAt)}.` : "No complete report yet.";
      const pending = answer.pendingReportId ? ` Report ${answer.pendingReportId} in progress.` : "";
      fill(body,
        h("p", { class: "muted" }, source + pending),
        variables.length
          ? table("Charger variables", ["Component", "Variable", "Attribute", "Value", "Source", "Change"],
              variables.map(row), { class: "grid settings cards" })
          : h("p", { class: "muted" }, "No variables match: read them from the charger (Get base report)."),
        nextPage ? h("button", { type: "button", onclick: () => load(true) }, "More") : null);
    } catch (error) {
      fill(body, notice("error", `Could not read the settings. ${describe(error)}`));
    }
  }

  fill(section,
    h("h2", { id: "h-settings" }, "Settings"),
    h("div", { class: "command-row" },
      h("form", { class: "inline", "aria-label": "Filter settings", onsubmit: (e) => {
        e.preventDefault();
        load();
      } }, field("Component", component), field("Variable", variable), h("button", { type: "submit" }, "Filter")),
      write
        ? h("button", { type: "button", onclick: (e) => runAction(e.currentTarget, out, "Get base report",
            () => api("POST", `${variablesPath(chargerId)}:getBaseReport`, null, {})) }, "Get base report")
        : null),
    out,
    body);
  load();
  return section;
}
