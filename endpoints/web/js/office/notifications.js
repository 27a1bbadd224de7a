/*
 * notifications.js — what the bridge told this account (GET /api/notifications, newest
 * first), each marked read when opened here (POST /api/notifications/{id}/read).
 */

import { byId, element } from "../common/dom.js";
import { currentLang, formatDateTime, t } from "../common/i18n.js";
import { api, office } from "./state.js";

export function bindNotifications() {
  byId("notification-list").addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-notification-id]");
    if (!button) return;
    button.disabled = true;
    try {
      await api("POST", `/api/notifications/${button.dataset.notificationId}/read`);
      await loadNotifications();
    } catch {
      button.disabled = false;
    }
  });
}

export async function loadNotifications() {
  try {
    const data = await api("GET", "/api/notifications");
    office.notifications = data.notifications || [];
  } catch {
    office.notifications = [];
  }
  renderNotifications();
}

export function renderNotifications() {
  const list = office.notifications;
  const unread = list.filter((n) => !n.read_at).length;
  byId("tab-notifications-count").textContent = unread ? String(unread) : "";
  byId("notifications-empty").hidden = list.length > 0;
  byId("notification-list").replaceChildren(...list.map((n) => element("li", {
    className: "notification",
    dataset: { read: String(Boolean(n.read_at)) },
  },
  element("p", { className: "notification-text", text: currentLang() === "en" ? n.en : n.vi }),
  element("p", { className: "notification-at muted-text", text: formatDateTime(new Date(n.created_at)) }),
  n.read_at ? "" : element("button", {
    type: "button",
    className: "button button-small",
    dataset: { notificationId: String(n.id) },
    text: t("office.notifications.mark_read"),
  }))));
}
