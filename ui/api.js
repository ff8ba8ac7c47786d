// The JSON gateway, seen from the browser: same origin, relative URLs under /v1/.
// Every failure becomes an ApiError whose message is meant for the operator's eyes.
// Every call carries the operator's API token (`Authorization: Bearer`); a 401 forgets
// the token and sends the operator back to the login (see onUnauthorized).

const TOKEN_KEY = "csms.apiToken";

/** The API token of this browser session ("" when logged out). */
export function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}

/** Remember `value` for this browser session (the tab, until it closes). */
export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

let unauthorized = () => {};

/** Who to tell when the gateway refuses the token (HTTP 401): `handler(reason)`. */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

function refused(reason) {
  clearToken();
  unauthorized(reason);
}

function authHeaders(headers, bearer) {
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  return headers;
}

/** The server's own words in an error answer's JSON (google.rpc.Status), or "". */
function serverMessage(data) {
  return data && typeof data.message === "string" ? data.message : "";
}

// google.rpc.Code numbers → what they mean for an operator.
const CODES = {
  1: "Cancelled",
  2: "Unknown error",
  3: "Invalid request",
  4: "The charger did not answer in time",
  5: "Not found",
  6: "Already exists",
  7: "Permission denied",
  8: "Too many requests",
  9: "Not possible now",
  10: "Aborted",
  11: "Out of range",
  12: "Not implemented",
  13: "Internal error",
  14: "Unavailable",
  15: "Data loss",
  16: "Not authenticated",
};

export class ApiError extends Error {
  /**
   * @param {string} message  words for the operator
   * @param {{status?: number, code?: number, network?: boolean}} info
   */
  constructor(message, { status = 0, code = 0, network = false } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.network = network;
  }
}

/** The operator-facing sentence for an error of any kind. */
export function describe(error) {
  if (error instanceof ApiError) return error.message;
  return `Unexpected error in the page: ${error?.message ?? error}`;
}

/**
 * Call the API: api("GET", "/v1/chargers", {pageSize: 100}) or
 * api("POST", "/v1/chargers/CP-1:reset", null, {kind: "RESET_KIND_HARD"}).
 * Returns the decoded JSON answer; throws ApiError otherwise.
 */
export async function api(method, path, query = null, body = undefined, { bearer = token(), login = false } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null || value === "") continue;
      for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  const init = { method, headers: authHeaders({ accept: "application/json" }, bearer) };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new ApiError(
      `Network error: the gateway did not answer (${error?.message ?? error}). Check the connection and try again.`,
      { network: true },
    );
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    // A refused token ends the session, except while logging in (the form says why).
    if (response.status === 401 && !login) refused(serverMessage(data) || text.trim().slice(0, 300) || "HTTP 401");
    if (data && typeof data.message === "string") {
      const kind = CODES[data.code] ?? `Error ${data.code}`;
      throw new ApiError(`${kind}: ${data.message} (HTTP ${response.status})`, {
        status: response.status,
        code: data.code ?? 0,
      });
    }
    const detail = text.trim().slice(0, 300) || response.statusText || "no details";
    throw new ApiError(`The gateway answered HTTP ${response.status}: ${detail}`, {
      status: response.status,
    });
  }
  if (text && data === null) {
    throw new ApiError(`The gateway answered something that is not JSON: ${text.slice(0, 200)}`, {
      status: response.status,
    });
  }
  return data ?? {};
}

/** Every item of a paged list: follows nextPageToken up to `maxPages` pages. */
export async function listAll(path, key, query = {}, maxPages = 20) {
  const items = [];
  let pageToken = "";
  for (let page = 0; page < maxPages; page++) {
    const answer = await api("GET", path, { ...query, pageToken });
    items.push(...(answer[key] ?? []));
    pageToken = answer.nextPageToken ?? "";
    if (!pageToken) break;
  }
  return items;
}

const enc = encodeURIComponent;

