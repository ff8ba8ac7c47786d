// The charger page's Tasks panel: the commands sent to this charger (the task history),
// newest first, with their state, answer or error; an operator cancels a queued one.
// GET /v1/chargers/{id}/tasks, POST /v1/tasks/{id}:cancel.

import { api, describe, paths } from "./api.js";
import { fill, h, notice, resultBox, runAction, table, when } from "./dom.js";

const PAGE_SIZE = 20;
const STATE_TONES = { ANSWERED: "ok", QUEUED: "info", SENT: "info", CALL_ERROR: "bad", TIMED_OUT: "warn", ABORTED: "warn", EXPIRED: "warn" };

function stateBadge(state) {
  const name = String(state ?? "").replace("TASK_STATE_", "");
  return h("span", { class: `badge tone-${STATE_TONES[name] ?? "info"}` }, name.toLowerCase().replace("_", " ") || "—");
}

function outcome(task) {
  if (task.answerJson) return task.answerJson;
  if (task.errorCode) return `${task.errorCode}${task.errorDescription ? `: ${task.errorDescription}` : ""}`;
  if (task.deliverBy) return `until ${when(task.deliverBy)}`;
  return "—";
}

/** The panel (a <section>) and `refresh()` to read the tasks again. */
export function tasksPanel(chargerId, { cancel = false } = {}) {
  const body = h("div");
  const out = resultBox();
  const section = h("section", { class: "panel span-2", "aria-labelledby": "h-tasks", id: "tasks" });

  async function cancelTask(taskId, button) {
    const done = await runAction(button, out, "Cancel", () => api("POST", paths.cancelTask(taskId), null, {}),
      () => "Done");
    if (done) await refresh();
  }

  async function refresh() {
    try {
      const answer = await api("GET", paths.chargerTasks(chargerId), { pageSize: PAGE_SIZE });
      const tasks = answer.tasks ?? [];
      fill(body, tasks.length
        ? table("Tasks", ["Created (UTC)", "Action", "State", "Answer / error", "By", ""], tasks.map((task) => h("tr", { dataset: { taskId: task.taskId } },
            h("td", { class: "ts" }, when(task.createdAt)),
            h("th", { scope: "row", class: "mono" }, task.action),
            h("td", {}, stateBadge(task.state)),
            h("td", { class: "mono detail" }, outcome(task)),
            h("td", {}, task.requestedBy || "CSMS"),
            h("td", {}, cancel && task.state === "TASK_STATE_QUEUED"
              ? h("button", { type: "button", onclick: (e) => cancelTask(task.taskId, e.currentTarget) }, "Cancel")
              : null))),
          { class: "grid tasks cards" })
        : h("p", { class: "muted" }, "No commands sent to this charger yet."));
    } catch (error) {
      fill(body, notice("error", `Could not read the tasks. ${describe(error)}`));
    }
  }

  fill(section,
    h("h2", { id: "h-tasks" }, "Tasks"),
    h("div", { class: "command-row" }, h("button", { type: "button", onclick: () => refresh() }, "Refresh"), out),
    body);
  section.refresh = refresh;
  return section;
}
