/*
 * calendar.js — the calendar tab: a week (seven day columns) or a month (a grid of
 * weeks), each day with its holiday or declared day, each session or booking with its
 * time, title and hall count; under it the halls busy in that range, day by day, with
 * clashes marked. GET /api/calendar?from=&until= (at most 62 days: a month grid is 42).
 */

import { byId, element } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { dayInfo, itemsByDay, occupancy } from "./calendar-model.js";
import { showItem } from "./detail.js";
import { api, errorMessage, office } from "./state.js";
import {
  addDays,
  dayLabel,
  monthGrid,
  monthOf,
  officeClock,
  officeDay,
  shiftMonth,
  weekDays,
  weekdayOf,
} from "./time.js";

export function bindCalendar() {
  byId("cal-prev").addEventListener("click", () => move(-1));
  byId("cal-next").addEventListener("click", () => move(1));
  byId("cal-today").addEventListener("click", () => {
    office.calendar.anchor = officeDay(new Date());
    loadCalendar();
  });
  for (const button of document.querySelectorAll("[data-cal-mode]")) {
    button.addEventListener("click", () => {
      office.calendar.mode = button.dataset.calMode;
      loadCalendar();
    });
  }
  byId("cal-grid").addEventListener("click", onItemClick);
  byId("occupancy").addEventListener("click", onItemClick);
}

function onItemClick(event) {
  const target = event.target.closest("[data-item-kind]");
  if (!target) return;
  showItem(target.dataset.itemKind, Number(target.dataset.itemId));
}

function move(by) {
  const cal = office.calendar;
  cal.anchor = cal.mode === "week" ? addDays(cal.anchor, 7 * by) : shiftMonth(cal.anchor, by);
  loadCalendar();
}

function shownDays() {
  const cal = office.calendar;
  return cal.mode === "week" ? weekDays(cal.anchor) : monthGrid(cal.anchor).flat();
}

export async function loadCalendar() {
  const cal = office.calendar;
  if (!cal.anchor) cal.anchor = officeDay(new Date());
  const days = shownDays();
  const status = byId("cal-status");
  status.textContent = t("office.loading");
  try {
    const data = await api("GET", `/api/calendar?from=${days[0]}&until=${days[days.length - 1]}`);
    cal.days = days;
    cal.items = data.items || [];
    cal.info = dayInfo(data.days);
    status.textContent = "";
  } catch (err) {
    cal.days = days;
    cal.items = [];
    cal.info = new Map();
    status.textContent = errorMessage(err);
  }
  renderCalendar();
}

/** Read the shown days again, quietly: re-drawn only when something changed (a session
 * opened, closed, began or stopped recording), so a calendar left open all morning does
 * not go on saying "in session · RECORDING" of a briefing that ended. */
export async function refreshCalendar() {
  const cal = office.calendar;
  if (!cal.days || !cal.days.length) return;
  const days = cal.days;
  let data;
  try {
    data = await api("GET", `/api/calendar?from=${days[0]}&until=${days[days.length - 1]}`);
  } catch {
    return; // the next round tries again; an explicit reload shows the error
  }
  if (cal.days !== days) return; // the user moved on meanwhile
  const items = data.items || [];
  if (JSON.stringify(items) === JSON.stringify(cal.items)) return;
  cal.items = items;
  cal.info = dayInfo(data.days);
  renderCalendar();
}

export function renderCalendar() {
  const cal = office.calendar;
  const days = cal.days;
  if (!days.length) return;
  for (const button of document.querySelectorAll("[data-cal-mode]")) {
    button.setAttribute("aria-pressed", String(button.dataset.calMode === cal.mode));
  }
  byId("cal-range").textContent =
    cal.mode === "week"
      ? `${dayLabel(days[0])} – ${dayLabel(days[6])}`
      : t("office.calendar.month_of", { month: dayLabel(`${monthOf(cal.anchor)}-01`).slice(3) });
  const grid = byId("cal-grid");
  grid.dataset.mode = cal.mode;
  const byDay = itemsByDay(cal.items, days);
  const heads = Array.from({ length: 7 }, (_, i) =>
    element("div", { className: "cal-weekday", text: t(`office.weekday.${i}`) }),
  );
  const month = monthOf(cal.anchor);
  const today = officeDay(new Date());
  const cells = days.map((day) => dayCell(day, byDay.get(day), cal.info.get(day), {
    outside: cal.mode === "month" && monthOf(day) !== month,
    today: day === today,
  }));
  grid.replaceChildren(...heads, ...cells);
  renderOccupancy(days);
}