/** Paths of the API, so views do not build URLs by hand. */
export const paths = {
  chargers: () => "/v1/chargers",
  charger: (id) => `/v1/chargers/${enc(id)}`,
  command: (id, verb) => `/v1/chargers/${enc(id)}:${verb}`,
  configuration: (id) => `/v1/chargers/${enc(id)}/configuration`,
  configurationKeys: (id) => `/v1/chargers/${enc(id)}/configurationKeys`,
  changeConfiguration: (id) => `/v1/chargers/${enc(id)}/configuration:change`,
  transactions: () => "/v1/transactions",
  transaction: (id) => `/v1/transactions/${enc(id)}`,
  meterValues: (id) => `/v1/transactions/${enc(id)}/meterValues`,
  restoreCharger: (id) => `/v1/chargers/${enc(id)}:restore`,
  idTags: () => "/v1/idTags",
  idTag: (tag) => `/v1/idTags/${enc(tag)}`,
  blockIdTag: (tag) => `/v1/idTags/${enc(tag)}:block`,
  nodes: () => "/v1/registry/nodes",
  chargerLocations: () => "/v1/registry/chargers",
  watch: () => "/v1/events:watch",
  whoami: () => "/v1/auth/whoami",
  audit: () => "/v1/audit",
  chargerTasks: (id) => `/v1/chargers/${enc(id)}/tasks`,
  cancelTask: (id) => `/v1/tasks/${enc(id)}:cancel`,
  chargerMessages: (id) => `/v1/chargers/${enc(id)}/messages`,
  chargerMessagesExport: (id) => `/v1/chargers/${enc(id)}/messages:export`,
};

/**
 * The live event stream (GET /v1/events:watch as server-sent events), shared by all views.
 *
 * Read with fetch() rather than EventSource, which cannot send the Authorization header.
 * One stream for the page. When it fails, ends, or sends an overflow event it is closed
 * and reopened with exponential backoff (1 s doubling to 30 s); after every reopen the
 * subscribers' `resync` runs so they re-read the state they show, since the stream has
 * no replay. A 401 ends the session (see onUnauthorized) and stops the stream.
 * `onState` hears "connecting", "live", "reconnecting" (with the delay), "stopped".
 */
export class LiveEvents {
  static MIN_BACKOFF_MS = 1000;
  static MAX_BACKOFF_MS = 30000;

  constructor(url = paths.watch()) {
    this.url = url;
    this.abort = null;
    this.backoff = LiveEvents.MIN_BACKOFF_MS;
    this.retryTimer = null;
    this.listeners = new Set(); // {event(e), resync()}
    this.stateListeners = new Set();
    this.state = { name: "stopped" }; // until start()
    this.needsResync = false;
  }

  start() {
    if (this.abort || this.retryTimer) return;
    this.#open();
  }

  stop() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.abort?.abort();
    this.abort = null;
    this.needsResync = false;
    this.#setState({ name: "stopped" });
  }

  /** Listen to events; returns the function that stops listening. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onState(listener) {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  #setState(state) {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  async #open() {
    this.retryTimer = null;
    this.#setState({ name: this.needsResync ? "reconnecting" : "connecting" });
    const abort = new AbortController();
    this.abort = abort;
    let reason = "the event stream ended";
    try {
      const response = await fetch(this.url, {
        headers: authHeaders({ accept: "text/event-stream" }, token()),
        signal: abort.signal,
        cache: "no-store",
      });
      if (response.status === 401) {
        let message = "";
        try {
          message = serverMessage(JSON.parse(await response.text()));
        } catch {
          // not JSON: the status says enough
        }
        this.stop();
        refused(message || "the event stream answered HTTP 401");
        return;
      }
      if (!response.ok || !response.body) {
        reason = `the event stream answered HTTP ${response.status}`;
      } else {
        this.backoff = LiveEvents.MIN_BACKOFF_MS;
        this.#setState({ name: "live" });
        if (this.needsResync) {
          this.needsResync = false;
          for (const listener of this.listeners) listener.resync?.();
        }
        if (await this.#read(response.body, abort.signal)) return; // overflow: reopened at once
      }
    } catch (error) {
      if (abort.signal.aborted) return; // stopped on purpose
      reason = `the event stream was interrupted (${error?.message ?? error})`;
    }
    if (abort.signal.aborted) return;
    this.#retry(this.backoff, reason);
    this.backoff = Math.min(this.backoff * 2, LiveEvents.MAX_BACKOFF_MS);
  }

  /** Dispatch the stream's events until it ends; true when an overflow reopened it. */
  async #read(body, signal) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) return false;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).replace(/^ /, ""))
          .join("\n");
        if (!data) continue; // a comment or keep-alive
        let event;
        try {
          event = JSON.parse(data);
        } catch {
          continue;
        }
        if (event.kind === "EVENT_KIND_WATCHER_OVERFLOW") {
          // We fell behind and missed events: start over and re-read everything.
          reader.cancel().catch(() => {});
          this.#retry(0, event.message || "the event stream overflowed");
          return true;
        }
        for (const listener of this.listeners) listener.event?.(event);
      }
    }
    return false;
  }

  #retry(delayMs, reason) {
    this.abort?.abort();
    this.abort = null;
    this.needsResync = true;
    clearTimeout(this.retryTimer);
    this.#setState({ name: "reconnecting", delayMs, reason });
    this.retryTimer = setTimeout(() => this.#open(), delayMs);
  }
}
