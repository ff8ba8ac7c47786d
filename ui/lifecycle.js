// A charger's lifecycle (role admin): add, edit (security profile, password, description,
// location, registration status), approve a pending one, retire and restore. The password
// is write-only: it is sent, never shown or read back (the API says only has_password).

import { api, paths } from "./api.js";
import { facts, field, fill, h, resultBox, runAction, runConfirmed, select, stamp } from "./dom.js";

export const PROFILES = [
  ["0", "0 – no credentials"],
  ["1", "1 – password (HTTP Basic)"],
  ["2", "2 – TLS + password"],
  ["3", "3 – mutual TLS (certificate)"],
];
const REGISTRATIONS = [
  ["REGISTRATION_STATUS_ACCEPTED", "Accepted"],
  ["REGISTRATION_STATUS_PENDING", "Pending"],
  ["REGISTRATION_STATUS_REJECTED", "Rejected"],
];
const REGISTRATION_TONES = { Accepted: "ok", Pending: "warn", Rejected: "bad" };
export const PASSWORD_HINT = "16–40 characters; write-only, never shown again";

/** "REGISTRATION_STATUS_PENDING" → "Pending" ("" when unspecified). */
export function registration(charger) {
  return REGISTRATIONS.find(([value]) => value === charger.registrationStatus)?.[1] ?? "";
}

/** Badges for what sets a charger apart in a list: retired, pending or rejected. */
export function lifecycleBadges(charger) {
  const badges = [];
  if (charger.retiredAt) badges.push(h("span", { class: "badge tone-off", title: `retired ${charger.retiredAt}` }, "retired"));
  const status = registration(charger);
  if (status && status !== "Accepted") badges.push(h("span", { class: `badge tone-${REGISTRATION_TONES[status]}` }, status.toLowerCase()));
  return badges;
}

/** Facts about a charger's security and registration, for its identity panel. */
export function lifecycleFacts(charger) {
  const status = registration(charger);
  return [
    ["Registration", status ? h("span", { class: `badge tone-${REGISTRATION_TONES[status]}` }, status) : "—"],
    ["Security profile", `${charger.securityProfile ?? 0}${charger.hasPassword ? ", password set" : ""}${charger.passwordRotationPending ? " (rotation pending)" : ""}`],
    ["Description", charger.description || "—"],
    charger.retiredAt ? ["Retired", stamp(charger.retiredAt)] : null,
  ];
}

function passwordInput() {
  return h("input", { type: "password", minlength: 16, maxlength: 40, autocomplete: "new-password", spellcheck: "false" });
}

/** The "Add a charger" form; `added(charger)` runs after the API created it. */
export function addChargerForm(added) {
  const id = h("input", { type: "text", required: true, maxlength: 48, pattern: "[\\x21-\\x7e]{1,48}", autocomplete: "off", placeholder: "CP-0001", name: "chargerId" });
  const profile = select("securityProfile", PROFILES, "1");
  const password = passwordInput();
  const description = h("input", { type: "text", maxlength: 500, autocomplete: "off" });
  const location = h("input", { type: "text", maxlength: 64, autocomplete: "off", placeholder: "none" });
  const out = resultBox();
  // Profiles 1 and 2 authenticate with the password: it is required for them.
  const needsPassword = () => {
    password.required = profile.value === "1" || profile.value === "2";
  };
  profile.addEventListener("change", needsPassword);
  needsPassword();
  const form = h("form", { class: "filters", "aria-label": "Add a charger", onsubmit: async (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    const body = { chargerId: id.value.trim(), securityProfile: Number(profile.value) };
    if (password.value) body.password = password.value;
    if (description.value.trim()) body.description = description.value.trim();
    if (location.value.trim()) body.locationId = location.value.trim();
    const done = await runAction(e.submitter, out, `Add ${body.chargerId}`, () => api("POST", paths.chargers(), null, body), () => "Created");
    if (done) {
      form.reset();
      added?.(done);
    }
  } },
    field("Charger id", id, "as in its URL: …/ocpp/<id>"),
    field("Security profile", profile),
    field("Password", password, PASSWORD_HINT),
    field("Description", description),
    field("Location", location),
    h("button", { type: "submit" }, "Add charger"));
  return h("div", {}, form, out);
}

