/*
 * booking-form.js — the booking form: title, agenda, host hall, roster (a filtered
 * checklist for a hundred halls, names whole), start and end, test window, notes,
 * repeat. While it is filled, POST /api/bookings/check (debounced, only the newest answer
 * shown) says the earliest day the lead time allows and names every session a hall is
 * already booked into. POST /api/bookings sends it.
 */

import { byId, element } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { bookingBody, filterSites } from "./booking-body.js";
import { loadCalendar } from "./calendar.js";
import { debounce, feedbackLines, latestOnly } from "./feedback.js";
import { loadQueue } from "./queue.js";
import { api, errorMessage, isOffice, office } from "./state.js";

export const CHECK_DELAY_MS = 400;
const chosen = new Set();
const latest = latestOnly();

function values() {
  const form = byId("booking-form");
  const get = (name) => form.elements[name].value;
  return {
    title: get("title"),
    agenda: get("agenda"),
    notes: get("notes"),
    host_site_id: get("host_site_id"),
    roster: [...chosen],
    starts: get("starts"),
    ends: get("ends"),
    test_from: get("test_from"),
    test_until: get("test_until"),
    repeat: get("repeat"),
    repeat_day: get("repeat_day"),
    repeat_until: get("repeat_until"),
    repeat_count: get("repeat_count"),
    lead_override_reason: get("lead_override_reason"),
    record: form.elements.record.checked, // issue 14
  };
}

const scheduleCheck = debounce(runCheck, CHECK_DELAY_MS);

export function bindBookingForm() {
  const form = byId("booking-form");
  form.addEventListener("input", (event) => {
    if (event.target.id === "roster-filter") renderRosterPicker();
    else scheduleCheck();
  });
  form.addEventListener("change", (event) => {
    if (event.target.matches(".roster-option input")) {
      const id = Number(event.target.value);
      if (event.target.checked) chosen.add(id);
      else chosen.delete(id);
      renderRosterCount();
    }
    if (event.target.name === "repeat") renderRepeat();
    scheduleCheck();
  });
  byId("roster-all").addEventListener("click", () => {
    for (const site of filterSites(office.sites, byId("roster-filter").value)) chosen.add(site.id);
    renderRosterPicker();
    scheduleCheck();
  });
  byId("roster-none").addEventListener("click", () => {
    chosen.clear();
    renderRosterPicker();
    scheduleCheck();
  });
  form.addEventListener("submit", onSubmit);
}

export function fillHosts() {
  const host = byId("booking-host");
  host.replaceChildren(element("option", { value: "", text: t("office.form.host_choose") }),
    ...office.sites.map((s) => element("option", { value: String(s.id), text: s.name })));
  renderRosterPicker();
  renderRepeat();
  byId("lead-override").hidden = true;
}

export function renderRosterPicker() {
  const shown = filterSites(office.sites, byId("roster-filter").value);
  byId("roster-options").replaceChildren(...shown.map((site) => element("li", { className: "roster-option" },
    element("label", {},
      element("input", { type: "checkbox", value: String(site.id), checked: chosen.has(site.id) }),
      element("span", { className: "roster-name", text: site.name })))));
  renderRosterCount();
}

function renderRosterCount() {
  byId("roster-count").textContent = t("office.form.roster_count", { count: chosen.size });
}

function renderRepeat() {
  const kind = byId("booking-form").elements.repeat.value;
  byId("repeat-fields").hidden = kind === "none";
  byId("repeat-day-field").hidden = kind !== "monthly_after";
}

async function runCheck() {
  const { body, missing } = bookingBody(values());
  const box = byId("booking-feedback");
  if (missing.length) {
    box.dataset.state = "incomplete";
    box.replaceChildren(element("li", { className: "feedback-line", dataset: { level: "idle" }, text: t("office.check.incomplete") }));
    return;
  }
  const ticket = latest.next();
  office.checks += 1;
  box.dataset.state = "checking";
  try {
    const { check } = await api("POST", "/api/bookings/check", body);
    if (!latest.isCurrent(ticket)) return; // a newer check is on its way
    office.lastCheck = check;
    showFeedback(check);
  } catch (err) {
    if (!latest.isCurrent(ticket)) return;
    box.dataset.state = "error";
    box.replaceChildren(element("li", { className: "feedback-line", dataset: { level: "bad" }, text: errorMessage(err) }));
  }
}

export function showFeedback(check) {
  const box = byId("booking-feedback");
  box.dataset.state = "checked";
  box.replaceChildren(...feedbackLines(check).map((line) => element("li", {
    className: "feedback-line",
    dataset: { level: line.level, key: line.key },
    text: t(line.key, line.params),
  })));
  // The office may book inside the lead time, with a reason the bridge records.
  byId("lead-override").hidden = !(isOffice() && check.lead_time && !check.lead_time.ok);
}

async function onSubmit(event) {
  event.preventDefault();
  const { body, missing } = bookingBody(values(), { withRepeat: true });
  const error = byId("booking-error");
  const done = byId("booking-done");
  error.hidden = true;
  done.hidden = true;
  if (missing.length) {
    error.textContent = t("office.check.incomplete");
    error.hidden = false;
    return;
  }
  scheduleCheck.cancel();
  const submit = byId("booking-submit");
  submit.disabled = true;
  try {
    const reply = await api("POST", "/api/bookings", body);
    done.textContent = t("office.form.sent", { count: (reply.bookings || [reply.booking]).length });
    done.hidden = false;
    byId("booking-form").reset();
    chosen.clear();
    fillHosts();
    byId("booking-feedback").replaceChildren();
    loadQueue();
    loadCalendar();
  } catch (err) {
    error.textContent = errorMessage(err);
    error.hidden = false;
  } finally {
    submit.disabled = false;
  }
}
