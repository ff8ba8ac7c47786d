// Id tags: list (filter by status); role operator: create, edit, block, unblock, delete.

import { api, describe, paths } from "./api.js";
import { field, fill, h, labelCells, notice, resultBox, runAction, runConfirmed, select, table, when } from "./dom.js";
import { can } from "./session.js";

/** An RFC 3339 time as a datetime-local input's value (local time, minutes). */
function localInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The UpdateIdTag body that keeps every field of `tag` but those in `changes`. */
function replacement(tag, changes) {
  const body = {
    idTag: tag.idTag,
    status: tag.status,
    parentIdTag: tag.parentIdTag ?? "",
    maxActiveTransactions: tag.maxActiveTransactions ?? 0,
    ...changes,
  };
  if (!("expiryDate" in changes) && tag.expiryDate) body.expiryDate = tag.expiryDate;
  if (!body.expiryDate) delete body.expiryDate;
  return body;
}

const STATUSES = [
  ["ID_TAG_STATUS_ACCEPTED", "Accepted", "ok", "●"],
  ["ID_TAG_STATUS_BLOCKED", "Blocked", "bad", "✕"],
  ["ID_TAG_STATUS_EXPIRED", "Expired", "warn", "◌"],
  ["ID_TAG_STATUS_INVALID", "Invalid", "bad", "!"],
];

function statusOf(tag) {
  const found = STATUSES.find(([value]) => value === tag.status) ?? ["", "Unspecified", "off", "?"];
  return h("span", { class: `badge tone-${found[2]}` }, h("span", { class: "glyph", "aria-hidden": "true" }, found[3]), found[1]);
}

