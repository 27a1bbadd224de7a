/*
 * elements.js — the console's DOM hooks: body#console-page[data-view="login|sessions|board"];
 * #login-form, #login-username, #login-password, #login-submit, #login-error, #login-notice;
 * #session-list > li > button.session-open[data-session-id]; #sessions-refresh;
 * #board-title, #board-session-state[data-state], #console-conn[data-state],
 * #board-summary > span[data-count="total|connected|connecting|offline|no_media|muted|hands"]
 * [data-value], #roster-filter (search box), #roster-sort (select: roster|state|level|name|
 * hands), #board-floor, #board-shown; #roster-table[data-density="dense|comfortable"];
 * #roster-body > tr[data-site-id][data-state][data-no-media][data-muted][data-host][data-hand]
 * [data-floor][data-shown][data-selected][data-removed] (hidden when filtered out) with
 * td.col-level, th.col-name (.site-name-text), td.col-state (.state[data-state]), td.col-hand,
 * td.col-audio, td.col-quality (.quality[data-grade]) and
 * button[data-action="mute"|"unmute"|"give_floor"|"show"|"lower_hand"][data-site-id];
 * #selected-bar button[data-selected-action]; #board-mute-all, #board-unmute-all,
 * #board-density, #board-help, #board-end; #hands-panel[data-count] with #hand-list > li
 * [data-site-id]; #confirm-dialog (#confirm-ok), #help-dialog (#help-list);
 * #event-log > li[data-kind]; #logout-button; #board-back; [data-lang="vi"|"en"].
 * The readiness board (readiness.js): #board-readiness opens #readiness-view:
 * #readiness-counts > span.count[data-count="not_ready|warning|testing|not_tested|ready"]
 * [data-value], #readiness-window[data-testing], #readiness-csv, #readiness-test-all,
 * #readiness-table thead th[data-sort][aria-sort] > button[data-sort], #readiness-body >
 * tr[data-site-id][data-state] with .rd-* cells (.site-name-text, .ready-state[data-state],
 * button[data-readiness-action="test_run"][data-site-id]); #readiness-dialog; on the live
 * board each card's .col-state .ready-badge[data-state].
 * A control this account may not use is disabled with [data-permitted="false"] and says so
 * in its tooltip.
 */

import { byId as $ } from "../common/dom.js";

export const dom = {
  body: document.body,
  operator: $("console-operator"),
  logout: $("logout-button"),
  loginView: $("login-view"),
  loginForm: $("login-form"),
  loginUser: $("login-username"),
  loginPass: $("login-password"),
  loginSubmit: $("login-submit"),
  loginError: $("login-error"),
  loginNotice: $("login-notice"),
  sessionsView: $("sessions-view"),
  sessionsHeading: $("sessions-heading"),
  sessionsStatus: $("sessions-status"),
  sessionList: $("session-list"),
  sessionsRefresh: $("sessions-refresh"),
  boardView: $("board-view"),
  boardBack: $("board-back"),
  boardTitle: $("board-title"),
  boardState: $("board-session-state"),
  conn: $("console-conn"),
  connText: $("console-conn-text"),
  summary: $("board-summary"),
  filter: $("roster-filter"),
  sort: $("roster-sort"),
  rosterBody: $("roster-body"),
  voice: $("board-voice"),
  rosterEmpty: $("roster-empty"),
  log: $("event-log"),
  rosterTable: $("roster-table"),
  floor: $("board-floor"),
  shown: $("board-shown"),
  selectedBar: $("selected-bar"),
  selectedName: $("selected-name"),
  muteAll: $("board-mute-all"),
  unmuteAll: $("board-unmute-all"),
  density: $("board-density"),
  help: $("board-help"),
  end: $("board-end"),
  record: $("board-record"), // issue 14: start / stop recording
  recording: $("board-recording"),
  recordingSince: $("board-recording-since"),
  handsPanel: $("hands-panel"),
  handsCount: $("hands-count"),
  handList: $("hand-list"),
  handsEmpty: $("hands-empty"),
  confirm: $("confirm-dialog"),
  confirmTitle: $("confirm-title"),
  confirmText: $("confirm-text"),
  confirmOk: $("confirm-ok"),
  helpDialog: $("help-dialog"),
  helpList: $("help-list"),
  profilesView: $("profiles-view"),
  profilesHeading: $("profiles-heading"),
  profilesOpen: $("board-profiles"),
  readinessView: $("readiness-view"),
  readinessHeading: $("readiness-heading"),
  readinessOpen: $("board-readiness"),
};
