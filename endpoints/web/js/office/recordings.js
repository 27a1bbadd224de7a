/*
 * recordings.js — issue 14: a session's recordings in the office's detail panel. While the
 * session is being recorded it says so ("● ĐANG GHI", since when); each recording is listed
 * with its start, length, size and state, and — for who may download it (the organiser of
 * its own session, the office, admin: `may_download`) — a button that fetches the file with
 * the login token and saves it (every download is logged by the bridge), and its manifest.
 */

import { requestFile } from "../common/api.js";
import { element } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { api, errorMessage, office } from "./state.js";
import { officeClock, officeSpan } from "./time.js";

/** The section for `session`, or "" when the caller may not see its recordings. */
export async function recordingsSection(session) {
  let found;
  try {
    found = await api("GET", `/api/sessions/${session.id}/recordings`);
  } catch {
    return "";
  }
  const section = element("section", {
    className: "detail-recordings",
    id: "detail-recordings",
    dataset: { recording: String(Boolean(found.recording.on)) },
  });
  section.append(element("h3", { text: t("office.recording.heading") }));
  if (found.recording.on) {
    const since = found.recording.since ? officeClock(found.recording.since) : "";
    section.append(element("p", { className: "office-recording-badge", id: "detail-recording-badge",
      attrs: { role: "status" },
      text: since ? `${t("office.recording.badge")} ${t("office.recording.since", { time: since })}` : t("office.recording.badge") }));
  }
  if (!found.recordings.length) {
    section.append(element("p", { className: "muted-text", text: t("office.recording.none") }));
    return section;
  }
  const status = element("p", { className: "muted-text", attrs: { role: "status", "aria-live": "polite" } });
  section.append(element("ul", { className: "detail-recording-list" },
    ...found.recordings.map((r) => recordingItem(r, status))), status);
  return section;
}

function length(seconds) {
  if (seconds == null) return "—";
  const s = Math.round(seconds);
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  return hh ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}

function size(bytes) {
  if (bytes == null) return "";
  return t("office.recording.size", { mb: (bytes / 1_048_576).toFixed(1) });
}

function recordingItem(recording, status) {
  const when = officeSpan(recording.started_at, recording.ended_at);
  const item = element("li", { className: "detail-recording", dataset: { recordingId: String(recording.id), state: recording.state } },
    element("span", { className: "detail-recording-when", text: when }),
    element("span", { className: "detail-recording-length", text: length(recording.duration_s) }),
    element("span", { className: "detail-recording-size", text: size(recording.bytes) }),
    element("span", { className: "pill", dataset: { state: recording.state }, text: t(`office.recording.state.${recording.state}`) }));
  if (recording.may_download && recording.download_url) {
    item.append(
      element("button", { type: "button", className: "button button-small", dataset: { do: "download-recording" },
        text: t("office.recording.download"), onclick: () => download(recording, status) }),
      element("button", { type: "button", className: "button button-small", dataset: { do: "recording-manifest" },
        text: t("office.recording.manifest"), onclick: () => save(recording.manifest_url, `${recording.file}.manifest.json`, status) }));
  }
  return item;
}

/** The file through the browser's own download manager (a gigabyte for two hours: never
 * held in the page's memory): a one-time link first, then the browser follows it. */
async function download(recording, status) {
  status.textContent = t("office.loading");
  try {
    const { url } = await api("POST", `${recording.download_url}/ticket`);
    const link = document.createElement("a");
    link.href = url;
    link.download = recording.file;
    document.body.append(link);
    link.click();
    link.remove();
    status.textContent = "";
  } catch (err) {
    status.textContent = errorMessage(err);
  }
}

async function save(path, name, status) {
  status.textContent = t("office.loading");
  try {
    const { blob, filename } = await requestFile(path, { token: office.auth ? office.auth.token : null });
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = filename || name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    status.textContent = "";
  } catch (err) {
    status.textContent = errorMessage(err);
  }
}