export async function renderIdTags(root, _params, ctx) {
  ctx.title("Id tags");
  const filter = select("status", [["", "any"], ...STATUSES.map(([v, label]) => [v, label])]);
  const tbody = h("tbody");
  const message = h("div");
  const actionOut = resultBox();
  const more = h("button", { type: "button", hidden: true }, "Load more");
  let nextPageToken = "";

  const newTag = h("input", { type: "text", required: true, maxlength: 20, pattern: "[\\x21-\\x7e]{1,20}", autocomplete: "off", placeholder: "CARD-0001" });
  const newParent = h("input", { type: "text", maxlength: 20, autocomplete: "off", placeholder: "none" });
  const newExpiry = h("input", { type: "datetime-local" });
  const newMax = h("input", { type: "number", min: 0, value: 0, class: "narrow" });
  const createOut = resultBox();
  const operator = can("operator");
  const editor = h("div");

  const update = (tag, changes) => api("PATCH", paths.idTag(tag.idTag), null, replacement(tag, changes));

  function edit(tag) {
    const status = select("status", STATUSES.map(([value, label]) => [value, label]), tag.status);
    const expiry = h("input", { type: "datetime-local", value: localInput(tag.expiryDate) });
    const parent = h("input", { type: "text", maxlength: 20, value: tag.parentIdTag ?? "", autocomplete: "off", placeholder: "none" });
    const max = h("input", { type: "number", min: 0, value: tag.maxActiveTransactions ?? 0, class: "narrow" });
    const out = resultBox();
    fill(editor, h("section", { class: "panel", "aria-labelledby": "h-edit-tag" },
      h("h2", { id: "h-edit-tag" }, `Edit id tag ${tag.idTag}`),
      h("form", { class: "filters", "aria-label": `Edit ${tag.idTag}`, onsubmit: async (e) => {
        e.preventDefault();
        const changes = {
          status: status.value,
          parentIdTag: parent.value.trim(),
          maxActiveTransactions: Number(max.value || 0),
          expiryDate: expiry.value ? new Date(expiry.value).toISOString() : "",
        };
        const done = await runAction(e.submitter, out, `Save ${tag.idTag}`, () => update(tag, changes), () => "Saved");
        if (done) {
          fill(editor);
          actionOut.className = "result result-ok";
          actionOut.textContent = `Save ${tag.idTag}: Saved`;
          load();
        }
      } },
        field("Status", status), field("Expires (local time)", expiry, "empty = never"), field("Parent", parent),
        field("Max. concurrent", max, "0 = no limit"),
        h("button", { type: "submit" }, "Save"),
        h("button", { type: "button", class: "secondary", onclick: () => fill(editor) }, "Cancel")),
      out));
    status.focus();
  }

  function row(tag) {
    const blocked = tag.status === "ID_TAG_STATUS_BLOCKED";
    return h(
      "tr",
      { dataset: { idTag: tag.idTag } },
      h("th", { scope: "row", class: "mono" }, tag.idTag),
      h("td", {}, statusOf(tag)),
      h("td", {}, tag.expiryDate ? when(tag.expiryDate) : "never"),
      h("td", {}, tag.parentIdTag || "—"),
      h("td", { class: "num" }, tag.maxActiveTransactions ? String(tag.maxActiveTransactions) : "no limit"),
      h("td", {}, when(tag.updatedAt || tag.createdAt)),
      operator ? h("td", { class: "actions" },
        h("button", { type: "button", "aria-label": `Edit ${tag.idTag}`, onclick: () => edit(tag) }, "Edit"),
        blocked
          ? h("button", { type: "button", "aria-label": `Unblock ${tag.idTag}`, onclick: async (e) => {
              const done = await runAction(e.currentTarget, actionOut, `Unblock ${tag.idTag}`,
                () => api("PATCH", paths.idTag(tag.idTag), { updateMask: "status" }, { status: "ID_TAG_STATUS_ACCEPTED" }),
                () => "Done, accepted again");
              if (done) load();
            } }, "Unblock")
          : h("button", { type: "button", "aria-label": `Block ${tag.idTag}`, onclick: async (e) => {
          const done = await runConfirmed(e.currentTarget, actionOut, `Block ${tag.idTag}`, {
            confirmLabel: "Block",
            question: `Block id tag ${tag.idTag}?`,
            detail: "The CSMS refuses it from now on: its driver cannot start charging with it.",
          }, () => api("POST", paths.blockIdTag(tag.idTag), null, {}), () => "Blocked");
          if (done) load();
        } }, "Block"),
        h("button", { type: "button", class: "danger", "aria-label": `Delete ${tag.idTag}`, onclick: async (e) => {
          const done = await runConfirmed(e.currentTarget, actionOut, `Delete ${tag.idTag}`, {
            confirmLabel: "Delete",
            question: `Delete id tag ${tag.idTag}?`,
            detail: "Its history stays; chargers will no longer authorize anyone with it.",
          }, () => api("DELETE", paths.idTag(tag.idTag)), () => "Deleted");
          if (done) load();
        } }, "Delete")) : null,
    );
  }

  async function load(append = false) {
    const query = { status: filter.value, pageSize: 200 };
    if (append) query.pageToken = nextPageToken;
    try {
      const answer = await api("GET", paths.idTags(), query);
      const rows = (answer.idTags ?? []).map(row);
      if (append) tbody.append(...rows);
      else fill(tbody, rows.length ? rows : h("tr", {}, h("td", { colspan: operator ? 7 : 6, class: "muted empty" }, "No id tags.")));
      labelCells(tableEl);
      nextPageToken = answer.nextPageToken ?? "";
      more.hidden = !nextPageToken;
      fill(message);
    } catch (error) {
      fill(message, notice("error", `Could not read the id tags. ${describe(error)}`));
    }
  }
  more.addEventListener("click", () => load(true));
  filter.addEventListener("change", () => load());

  async function create(e) {
    e.preventDefault();
    const body = { idTag: newTag.value.trim(), maxActiveTransactions: Number(newMax.value || 0) };
    if (newParent.value.trim()) body.parentIdTag = newParent.value.trim();
    if (newExpiry.value) body.expiryDate = new Date(newExpiry.value).toISOString();
    const done = await runAction(e.submitter, createOut, `Create ${body.idTag}`, () => api("POST", paths.idTags(), null, body), () => "Created");
    if (done) {
      newTag.value = "";
      load();
    }
  }

  const headers = ["Id tag", "Status", "Expires", "Parent (group)", "Max. concurrent", "Updated"];
  const tableEl = table("Id tags", operator ? [...headers, "Actions"] : headers, [], { class: "grid cards" });
  tableEl.replaceChild(tbody, tableEl.querySelector("tbody"));
  fill(
    root,
    h("div", { class: "page-head" }, h("h1", {}, "Id tags")),
    operator
      ? h("section", { class: "panel", "aria-labelledby": "h-new-tag" },
          h("h2", { id: "h-new-tag" }, "New id tag"),
          h("form", { class: "filters", onsubmit: create },
            field("Id tag", newTag, "1–20 printable characters"), field("Parent", newParent), field("Expires (local time)", newExpiry),
            field("Max. concurrent", newMax, "0 = no limit"), h("button", { type: "submit" }, "Create")),
          createOut)
      : null,
    editor,
    h("form", { class: "filters", role: "search", onsubmit: (e) => e.preventDefault() }, field("Status", filter)),
    message,
    actionOut,
    h("div", { class: "table-wrap" }, tableEl),
    more,
  );
  await load();
  return null;
}
