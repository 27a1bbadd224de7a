/*
 * main.js — the office page (office.html, GET /office): log in with an office, admin or
 * organiser account; the calendar by week and month with the halls' occupancy, the
 * approval queue, the booking form with live lead-time and conflict feedback, the
 * notifications; a session's roster, notices and invitations beside the calendar.
 * Separate from the live console: nothing here runs a session. Vietnamese first.
 *
 *   time.js, calendar-model.js, feedback.js, booking-body.js   pure rules (node tests)
 *   state.js     what the page knows (window.bridgeOffice) and its API calls
 *   calendar.js, detail.js, print.js   the calendar, an item's panel, invitations
 *   notice-model.js (pure), notices.js   a session's notices and read receipts (its panel)
 *   queue.js, booking-form.js, notifications.js   the other tabs
 *   reports.js   the reports tab (a quarter or a range), a closed session's report
 */

import { ApiError } from "../common/api.js";
import { byId } from "../common/dom.js";
import { bindLangButtons, detectLang, onLangChange, setLang, t } from "../common/i18n.js";
import { fillHosts, bindBookingForm, renderRosterPicker } from "./booking-form.js";
import { bindCalendar, loadCalendar, refreshCalendar, renderCalendar } from "./calendar.js";
import { bindDetail } from "./detail.js";
import { renderNotices } from "./notices.js";
import { bindNotifications, loadNotifications, renderNotifications } from "./notifications.js";
import { bindPrint, closeInvitation } from "./print.js";
import { bindQueue, loadQueue, renderQueue } from "./queue.js";
import { bindReports, renderReports } from "./reports.js";
import { api, isOffice, loadAuth, office, setAuth } from "./state.js";

const CALENDAR_REFRESH_MS = 15_000; // sessions open, close and record while the page is open
const TABS = ["calendar", "queue", "book", "notifications", "reports"];

function setView(view) {
  document.body.dataset.view = view;
  byId("login-view").hidden = view !== "login";
  byId("work-view").hidden = view !== "work";
  byId("logout-button").hidden = view !== "work";
  byId("office-account").hidden = view !== "work";
  office.state = view === "work" ? "ready" : "logged_out";
}

export function showTab(name) {
  for (const tab of TABS) {
    const button = byId(`tab-${tab}`);
    button.setAttribute("aria-selected", String(tab === name));
    button.tabIndex = tab === name ? 0 : -1;
    byId(`panel-${tab}`).hidden = tab !== name;
  }
}

async function enter() {
  setView("work");
  const who = office.auth.operator;
  byId("office-account").textContent = t("office.account", {
    name: who.username,
    role: t(`role.${who.role}`),
  });
  byId("tab-queue-label").textContent = t(isOffice() ? "office.tab.queue" : "office.tab.mine");
  const { sites } = await api("GET", "/api/sites");
  office.sites = sites;
  office.siteById = new Map(sites.map((s) => [s.id, s]));
  fillHosts();
  showTab("calendar");
  await Promise.all([loadCalendar(), loadQueue(), loadNotifications()]);
  if (!office.calendarTimer) {
    office.calendarTimer = setInterval(() => {
      if (document.visibilityState === "visible" && office.auth) refreshCalendar();
    }, CALENDAR_REFRESH_MS);
  }
}

async function onLogin(event) {
  event.preventDefault();
  const username = byId("login-username").value.trim();
  const password = byId("login-password").value;
  const error = byId("login-error");
  error.hidden = true;
  if (!username || !password) {
    error.textContent = t("console.login.missing");
    error.hidden = false;
    return;
  }
  const submit = byId("login-submit");
  submit.disabled = true;
  try {
    const data = await api("POST", "/api/login", { username, password });
    if (!["admin", "office", "organiser"].includes(data.operator.role)) {
      error.textContent = t("office.login.wrong_role");
      error.hidden = false;
      return;
    }
    setAuth({ token: data.token, expires_at: data.expires_at, operator: data.operator });
    byId("login-password").value = "";
    await enter();
  } catch (err) {
    error.textContent = err instanceof ApiError ? err.text() : t("error.unknown");
    error.hidden = false;
  } finally {
    submit.disabled = false;
  }
}

async function logout() {
  const token = office.auth && office.auth.token;
  setAuth(null);
  closeInvitation();
  setView("login");
  if (token) {
    try {
      await api("POST", "/api/logout");
    } catch {
      /* the token is forgotten here whatever the bridge says */
    }
  }
}

function bindTabs() {
  const list = byId("office-tabs");
  list.addEventListener("click", (event) => {
    const button = event.target.closest("[role=tab]");
    if (button) showTab(button.id.replace("tab-", ""));
  });
  list.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    const current = TABS.findIndex((tab) => byId(`tab-${tab}`).getAttribute("aria-selected") === "true");
    const next = TABS[(current + (event.key === "ArrowRight" ? 1 : TABS.length - 1)) % TABS.length];
    showTab(next);
    byId(`tab-${next}`).focus();
  });
}

async function main() {
  byId("login-form").addEventListener("submit", onLogin);
  byId("logout-button").addEventListener("click", logout);
  office.onUnauthorized = () => {
    setAuth(null);
    setView("login");
  };
  bindLangButtons();
  bindTabs();
  bindCalendar();
  bindDetail();
  bindQueue();
  bindBookingForm();
  bindNotifications();
  bindPrint();
  bindReports();
  try {
    await setLang(detectLang());
  } catch (err) {
    console.warn("bridge office:", err);
  }
  onLangChange(() => {
    if (office.state !== "ready") return;
    renderCalendar();
    renderQueue();
    renderNotifications();
    renderRosterPicker();
    renderNotices();
    renderReports();
  });
  const saved = loadAuth();
  if (saved) {
    office.auth = saved;
    try {
      await enter();
      return;
    } catch {
      setAuth(null);
    }
  }
  setView("login");
}

main();
