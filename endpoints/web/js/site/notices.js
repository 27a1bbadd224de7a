/*
 * notices.js — the session's official notices on the hall's screen (docs/protocol.md,
 * "Notices"): the invitation, the agenda, the conference's documents.
 *
 *   - `notices` (on joining) and `notice` (posted or withdrawn) keep `bridgeSite.notices`;
 *     a hall waiting for its session (`session_not_open`) reads them over HTTP with its join
 *     token instead (GET /api/sessions/{id}/hall/notices), so they are there before the
 *     session too;
 *   - a button in the corner says how many there are and how many are unread (amber while
 *     any is): the picture is never covered by a notice the hall did not open;
 *   - pressed, a panel over the screen lists them (each title whole, large type) with the
 *     chosen one's text and its document's download; a TV remote works it (arrows, OK,
 *     Escape/Back closes);
 *   - opening a notice is reading it: `notice_read {notice_id}` once per notice (over HTTP
 *     while not joined); downloading its document uses the join token too.
 */

import { requestFile, request } from "../common/api.js";
import { formatDateTime, t } from "../common/i18n.js";
import { byId as $, element } from "../common/dom.js";
import { send } from "./connection.js";
import { diag } from "./state.js";

const KINDS = ["invitation", "agenda", "document", "other"];

const dom = {
  button: $("site-notices-button"),
  count: $("site-notices-count"),
  unread: $("site-notices-unread"),
  panel: $("site-notices"),
  list: $("site-notices-list"),
  detail: $("site-notice-detail"),
  kind: $("site-notice-kind"),
  title: $("site-notice-title"),
  time: $("site-notice-time"),
  body: $("site-notice-body"),
  file: $("site-notice-file"),
  fileStatus: $("site-notice-file-status"),
  close: $("site-notices-close"),
  empty: $("site-notices-empty"),
};

diag.notices = [];
diag.noticeOpen = null; // the id shown in the panel, or null when the panel is closed
diag.noticeReadsSent = [];
let link = { sessionId: null, token: null };
const told = new Set(); // notice ids whose receipt this page sent (once each)

/** The join link, for the HTTP routes (main.js, once the link is read). */
export function setNoticesLink(sessionId, token) {
  link = { sessionId, token };
}

export function bindNotices() {
  dom.button.addEventListener("click", () => openPanel());
  dom.close.addEventListener("click", () => closePanel());
  dom.file.addEventListener("click", () => download());
  document.addEventListener("keydown", (event) => {
    if (dom.panel.hidden) return;
    if (event.key === "Escape" || event.key === "BrowserBack" || event.key === "GoBack") {
      event.preventDefault();
      closePanel();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      moveFocus(event.key === "ArrowDown" ? 1 : -1);
    }
  });
}

/** `notices` / `notice` from the bridge. */
export function onNoticeMessage(message) {
  if (message.type === "notices") {
    diag.notices = (message.notices || []).filter((n) => !n.withdrawn_at);
  } else if (message.type === "notice" && message.notice) {
    upsert(message.notice);
  }
  if (diag.noticeOpen !== null && !diag.notices.some((n) => n.id === diag.noticeOpen)) {
    diag.noticeOpen = diag.notices.length ? diag.notices[0].id : null;
    if (diag.noticeOpen === null) closePanel();
  }
  renderNotices();
}

function upsert(entry) {
  const i = diag.notices.findIndex((n) => n.id === entry.id);
  if (entry.withdrawn_at) {
    if (i >= 0) diag.notices.splice(i, 1);
    return;
  }
  const kept = i >= 0 ? { ...entry, read: entry.read || diag.notices[i].read } : entry;
  if (i >= 0) diag.notices[i] = kept;
  else diag.notices.push(kept);
}

/** The session is not open yet: its notices over HTTP, with the join token. */
export async function loadWaitingNotices() {
  if (!link.sessionId || !link.token) return;
  try {
    const reply = await request("GET", `/api/sessions/${link.sessionId}/hall/notices`, {
      token: link.token,
    });
    onNoticeMessage({ type: "notices", notices: reply.notices || [] });
  } catch (err) {
    console.warn("bridge site: notices not read", err);
  }
}

function openPanel(id = null) {
  if (!diag.notices.length) return;
  const firstUnread = diag.notices.find((n) => !n.read);
  dom.panel.hidden = false;
  choose(id ?? (firstUnread || diag.notices[0]).id);
  const current = dom.list.querySelector('[aria-current="true"]');
  if (current) current.focus();
}

function closePanel() {
  const wasOpen = !dom.panel.hidden;
  diag.noticeOpen = null;
  dom.panel.hidden = true;
  renderNotices();
  if (wasOpen && !dom.button.hidden) dom.button.focus();
}

