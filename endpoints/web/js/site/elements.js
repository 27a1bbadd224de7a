/*
 * elements.js — the site page's DOM hooks: body#site-page[data-state][data-muted],
 * #site-status[data-state], #site-status-text, #site-status-detail, #site-session-title,
 * #site-name (their blocks #site-session-block / #site-site-block are hidden until `joined`),
 * #site-host-badge, #site-muted (hidden unless muted), #site-roster-count,
 * #site-audio-indicator[data-active], #site-level-bar, #site-remote-audio, #site-unlock-audio,
 * #site-mic-warning, #site-floor (hidden while nobody has the floor) with #site-floor-name,
 * #site-floor-own (inside #site-floor, when this hall has it), #site-hand-block,
 * #site-hand[data-raised][aria-pressed], #site-hand-status, #site-video[data-playing] with
 * #site-remote-video and #site-placeholder (#site-placeholder-name, -detail: who will be seen
 * while no picture arrives), #site-shown (the caption) with #site-shown-name, #site-notice
 * ("the operator lowered your hand"), body[data-kiosk]; from the hall's profile (profile.js):
 * body[data-profile][data-layout][data-grid-sites][data-captions][data-clock][data-banners]
 * and --banner-height, #site-clock, #site-device-warning (in the corner: a device the profile
 * names is missing); the connection test (connection-test.js, test-panel.js): #site-test-button
 * (in the corner), #site-test-progress with #site-test-progress-text and #site-test-bar-fill,
 * #site-test-note (with the banners), #site-test-result[data-state][data-many] (over
 * everything) with #site-test-result-box, -state, -summary, #site-test-reasons (li
 * [data-severity][data-code] > .site-test-reason-text, .site-test-reason-advice),
 * #site-test-again, #site-test-dismiss.
 */

import { byId as $ } from "../common/dom.js";

export const dom = {
  body: document.body,
  videoSection: $("site-video"),
  video: $("site-remote-video"),
  shown: $("site-shown"),
  shownName: $("site-shown-name"),
  placeholder: $("site-placeholder"),
  placeholderName: $("site-placeholder-name"),
  placeholderDetail: $("site-placeholder-detail"),
  notice: $("site-notice"),
  status: $("site-status"),
  statusText: $("site-status-text"),
  statusDetail: $("site-status-detail"),
  sessionBlock: $("site-session-block"),
  sessionTitle: $("site-session-title"),
  siteBlock: $("site-site-block"),
  siteName: $("site-name"),
  hostBadge: $("site-host-badge"),
  muted: $("site-muted"),
  micWarning: $("site-mic-warning"),
  rosterCount: $("site-roster-count"),
  audioIndicator: $("site-audio-indicator"),
  audioState: $("site-audio-state"),
  levelBar: $("site-level-bar"),
  audio: $("site-remote-audio"),
  unlock: $("site-unlock-audio"),
  floor: $("site-floor"),
  floorName: $("site-floor-name"),
  floorOwn: $("site-floor-own"),
  handBlock: $("site-hand-block"),
  hand: $("site-hand"),
  handStatus: $("site-hand-status"),
  clock: $("site-clock"),
  deviceWarning: $("site-device-warning"),
  testButton: $("site-test-button"),
  testProgress: $("site-test-progress"),
  testProgressText: $("site-test-progress-text"),
  testBar: $("site-test-bar-fill"),
  testNote: $("site-test-note"),
  testResult: $("site-test-result"),
  testResultBox: $("site-test-result-box"),
  testResultState: $("site-test-result-state"),
  testResultSummary: $("site-test-result-summary"),
  testReasons: $("site-test-reasons"),
  testAgain: $("site-test-again"),
  testDismiss: $("site-test-dismiss"),
  recording: $("site-recording"), // issue 14
};
