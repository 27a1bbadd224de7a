/*
 * notices.js — a session's notices in its panel (docs/office.md, "Notices"): each notice
 * with every hall's read receipt (which halls read it and when, which have not), the form
 * that posts one — kind, title, text, an optional document, sent as multipart/form-data
 * to POST /api/sessions/{id}/notices — and withdrawing one after a confirmation
 * (DELETE …/notices/{notice_id}). A refusal is shown next to the field it names.
 */

import { byId, element } from "../common/dom.js";
import { formatDateTime, t } from "../common/i18n.js";
import { KIND_KEYS, NOTICE_FIELDS, NOTICE_KINDS, receiptRows, refusalPlace } from "./notice-model.js";
import { api, errorMessage, office, siteName } from "./state.js";

// What bridge/notices/files.py accepts (it checks the content too; this only helps pick).
const ACCEPT = ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp";

// The notices shown, kept to re-render them in another language without asking again.
const view = { sessionId: null, open: false, notices: [], expanded: new Set(), confirming: null };
office.noticeView = view;

function status(text) {
  const el = byId("notice-status");
  if (el) el.textContent = text;
}

function when(iso) {
  return formatDateTime(new Date(iso));
}

async function fetchNotices(sessionId) {
  return (await api("GET", `/api/sessions/${sessionId}/notices`)).notices || [];
}

/** The panel's notices section for a session: the list (asked now) and, unless the
 * session is closed, the posting form. */
export async function noticesSection(session) {
  if (view.sessionId !== session.id) view.expanded.clear();
  view.sessionId = session.id;
  view.open = session.state !== "closed";
  view.confirming = null;
  try {
    view.notices = await fetchNotices(session.id);
  } catch {
    view.notices = []; // a bridge without notices, or none the caller may read
  }
  const list = element("div", { id: "detail-notices" });
  list.replaceChildren(...noticeItems());
  return element("section", { className: "detail-notices-section" },
    element("div", { className: "detail-subhead" },
      element("h3", { text: t("office.detail.notices"), dataset: { i18n: "office.detail.notices" } }),
      element("button", { type: "button", id: "notices-refresh", className: "button button-small",
        dataset: { noticeDo: "refresh", i18n: "office.notices.refresh" }, text: t("office.notices.refresh") })),
    element("p", { id: "notice-status", className: "muted-text", attrs: { role: "status", "aria-live": "polite" } }),
    list,
    view.open ? noticeForm() : "");
}

/** The list again from what is kept (a language change). */
export function renderNotices() {
  const list = byId("detail-notices");
  if (list) list.replaceChildren(...noticeItems());
}

async function refreshNotices() {
  view.notices = await fetchNotices(view.sessionId);
  renderNotices();
}

function noticeItems() {
  if (!view.notices.length) {
    return [element("p", { className: "muted-text", text: t("office.notices.none") })];
  }
  return [element("ul", { className: "detail-notices" }, ...view.notices.map(noticeItem))];
}

function noticeItem(n) {
  const withdrawn = Boolean(n.withdrawn_at);
  const rows = receiptRows(n);
  const receipts = element("details", {
    className: "notice-receipts",
    open: view.expanded.has(n.id),
    ontoggle: (event) => {
      if (event.target.open) view.expanded.add(n.id);
      else view.expanded.delete(n.id);
    },
  },
  element("summary", { className: "detail-notice-reads",
    text: t("office.notices.reads", { read: (n.reads || []).length, unread: (n.unread_site_ids || []).length }) }),
  element("ul", { className: "receipt-list" }, ...rows.map((row) => element("li", {
    className: "receipt", dataset: { siteId: String(row.siteId), read: String(row.readAt !== null) } },
  element("span", { className: "receipt-name", text: siteName(row.siteId) }),
  element("span", { className: "receipt-time",
    text: row.readAt ? t("office.notices.read_at", { at: when(row.readAt) }) : t("office.notices.unread") })))));
  const meta = [t("office.notices.posted_at", { at: when(n.posted_at) })];
  if (n.file_name) meta.push(t("office.notices.file_name", { name: n.file_name }));
  if (withdrawn) meta.push(t("office.notices.withdrawn_at", { at: when(n.withdrawn_at) }));
  const item = element("li", { className: "detail-notice",
    dataset: { noticeId: String(n.id), withdrawn: String(withdrawn) } },
  element("div", { className: "detail-notice-head" },
    element("span", { className: "pill notice-kind", text: t(KIND_KEYS[n.kind] || KIND_KEYS.other) }),
    element("span", { className: "detail-notice-title", text: n.title })),
  element("p", { className: "detail-notice-meta", text: meta.join(" · ") }),
  receipts);
  if (!withdrawn && view.open) {
    if (view.confirming === n.id) {
      item.append(element("div", { className: "notice-confirm", attrs: { role: "group" } },
        element("p", { className: "notice-confirm-text", text: t("office.notices.withdraw_confirm", { title: n.title }) }),
        element("button", { type: "button", className: "button button-small button-danger",
          dataset: { noticeDo: "withdraw-yes", noticeId: String(n.id) }, text: t("office.notices.withdraw_yes") }),
        element("button", { type: "button", className: "button button-small",
          dataset: { noticeDo: "withdraw-no" }, text: t("office.notices.withdraw_no") })));
    } else {
      item.append(element("button", { type: "button", className: "button button-small button-danger notice-withdraw",
        dataset: { noticeDo: "withdraw", noticeId: String(n.id) }, text: t("office.notices.withdraw") }));
    }
  }
  return item;
}

