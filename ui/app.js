// The operator UI: a login (API token), then hash routes → views. Each view renders into
// <main> and returns a cleanup function that the router calls when the operator navigates
// away. The token lives in sessionStorage (this tab, until it closes); a 401 from any call
// forgets it and brings the login back with the server's reason.

import { LiveEvents, api, clearToken, describe, onUnauthorized, paths, setToken, token } from "./api.js";
import { renderAudit } from "./audit.js";
import { renderCharger } from "./charger.js";
import { cancelConfirmations, field, fill, h, notice, refreshTimes } from "./dom.js";
import { renderFleet } from "./fleet.js";
import { renderIdTags } from "./idtags.js";
import { renderMessages } from "./messages.js";
import { renderRegistry } from "./registry.js";
import { begin, can, end, session } from "./session.js";
import { renderTransaction, renderTransactions } from "./transactions.js";

const routes = [
  [/^\/?$/, "fleet", renderFleet],
  [/^\/chargers\/(.+)\/messages$/, "fleet", renderMessages],
  [/^\/chargers\/(.+)$/, "fleet", renderCharger],
  [/^\/transactions\/?$/, "transactions", renderTransactions],
  [/^\/transactions\/(.+)$/, "transactions", renderTransaction],
  [/^\/idtags\/?$/, "idtags", renderIdTags],
  [/^\/registry\/?$/, "registry", renderRegistry],
  [/^\/audit\/?$/, "audit", renderAudit, "admin"],
];

const live = new LiveEvents();
const main = document.getElementById("main");
const who = document.getElementById("session");
let cleanup = null;
let generation = 0;

function showLiveState(state) {
  const box = document.getElementById("live");
  const text = document.getElementById("live-text");
  box.className = `live live-${state.name}`;
  box.hidden = state.name === "stopped" || !session.current;
  if (state.name === "live") text.textContent = "Live";
  // An open stream shows no sign of life until its first event: "waiting", not "failed".
  else if (state.name === "connecting") text.textContent = "Waiting for events";
  else if (state.name === "reconnecting") {
    const seconds = Math.round((state.delayMs ?? 0) / 1000);
    text.textContent = seconds > 0 ? `Reconnecting in ${seconds} s` : "Reconnecting…";
    box.title = state.reason ?? "";
  }
}

function leaveView() {
  generation++;
  cancelConfirmations(); // a question about the page we leave must not outlive it
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
}

// --- the session ---------------------------------------------------------------------------

/** Show who is logged in, with a Logout button, and the links their role may follow. */
function showSession() {
  const current = session.current;
  for (const link of document.querySelectorAll("[data-role]")) {
    link.closest("li").hidden = !current || !can(link.dataset.role);
  }
  document.querySelector(".top nav").hidden = !current;
  if (!current) {
    fill(who);
    return;
  }
  fill(
    who,
    h("span", { class: "who", title: `Logged in with the API token “${current.name}”` },
      h("span", { class: "who-name" }, current.name), " ",
      h("span", { class: `role role-${current.role}` }, current.role || "no role")),
    h("button", { type: "button", class: "logout", onclick: () => logout() }, "Log out"),
  );
}

function logout(reason = "") {
  clearToken();
  end();
  live.stop();
  showSession();
  if (reason) renderLogin(`Your token was refused: ${reason}`);
  else renderLogin("", "You are logged out.");
}

/** The login screen; `problem` (an error) or `info` says why it is shown. */
function renderLogin(problem = "", info = "") {
  leaveView();
  document.title = "Log in · CSMS";
  const input = h("input", { type: "password", name: "token", required: true, autocomplete: "current-password", spellcheck: "false", class: "token-input" });
  const message = h("div", { "aria-live": "polite" },
    problem ? notice("error", problem) : null,
    info ? notice("ok", info) : null);
  const submit = h("button", { type: "submit" }, "Log in");
  const form = h("form", { class: "login", "aria-labelledby": "h-login", onsubmit: async (e) => {
    e.preventDefault();
    const candidate = input.value.trim();
    if (!candidate) return;
    submit.disabled = true;
    fill(message, h("p", { class: "muted" }, "Checking the token…"));
    try {
      const me = await api("GET", paths.whoami(), null, undefined, { bearer: candidate, login: true });
      setToken(candidate);
      begin(me);
      started();
    } catch (error) {
      const refusedToken = error?.status === 401;
      fill(message, notice("error", refusedToken ? `Your token was refused: ${serverReason(error)}` : describe(error)));
      input.select();
    } finally {
      submit.disabled = false;
    }
  } },
    h("h1", { id: "h-login" }, "Log in"),
    h("p", { class: "muted" }, "Paste your API token. An administrator creates tokens (csmsctl or the API); make run prints an admin token when it starts."),
    message,
    field("API token", input),
    submit);
  fill(main, h("section", { class: "panel login-panel" }, form));
  input.focus();
}

/** The server's reason in a 401 ApiError ("Not authenticated: <reason> (HTTP 401)"). */
function serverReason(error) {
  return String(error?.message ?? error).replace(/^Not authenticated: /, "").replace(/ \(HTTP 401\)$/, "");
}

function started() {
  showSession();
  live.start();
  route();
}

onUnauthorized((reason) => {
  if (!session.current) return; // already at the login
  logout(reason);
});

// --- routing -------------------------------------------------------------------------------

async function route() {
  if (!session.current) return;
  leaveView();
  const mine = generation;
  const hash = decodeURIComponent(location.hash.replace(/^#/, "")) || "/";
  const found = routes.map(([re, nav, view, role]) => [hash.match(re), nav, view, role]).find(([m]) => m);
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (found && link.dataset.nav === found[1]) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!found) {
    document.title = "Not found · CSMS";
    fill(main, notice("error", `There is no page at “${hash}”.`));
    return;
  }
  const [match, , view, role] = found;
  if (role && !can(role)) {
    document.title = "Not allowed · CSMS";
    fill(main, notice("error", `This page needs the role ${role}; your token “${session.current.name}” has the role ${session.current.role}.`));
    return;
  }
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
setInterval(() => refreshTimes(main), 10_000);

/** At page load: a token remembered for this session is checked, else the login shows. */
async function boot() {
  showSession();
  const remembered = token();
  if (!remembered) {
    renderLogin();
    return;
  }
  fill(main, h("p", { class: "muted" }, "Checking your token…"));
  try {
    begin(await api("GET", paths.whoami(), null, undefined, { bearer: remembered, login: true }));
    started();
  } catch (error) {
    if (error?.status === 401) {
      clearToken();
      renderLogin(`Your token was refused: ${serverReason(error)}`);
    } else {
      renderLogin(`Could not check your token. ${describe(error)}`);
    }
  }
}

boot();
