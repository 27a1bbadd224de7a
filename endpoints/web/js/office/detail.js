/*
 * detail.js — the panel beside the calendar for the item clicked: a session's roster
 * (its organiser or the office adds and removes halls: POST/DELETE
 * /api/sessions/{id}/roster), its notices with every hall's read receipt, posted and
 * withdrawn there (notices.js), its recordings (recordings.js), and each hall's invitation
 * (print, .ics); a booking's
 * request as the office sees it.
 */

import { byId, element } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { bindNotices, noticesSection } from "./notices.js";
import { recordingsSection } from "./recordings.js";
import { openInvitation, saveCalendarFile } from "./print.js";
import { sessionReportSection } from "./reports.js";
import { api, errorMessage, office, siteName } from "./state.js";
import { officeSpan } from "./time.js";

let shown = null; // {kind, id}

function say(text) {
  byId("detail-status").textContent = text;
}

function failed(err) {
  say(errorMessage(err));
}

export function bindDetail() {
  byId("detail-close").addEventListener("click", () => {
    byId("item-detail").hidden = true;
    shown = null;
  });
  bindNotices(byId("detail-body"));
  byId("detail-body").addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-do]");
    if (!button || !shown) return;
    const siteId = Number(button.dataset.siteId);
    button.disabled = true;
    try {
      if (button.dataset.do === "print") await openInvitation(shown.id, siteId);
      else if (button.dataset.do === "ics") await saveCalendarFile(shown.id, siteId);
      else if (button.dataset.do === "remove") {
        await api("DELETE", `/api/sessions/${shown.id}/roster/${siteId}`);
        await showItem("session", shown.id);
      } else if (button.dataset.do === "add") {
        const chosen = Number(byId("detail-add-site").value);
        if (chosen) {
          await api("POST", `/api/sessions/${shown.id}/roster`, { site_id: chosen });
          await showItem("session", shown.id);
        }
      }
    } catch (err) {
      failed(err);
    } finally {
      button.disabled = false;
    }
  });
}

export async function showItem(kind, id) {
  shown = { kind, id };
  const panel = byId("item-detail");
  panel.hidden = false;
  say(t("office.loading"));
  try {
    if (kind === "session") await showSession(id);
    else await showBooking(id);
    say("");
  } catch (err) {
    failed(err);
  }
}

function fact(label, value) {
  return element("div", { className: "detail-fact" },
    element("dt", { text: label }), element("dd", { text: value }));
}

async function showSession(id) {
  const { session } = await api("GET", `/api/sessions/${id}`);
  const schedule = await api("GET", `/api/sessions/${id}/schedule`).catch(() => null);
  byId("detail-title").textContent = session.title;
  const when = schedule && schedule.schedule.starts_at
    ? officeSpan(schedule.schedule.starts_at, schedule.schedule.ends_at) : t("office.detail.no_time");
  const facts = element("dl", { className: "detail-facts" },
    fact(t("office.detail.state"), t(`office.state.${session.state}`)),
    fact(t("office.detail.when"), when),
    fact(t("office.detail.host"), siteName(session.host_site_id)));
  const open = session.state !== "closed";
  const halls = session.roster.map((siteId) => element("li", { className: "detail-hall", dataset: { siteId: String(siteId) } },
    element("span", { className: "detail-hall-name", text: siteName(siteId) }),
    element("span", { className: "detail-hall-actions" },
      element("button", { type: "button", className: "button button-small", dataset: { do: "print", siteId: String(siteId) }, text: t("office.invitation.open"), disabled: !open }),
      element("button", { type: "button", className: "button button-small", dataset: { do: "ics", siteId: String(siteId) }, text: t("office.invitation.ics"), disabled: !open }),
      siteId === session.host_site_id ? "" : element("button", { type: "button", className: "button button-small button-danger", dataset: { do: "remove", siteId: String(siteId) }, text: t("office.roster.remove"), disabled: !open }))));
  const others = office.sites.filter((s) => !session.roster.includes(s.id));
  const add = element("div", { className: "detail-add" },
    element("label", { htmlFor: "detail-add-site", text: t("office.roster.add_label") }),
    element("select", { id: "detail-add-site" },
      ...others.map((s) => element("option", { value: String(s.id), text: s.name }))),
    element("button", { type: "button", className: "button button-small", dataset: { do: "add" }, text: t("office.roster.add"), disabled: !open || !others.length }));
  const notices = await noticesSection(session);
  const recordings = await recordingsSection(session); // issue 14
  byId("detail-body").replaceChildren(facts, sessionReportSection(session),
    element("h3", { text: t("office.detail.roster", { count: session.roster.length }) }),
    element("ul", { className: "detail-halls" }, ...halls), add, notices, recordings);
}

async function showBooking(id) {
  const { booking } = await api("GET", `/api/bookings/${id}`);
  byId("detail-title").textContent = booking.title;
  const facts = element("dl", { className: "detail-facts" },
    fact(t("office.detail.state"), t(`office.state.${booking.state}`)),
    fact(t("office.detail.when"), officeSpan(booking.starts_at, booking.ends_at)),
    fact(t("office.detail.host"), siteName(booking.host_site_id)),
    fact(t("office.detail.organiser"), booking.organiser ? booking.organiser.username : "—"));
  const halls = booking.roster.map((siteId) => element("li", { className: "detail-hall" },
    element("span", { className: "detail-hall-name", text: siteName(siteId) })));
  const body = [facts, element("h3", { text: t("office.detail.roster", { count: booking.roster.length }) }),
    element("ul", { className: "detail-halls" }, ...halls)];
  if (booking.session_id) {
    body.push(element("button", { type: "button", className: "button", text: t("office.detail.open_session"),
      onclick: () => showItem("session", booking.session_id) }));
  }
  byId("detail-body").replaceChildren(...body);
}