function dayCell(day, items, info, { outside, today }) {
  const off = info ? !info.working : weekdayOf(day) >= 5;
  const head = element("div", { className: "cal-day-head" },
    element("span", { className: "cal-date", text: dayLabel(day) }));
  if (info && info.holiday) head.append(element("span", { className: "cal-holiday", text: info.holiday }));
  else if (info && info.declared) {
    head.append(element("span", { className: "cal-holiday", text: t(`office.calendar.declared_${info.declared}`) }));
  }
  const list = element("ul", { className: "cal-items" }, ...items.map(itemEntry));
  return element("section", {
    className: "cal-day",
    dataset: { day, off: String(off), outside: String(outside), today: String(today) },
    attrs: { "aria-label": dayLabel(day) },
  }, head, list);
}

function itemEntry(item) {
  const time = `${officeClock(item.starts_at)}${item.ends_at ? `–${officeClock(item.ends_at)}` : ""}`;
  const halls = (item.site_ids || []).length;
  return element("li", { className: "cal-item-li" },
    element("button", {
      type: "button",
      className: "cal-item",
      dataset: { itemKind: item.kind, itemId: String(item.id), state: item.state },
    },
    element("span", { className: "cal-item-time", text: time }),
    element("span", { className: "cal-item-title", text: item.title }),
    element("span", { className: "cal-item-meta" },
      element("span", { className: "pill", dataset: { state: item.state }, text: t(`office.state.${item.state}`) }),
      item.recording ? element("span", { className: "pill pill-recording", text: t("office.recording.badge") }) : "",
      element("span", { className: "cal-item-halls", text: t("office.calendar.halls", { count: halls }) }))));
}

function occButton(item, clash, withDay) {
  const when = `${withDay ? `${dayLabel(officeDay(item.starts_at)).slice(0, 5)} ` : ""}${officeClock(item.starts_at)}`;
  return element("button", {
    type: "button",
    className: "occ-item",
    dataset: { itemKind: item.kind, itemId: String(item.id), clash: String(clash), state: item.state },
    attrs: { title: item.title },
    text: clash ? `${when} ⚠` : when,
  });
}

/** The halls busy in the range: a column a day in a week; in a month, one column where
 * each busy time (day and hour) follows the other, wrapping, so nothing is ever cut. */
function renderOccupancy(days) {
  const cal = office.calendar;
  const week = cal.mode === "week";
  const shown = week ? days : days.filter((d) => monthOf(d) === monthOf(cal.anchor));
  const rows = occupancy(cal.items, office.sites, shown);
  const columns = week
    ? shown.map((d) => element("th", { scope: "col", className: "occ-day", text: t(`office.weekday.${weekdayOf(d)}`) + " " + dayLabel(d).slice(0, 5) }))
    : [element("th", { scope: "col", className: "occ-day", text: t("office.occupancy.busy") })];
  const head = element("tr", {},
    element("th", { scope: "col", className: "occ-hall", text: t("office.occupancy.hall") }), ...columns);
  const body = rows.map((row) => {
    const cells = week
      ? shown.map((d) => element("td", { className: "occ-cell" },
        ...row.days.get(d).map(({ item, clash }) => occButton(item, clash, false))))
      : [element("td", { className: "occ-cell occ-cell-month" },
        ...shown.flatMap((d) => row.days.get(d)
          .filter(({ item }) => officeDay(item.starts_at) === d)
          .map(({ item, clash }) => occButton(item, clash, true))))];
    return element("tr", { dataset: { siteId: String(row.site_id) } },
      element("th", { scope: "row", className: "occ-hall occ-name", text: row.name }), ...cells);
  });
  const table = byId("occupancy");
  table.dataset.mode = cal.mode;
  table.replaceChildren(element("thead", {}, head), element("tbody", {}, ...body));
  byId("occupancy-empty").hidden = rows.length > 0;
}
