// The operator UI: hash routes → views. Each view renders into <main> and returns a
// cleanup function that the router calls when the operator navigates away.

import { LiveEvents } from "./api.js";
import { renderCharger } from "./charger.js";
import { cancelConfirmations, fill, notice, refreshTimes } from "./dom.js";
import { renderFleet } from "./fleet.js";
import { renderIdTags } from "./idtags.js";
import { renderRegistry } from "./registry.js";
import { renderTransaction, renderTransactions } from "./transactions.js";

const routes = [
  [/^\/?$/, "fleet", renderFleet],
  [/^\/chargers\/(.+)$/, "fleet", renderCharger],
  [/^\/transactions\/?$/, "transactions", renderTransactions],
  [/^\/transactions\/(.+)$/, "transactions", renderTransaction],
  [/^\/idtags\/?$/, "idtags", renderIdTags],
  [/^\/registry\/?$/, "registry", renderRegistry],
];

const live = new LiveEvents();
const main = document.getElementById("main");
let cleanup = null;
let generation = 0;

function showLiveState(state) {
  const box = document.getElementById("live");
  const text = document.getElementById("live-text");
  box.className = `live live-${state.name}`;
  if (state.name === "live") text.textContent = "Live";
  // An open stream shows no sign of life until its first event: "waiting", not "failed".
  else if (state.name === "connecting") text.textContent = "Waiting for events";
  else {
    const seconds = Math.round((state.delayMs ?? 0) / 1000);
    text.textContent = seconds > 0 ? `Reconnecting in ${seconds} s` : "Reconnecting…";
    box.title = state.reason ?? "";
  }
}

async function route() {
  const mine = ++generation;
  cancelConfirmations(); // a question about the page we leave must not outlive it
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  const hash = decodeURIComponent(location.hash.replace(/^#/, "")) || "/";
  const found = routes.map(([re, nav, view]) => [hash.match(re), nav, view]).find(([m]) => m);
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (found && link.dataset.nav === found[1]) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!found) {
    document.title = "Not found · CSMS";
    fill(main, notice("error", `There is no page at “${hash}”.`));
    return;
  }
  const [match, , view] = found;
  const ctx = { live, isCurrent: () => mine === generation, title: (t) => (document.title = `${t} · CSMS`) };
  try {
    const done = await view(main, match.slice(1), ctx);
    if (mine === generation) cleanup = done ?? null;
    else done?.();
  } catch (error) {
    if (mine === generation) fill(main, notice("error", `This page failed: ${error?.message ?? error}`));
  }
}

window.addEventListener("hashchange", () => {
  route();
  main.focus({ preventScroll: true });
});
live.onState(showLiveState);
live.start();
setInterval(() => refreshTimes(main), 10_000);
route();
