/*
 * print.js — a hall's invitation: the page the bridge renders
 * (GET /api/sessions/{id}/invitations/{site_id}, which needs the login token, so it is
 * fetched here) shown inside this page's print view and printed with the browser's own
 * dialog (invitation.css lays it out on A4); the .ics file fetched and saved.
 * The fetched page is parsed as a document (DOMParser runs no script) and only its
 * <article> is taken.
 */

import { requestFile } from "../common/api.js";
import { byId } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { office } from "./state.js";

function token() {
  return office.auth ? office.auth.token : null;
}

export async function openInvitation(sessionId, siteId) {
  const { blob } = await requestFile(`/api/sessions/${sessionId}/invitations/${siteId}`, {
    token: token(),
    accept: "text/html",
  });
  const doc = new DOMParser().parseFromString(await blob.text(), "text/html");
  const article = doc.querySelector("article.invitation");
  if (!article) throw new Error("no invitation in the answer");
  byId("print-sheet").replaceChildren(document.importNode(article, true));
  document.body.dataset.printing = "true";
  byId("print-view").hidden = false;
  byId("print-now").focus();
}

export function closeInvitation() {
  byId("print-view").hidden = true;
  byId("print-sheet").replaceChildren();
  delete document.body.dataset.printing;
}

export async function saveCalendarFile(sessionId, siteId) {
  const { blob, filename } = await requestFile(
    `/api/sessions/${sessionId}/invitations/${siteId}.ics`,
    { token: token(), accept: "text/calendar" },
  );
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename || `giay-moi-${sessionId}-${siteId}.ics`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function bindPrint() {
  byId("print-now").addEventListener("click", () => window.print());
  byId("print-close").addEventListener("click", closeInvitation);
  byId("print-now").setAttribute("aria-label", t("office.invitation.print"));
}
