// Registry: the nodes with their leases and how many chargers each holds, and where each
// connected charger is. Refreshed every few seconds while shown.

import { api, describe, listAll, paths } from "./api.js";
import { ago, fill, h, notice, ocppVersion, table, when } from "./dom.js";

const REFRESH_MS = 5000;

export async function renderRegistry(root, _params, ctx) {
  ctx.title("Registry");
  const nodesBox = h("section", { class: "panel", "aria-labelledby": "h-nodes" });
  const chargersBox = h("section", { class: "panel", "aria-labelledby": "h-locations" });
  const updated = h("p", { class: "muted summary", "aria-live": "off" });
  fill(root, h("div", { class: "page-head" }, h("h1", {}, "Registry"), updated), nodesBox, chargersBox);

  async function load() {
    const [nodes, locations] = await Promise.allSettled([
      api("GET", paths.nodes()),
      listAll(paths.chargerLocations(), "chargers", { pageSize: 1000 }),
    ]);
    if (nodes.status === "fulfilled") {
      const list = (nodes.value.nodes ?? []).sort((a, b) => a.nodeId.localeCompare(b.nodeId));
      fill(nodesBox, h("h2", { id: "h-nodes" }, `Nodes (${list.length})`),
        list.length
          ? table("Nodes", ["Node", "Address", "Chargers", "Lease expires"], list.map((n) =>
              h("tr", { dataset: { nodeId: n.nodeId } },
                h("th", { scope: "row" }, n.nodeId),
                h("td", { class: "mono" }, n.address || "—"),
                h("td", { class: "num" }, String(n.chargerCount ?? 0)),
                h("td", {}, n.leaseExpiresAt ? ago(n.leaseExpiresAt) : "—", n.leaseExpiresAt ? h("span", { class: "muted" }, ` (${when(n.leaseExpiresAt)})`) : null))),
            { class: "grid cards" })
          : h("p", { class: "muted" }, "No node holds a lease."));
    } else {
      fill(nodesBox, h("h2", { id: "h-nodes" }, "Nodes"), notice("error", `Could not read the nodes. ${describe(nodes.reason)}`));
    }
    if (locations.status === "fulfilled") {
      const list = locations.value.sort((a, b) => a.chargerId.localeCompare(b.chargerId));
      fill(chargersBox, h("h2", { id: "h-locations" }, `Connected chargers (${list.length})`),
        list.length
          ? h("div", { class: "table-wrap" }, table("Where each connected charger is", ["Charger", "Node", "Node address", "Epoch", "OCPP", "Connected"], list.map((c) =>
              h("tr", {},
                h("th", { scope: "row" }, h("a", { href: `#/chargers/${encodeURIComponent(c.chargerId)}` }, c.chargerId)),
                h("td", {}, c.nodeId),
                h("td", { class: "mono" }, c.nodeAddress || "—"),
                h("td", { class: "num" }, String(c.epoch ?? "")),
                h("td", {}, ocppVersion(c.ocppVersion)),
                h("td", {}, ago(c.connectedAt)))),
            { class: "grid cards" }))
          : h("p", { class: "muted" }, "No charger is connected."));
    } else {
      fill(chargersBox, h("h2", { id: "h-locations" }, "Connected chargers"), notice("error", `Could not read the charger locations. ${describe(locations.reason)}`));
    }
    updated.textContent = `Updated ${when(new Date().toISOString())}, every ${REFRESH_MS / 1000} s`;
  }

  await load();
  const timer = setInterval(load, REFRESH_MS);
  return () => clearInterval(timer);
}