/**
 * The Administration panel of a charger page: edit, approve, retire, restore. `changed()`
 * re-reads the charger after a change.
 */
export function adminPanel(chargerId, charger, changed) {
  const section = h("section", { class: "panel span-2", "aria-labelledby": "h-admin", id: "admin" });
  const out = resultBox();
  const of = `charger ${chargerId}`;
  const patch = (body, mask) => api("PATCH", paths.charger(chargerId), null, { ...body, updateMask: mask.join(",") });
  const after = (result) => {
    if (result) changed();
  };

  const profile = select("securityProfile", PROFILES, String(charger.securityProfile ?? 0));
  const status = select("registrationStatus", REGISTRATIONS, charger.registrationStatus || "REGISTRATION_STATUS_ACCEPTED");
  const password = passwordInput();
  const description = h("input", { type: "text", maxlength: 500, value: charger.description ?? "", autocomplete: "off" });
  const location = h("input", { type: "text", maxlength: 64, value: charger.locationId ?? "", autocomplete: "off", placeholder: "none" });

  const edit = h("form", { class: "filters", "aria-label": "Edit charger", onsubmit: async (e) => {
    e.preventDefault();
    if (!edit.reportValidity()) return;
    const body = {};
    const mask = [];
    const change = (name, value, before) => {
      if (value !== before) {
        body[name] = value;
        mask.push(name);
      }
    };
    change("securityProfile", Number(profile.value), charger.securityProfile ?? 0);
    change("registrationStatus", status.value, charger.registrationStatus || "REGISTRATION_STATUS_ACCEPTED");
    change("description", description.value.trim(), charger.description ?? "");
    change("locationId", location.value.trim(), charger.locationId ?? "");
    if (password.value) change("password", password.value, undefined);
    if (!mask.length) {
      out.className = "result result-pending";
      out.textContent = "Save: nothing changed, nothing was sent";
      return;
    }
    after(await runAction(e.submitter, out, "Save", () => patch(body, mask), () => "Saved"));
  } },
    field("Security profile", profile),
    field("Password", password, `${charger.hasPassword ? "set; type a new one to replace it" : "none set"} (${PASSWORD_HINT})`),
    field("Description", description),
    field("Location", location),
    field("Registration", status),
    h("button", { type: "submit" }, "Save"));

  const buttons = [];
  if (charger.registrationStatus === "REGISTRATION_STATUS_PENDING") {
    buttons.push(h("button", { type: "button", onclick: async (e) => after(await runAction(e.currentTarget, out, "Approve",
      () => patch({ registrationStatus: "REGISTRATION_STATUS_ACCEPTED" }, ["registrationStatus"]), () => "Accepted")) }, "Approve"));
  }
  if (charger.retiredAt) {
    buttons.push(h("button", { type: "button", onclick: async (e) => after(await runAction(e.currentTarget, out, "Restore",
      () => api("POST", paths.restoreCharger(chargerId), null, {}), () => "Done, restored")) }, "Restore"));
  } else {
    buttons.push(h("button", { type: "button", class: "danger", onclick: async (e) => after(await runConfirmed(e.currentTarget, out, "Retire", {
      question: `Retire ${of}?`,
      detail: "Its connection is closed and it is refused from now on; its history stays, and it can be restored.",
    }, () => api("DELETE", paths.charger(chargerId)), () => "Done, retired")) }, "Retire"));
  }

  fill(section,
    h("h2", { id: "h-admin" }, "Administration"),
    charger.retiredAt ? facts([["Retired", stamp(charger.retiredAt)]]) : null,
    h("div", { class: "command-row" }, buttons),
    edit,
    out);
  return section;
}