function choose(id) {
  diag.noticeOpen = id;
  const notice = diag.notices.find((n) => n.id === id);
  if (notice && !notice.read) markRead(notice);
  renderNotices();
}

/** The hall opened the notice: its receipt, once (the bridge keeps the first anyway). */
function markRead(notice) {
  notice.read = true;
  if (told.has(notice.id)) return;
  told.add(notice.id);
  diag.noticeReadsSent.push(notice.id);
  const joined = Boolean(diag.site) && diag.state !== "waiting";
  if (joined && send({ type: "notice_read", notice_id: notice.id })) return;
  if (!link.sessionId || !link.token) return;
  const path = `/api/sessions/${link.sessionId}/hall/notices/${notice.id}/read`;
  request("POST", path, { token: link.token }).catch((err) => {
    told.delete(notice.id); // tried again next time it is opened
    console.warn("bridge site: receipt not sent", err);
  });
}

async function download() {
  const notice = diag.notices.find((n) => n.id === diag.noticeOpen);
  if (!notice || !notice.file_name || !link.token) return;
  dom.fileStatus.textContent = t("site.notices.downloading");
  try {
    const path = `/api/sessions/${link.sessionId}/hall/notices/${notice.id}/file`;
    const { blob, filename } = await requestFile(path, { token: link.token });
    const url = URL.createObjectURL(blob);
    const a = element("a", { href: url, download: filename || notice.file_name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    dom.fileStatus.textContent = t("site.notices.downloaded", { name: filename || notice.file_name });
  } catch (err) {
    dom.fileStatus.textContent = err && err.text ? err.text() : String(err);
  }
}

function moveFocus(step) {
  const items = [...dom.list.querySelectorAll("button")];
  if (!items.length) return;
  const at = items.indexOf(document.activeElement);
  const next = items[(at + step + items.length) % items.length];
  next.focus();
  choose(Number(next.dataset.noticeId));
  next.focus();
}

function sizeText(bytes) {
  if (bytes == null) return "";
  if (bytes < 1024 * 1024) return t("site.notices.kb", { n: Math.max(1, Math.round(bytes / 1024)) });
  return t("site.notices.mb", { n: (bytes / (1024 * 1024)).toFixed(1) });
}

export function renderNotices() {
  const total = diag.notices.length;
  const unread = diag.notices.filter((n) => !n.read).length;
  const final = ["ended", "invalid_link", "replaced", "removed", "unsupported"].includes(diag.state);
  dom.button.hidden = total === 0 || final;
  dom.button.dataset.unread = String(unread > 0);
  dom.count.textContent = t("site.notices.button", { count: total });
  dom.unread.hidden = unread === 0;
  dom.unread.textContent = t("site.notices.unread", { count: unread });
  if (final || total === 0) {
    dom.panel.hidden = true;
    return;
  }
  if (dom.panel.hidden) return;
  const focusedId = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.noticeId
    : undefined;
  dom.list.replaceChildren(
    ...diag.notices.map((n) =>
      element(
        "li",
        {},
        element(
          "button",
          {
            type: "button",
            className: "site-notices-item",
            dataset: { noticeId: String(n.id), read: String(Boolean(n.read)) },
            attrs: { "aria-current": String(n.id === diag.noticeOpen) },
            onclick: () => choose(n.id),
          },
          element("span", { className: "site-notices-item-kind", text: kindText(n.kind) }),
          element("span", { className: "site-notices-item-title", text: n.title }),
          n.read ? "" : element("span", { className: "site-notices-item-new", text: t("site.notices.new") }),
        ),
      ),
    ),
  );
  if (focusedId !== undefined) {
    const again = dom.list.querySelector(`[data-notice-id="${focusedId}"]`);
    if (again) again.focus();
  }
  dom.empty.hidden = total > 0;
  const notice = diag.notices.find((n) => n.id === diag.noticeOpen);
  dom.detail.hidden = !notice;
  if (!notice) return;
  dom.detail.dataset.noticeId = String(notice.id);
  dom.kind.textContent = kindText(notice.kind);
  dom.title.textContent = notice.title;
  dom.time.textContent = t("site.notices.posted", { at: formatDateTime(new Date(notice.posted_at)) });
  dom.body.textContent = notice.body || "";
  dom.body.hidden = !notice.body;
  dom.file.hidden = !notice.file_name;
  if (notice.file_name) {
    dom.file.textContent = t("site.notices.download", {
      name: notice.file_name,
      size: sizeText(notice.file_size),
    });
  }
  if (dom.detail.dataset.shown !== String(notice.id)) dom.fileStatus.textContent = "";
  dom.detail.dataset.shown = String(notice.id);
}

function kindText(kind) {
  return t(`site.notices.kind.${KINDS.includes(kind) ? kind : "other"}`);
}