function labelled(name, key, control) {
  control.id = `notice-${name}`;
  control.name = name;
  const error = element("p", { id: `notice-${name}-error`, className: "field-error", hidden: true });
  control.setAttribute("aria-describedby", error.id);
  return [element("label", { htmlFor: control.id, text: t(key), dataset: { i18n: key } }), control, error];
}

function noticeForm() {
  const kinds = element("select", {}, ...NOTICE_KINDS.map((kind) => element("option",
    { value: kind, text: t(KIND_KEYS[kind]), dataset: { i18n: KIND_KEYS[kind] } })));
  return element("form", { id: "notice-form", className: "notice-form", noValidate: true },
    element("h4", { text: t("office.notices.post_heading"), dataset: { i18n: "office.notices.post_heading" } }),
    ...labelled("kind", "office.notices.kind", kinds),
    ...labelled("title", "office.notices.title", element("input", { type: "text", maxLength: 300 })),
    ...labelled("body", "office.notices.body", element("textarea", { rows: 3, maxLength: 10000 })),
    ...labelled("file", "office.notices.file", element("input", { type: "file", accept: ACCEPT })),
    element("p", { id: "notice-form-error", className: "form-error", hidden: true, attrs: { role: "alert" } }),
    element("button", { type: "submit", id: "notice-submit", className: "button button-primary",
      text: t("office.notices.submit"), dataset: { i18n: "office.notices.submit" } }));
}

function clearRefusals() {
  for (const name of NOTICE_FIELDS) {
    const error = byId(`notice-${name}-error`);
    error.hidden = true;
    error.textContent = "";
    byId(`notice-${name}`).removeAttribute("aria-invalid");
  }
  byId("notice-form-error").hidden = true;
}

function showRefusal(err) {
  const { field, own } = refusalPlace(err);
  const text = own && err.text ? err.text() : errorMessage(err);
  const target = byId(field ? `notice-${field}-error` : "notice-form-error");
  target.textContent = text;
  target.hidden = false;
  if (field) {
    byId(`notice-${field}`).setAttribute("aria-invalid", "true");
    byId(`notice-${field}`).focus();
  }
}

async function postNotice(form) {
  clearRefusals();
  const sessionId = view.sessionId;
  const data = new FormData();
  data.append("kind", byId("notice-kind").value);
  data.append("title", byId("notice-title").value);
  data.append("body", byId("notice-body").value);
  const file = byId("notice-file").files[0];
  if (file) data.append("file", file, file.name);
  const submit = byId("notice-submit");
  submit.disabled = true;
  status(t("office.notices.sending"));
  try {
    const { notice } = await api("POST", `/api/sessions/${sessionId}/notices`, data);
    form.reset();
    if (view.sessionId !== sessionId) return;
    await refreshNotices();
    status(t("office.notices.posted", { title: notice.title }));
  } catch (err) {
    status("");
    showRefusal(err);
  } finally {
    submit.disabled = false;
  }
}

async function act(button) {
  const what = button.dataset.noticeDo;
  const noticeId = Number(button.dataset.noticeId);
  if (what === "withdraw" || what === "withdraw-no") {
    view.confirming = what === "withdraw" ? noticeId : null;
    renderNotices();
    return;
  }
  button.disabled = true;
  try {
    if (what === "withdraw-yes") {
      const { notice } = await api("DELETE", `/api/sessions/${view.sessionId}/notices/${noticeId}`);
      view.confirming = null;
      await refreshNotices();
      status(t("office.notices.withdrawn", { title: notice.title }));
    } else if (what === "refresh") {
      await refreshNotices();
      status("");
    }
  } catch (err) {
    status(errorMessage(err));
  } finally {
    button.disabled = false;
  }
}

/** The panel's body hands its notice buttons and form here (they are rebuilt often). */
export function bindNotices(body) {
  body.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-notice-do]");
    if (button && view.sessionId !== null) act(button);
  });
  body.addEventListener("submit", (event) => {
    if (event.target.id !== "notice-form") return;
    event.preventDefault();
    postNotice(event.target);
  });
}
