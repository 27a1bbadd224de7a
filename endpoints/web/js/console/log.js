/*
 * log.js — the event log beside the board, newest first, at most 200 lines. Times in
 * Asia/Ho_Chi_Minh, 'vi-VN' (Vietnamese UI) or 'en-GB' (English).
 */

import { formatDateTime, formatTime } from "../common/i18n.js";
import { element } from "../common/dom.js";
import { dom } from "./elements.js";
import { model } from "./model.js";

const LOG_LIMIT = 200;

/** `text` is a function so the log re-renders in the other language after a switch. */
export function logEvent(kind, text) {
  const entry = { at: new Date(), kind, text };
  model.log.unshift(entry);
  if (model.log.length > LOG_LIMIT) model.log.length = LOG_LIMIT;
  dom.log.prepend(logItem(entry));
  while (dom.log.children.length > LOG_LIMIT) dom.log.lastElementChild.remove();
}

function logItem(entry) {
  const time = element("time", {
    dateTime: entry.at.toISOString(),
    title: formatDateTime(entry.at),
    text: formatTime(entry.at),
  });
  const text = element("span", { className: "log-text", text: entry.text() });
  return element("li", { dataset: { kind: entry.kind } }, time, " ", text);
}

export function renderLog() {
  dom.log.replaceChildren(...model.log.map(logItem));
}
