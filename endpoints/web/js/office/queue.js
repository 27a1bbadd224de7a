/*
 * queue.js — the approval queue. The office (and admin) sees the bookings waiting
 * (requested, rescheduled) and approves, proposes another time or rejects with a reason;
 * an approval past a short lead time or over a conflict needs a reason too, which the
 * bridge records. An organiser sees its own bookings and answers a proposed time
 * (accept / decline) or cancels.
 */

import { byId, element } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { loadCalendar } from "./calendar.js";
import { api, errorMessage, isOffice, office, siteName } from "./state.js";
import { dayLabel, officeSpan, toInstant, toLocalInput } from "./time.js";

const WAITING = new Set(["requested", "rescheduled"]);
// What was typed into a card's reason, kept across re-renders (another card's action
// reloads the queue: nobody's half-written reason is lost).
const drafts = new Map();

export function bindQueue() {
  byId("queue-list").addEventListener("click", onClick);
  byId("queue-list").addEventListener("input", (event) => {
    const card = event.target.closest(".queue-card");
    if (card && event.target.matches(".queue-reason")) {
      drafts.set(Number(card.dataset.bookingId), event.target.value);
    }
  });
  byId("queue-refresh").addEventListener("click", loadQueue);
}

export async function loadQueue() {
  const status = byId("queue-status");
  status.textContent = t("office.loading");
  try {
    const data = await api("GET", "/api/bookings");
    office.bookings = data.bookings || [];
    status.textContent = "";
  } catch (err) {
    office.bookings = [];
    status.textContent = errorMessage(err);
  }
  renderQueue();
}

export function queueItems() {
  const list = isOffice() ? office.bookings.filter((b) => WAITING.has(b.state)) : office.bookings;
  return [...list].sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
}

export function renderQueue() {
  byId("queue-heading").textContent = t(isOffice() ? "office.queue.heading" : "office.queue.mine");
  const items = queueItems();
  byId("queue-empty").hidden = items.length > 0;
  byId("queue-list").replaceChildren(...items.map(card));
  const waiting = office.bookings.filter((b) => WAITING.has(b.state)).length;
  byId("tab-queue-count").textContent = waiting ? String(waiting) : "";
}

function button(action, id, key, extra = "") {
  return element("button", {
    type: "button",
    className: `button button-small ${extra}`.trim(),
    dataset: { act: action, bookingId: String(id) },
    text: t(key),
  });
}

function card(b) {
  const lead = b.lead_time || {};
  const facts = element("dl", { className: "queue-facts" },
    element("dt", { text: t("office.detail.when") }),
    element("dd", { text: officeSpan(b.starts_at, b.ends_at) }),
    element("dt", { text: t("office.detail.host") }), element("dd", { text: siteName(b.host_site_id) }),
    element("dt", { text: t("office.detail.organiser") }), element("dd", { text: b.organiser ? b.organiser.username : "—" }),
    element("dt", { text: t("office.detail.halls") }), element("dd", { text: String(b.roster.length) }));
  const notes = [];
  if (lead.ok === false) {
    notes.push(element("p", { className: "queue-warn", dataset: { level: "bad" },
      text: t("office.queue.lead_short", { earliest: dayLabel(lead.earliest_day) }) }));
  }
  for (const c of b.conflicts || []) {
    notes.push(element("p", { className: "queue-warn", dataset: { level: "bad" },
      text: t("office.queue.conflict", { title: c.title, halls: (c.sites || []).map((s) => s.name).join("; ") }) }));
  }
  if (b.proposed) {
    notes.push(element("p", { className: "queue-proposed",
      text: t("office.queue.proposed", { when: officeSpan(b.proposed.starts_at, b.proposed.ends_at), reason: b.reason || "" }) }));
  }
  const actions = element("div", { className: "queue-actions" });
  const reason = element("textarea", {
    className: "queue-reason", id: `reason-${b.id}`, rows: 2, maxLength: 1000, value: drafts.get(b.id) || "",
  });
  const reasonLabel = element("label", { htmlFor: `reason-${b.id}`, text: t("office.queue.reason") });
  const moveFields = element("div", { className: "queue-move", hidden: true },
    element("label", { htmlFor: `move-start-${b.id}`, text: t("office.form.starts") }),
    element("input", { type: "datetime-local", id: `move-start-${b.id}`, value: toLocalInput(b.starts_at) }),
    element("label", { htmlFor: `move-end-${b.id}`, text: t("office.form.ends") }),
    element("input", { type: "datetime-local", id: `move-end-${b.id}`, value: toLocalInput(b.ends_at) }));
  if (isOffice() && b.state === "requested") {
    actions.append(button("approve", b.id, "office.queue.approve", "button-primary"),
      button("reschedule", b.id, "office.queue.reschedule"),
      button("reject", b.id, "office.queue.reject", "button-danger"));
  } else if (isOffice() && b.state === "rescheduled") {
    actions.append(button("reject", b.id, "office.queue.reject", "button-danger"));
  }
  if (!isOffice() && b.state === "rescheduled") {
    actions.append(button("accept", b.id, "office.queue.accept", "button-primary"),
      button("decline", b.id, "office.queue.decline"));
  }
  if (["requested", "rescheduled", "approved"].includes(b.state)) {
    actions.append(button("cancel", b.id, "office.queue.cancel"));
  }
  return element("li", { className: "queue-card", dataset: { bookingId: String(b.id), state: b.state } },
    element("div", { className: "queue-head" },
      element("h3", { className: "queue-title", text: b.title }),
      element("span", { className: "pill", dataset: { state: b.state }, text: t(`office.state.${b.state}`) })),
    facts, ...notes, moveFields, reasonLabel, reason, actions,
    element("p", { className: "queue-error form-error", role: "alert", hidden: true }));
}

async function onClick(event) {
  const target = event.target.closest("button[data-act]");
  if (!target) return;
  const id = Number(target.dataset.bookingId);
  const li = target.closest(".queue-card");
  const booking = office.bookings.find((b) => b.id === id);
  const reason = li.querySelector(".queue-reason").value.trim();
  const error = li.querySelector(".queue-error");
  const act = target.dataset.act;
  error.hidden = true;
  let body = {};
  if (act === "approve") {
    if (booking.lead_time && booking.lead_time.ok === false) body.lead_override_reason = reason || null;
    if ((booking.conflicts || []).length) body.conflict_override_reason = reason || null;
    body = Object.fromEntries(Object.entries(body).filter(([, v]) => v));
  } else if (act === "reschedule") {
    const move = li.querySelector(".queue-move");
    if (move.hidden) {
      move.hidden = false; // first click shows the new time's fields
      li.querySelector(`#move-start-${id}`).focus();
      return;
    }
    body = {
      starts_at: toInstant(li.querySelector(`#move-start-${id}`).value),
      ends_at: toInstant(li.querySelector(`#move-end-${id}`).value),
      reason,
    };
  } else if (act === "reject" || act === "cancel") {
    body = reason ? { reason } : {};
  } else if (act === "decline") {
    body = reason ? { note: reason } : {};
  }
  target.disabled = true;
  try {
    await api("POST", `/api/bookings/${id}/${act}`, body);
    drafts.delete(id);
    await loadQueue();
    loadCalendar();
  } catch (err) {
    error.textContent = errorMessage(err);
    error.hidden = false;
  } finally {
    target.disabled = false;
  }
}
