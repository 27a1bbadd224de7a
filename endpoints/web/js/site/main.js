/*
 * main.js — the site page (site.html, GET /site/{session_id}#token=…): a hall PC joins its
 * session by itself and stays joined. The page runs unattended, full screen; the people in
 * the hall are not technicians, so it needs no clicks and says plainly what is happening.
 * Signaling follows docs/protocol.md.
 *
 *   state.js       what the page knows (window.bridgeSite, for tests)
 *   elements.js    its DOM hooks
 *   render.js      the page drawn from the state
 *   link.js        session id and join token from the link
 *   connection.js  the socket, join, retries and final states
 *   messages.js    what the bridge says
 *   media.js       microphone, camera, peer connection
 *   meter.js       the incoming sound level
 *   seen.js        whose picture this hall sees (pure)
 *   hand.js        whether the operator lowered this hall's hand (pure)
 *   grid.js        the inset / grid cells: setLayout(layout, gridSites), the grid peer
 *   grid-shape.js  how many cells a layout draws and the grid's shape (pure)
 *   profile.js     the hall's hardware profile applied live, and `profile_applied`
 *   devices.js     which devices a profile's label patterns pick (pure; devices.py's rule)
 *   clock.js       the clock on screen (display.clock)
 *   grid.js        the grid / inset pictures (display.layout)
 *   health.js      `device_health` once a second: microphone level, camera rate, speaker
 *   connection-test.js  the connection test's messages: probes, report, verdict
 *   test-panel.js  the test on screen: the button, the progress, the verdict
 *   test-report.js the report's figures from getStats, the verdict's view (pure)
 *   probe.js       the bitrate probe's packets, pacing and counting (pure)
 *   notices.js     the session's notices: the corner's button, the panel, read receipts
 *   recording.js   the "● ĐANG GHI" badge while the session is being recorded (issue 14)
 *
 * Request to speak: one big toggle button sends `hand {raised}`; the hall's own site entry
 * (`hand_raised`, `hand_seq`) says whether its hand is up and its place in the queue. Who has
 * the floor (`floor` events) is named under the shown site's name; a hall that has the floor
 * sees it said plainly (and cannot raise its hand meanwhile); a hand an operator lowered is
 * said for a few seconds (hand.js). `leave` on pagehide.
 *
 * Layout (site.css): the picture fills the screen, letterboxed; the captions, banners, the
 * hand button and the connection state lie over it and never scroll. `?kiosk=1` (link.js):
 * picture, caption and banners only, no controls, no cursor.
 */

import { applyTranslations, bindLangButtons, detectLang, onLangChange, setLang } from "../common/i18n.js";
import { finish, isStopped, retryNowIfWaiting, send, start } from "./connection.js";
import { dom } from "./elements.js";
import { readLink } from "./link.js";
import { METER_INTERVAL_MS, meterTick, resumeAudio } from "./meter.js";
import { dismiss, requestTest } from "./connection-test.js";
import { startHealth } from "./health.js";
import { renderDeviceWarning } from "./profile.js";
import { render } from "./render.js";
import { diag } from "./state.js";
import { refitTest } from "./test-panel.js";
import { bindNotices, setNoticesLink } from "./notices.js";

async function main() {
  bindLangButtons();
  try {
    await setLang(detectLang());
  } catch (err) {
    console.error("bridge site: no catalogue", err); // the HTML's Vietnamese text remains
  }
  onLangChange(() => {
    render(); // the test's verdict too, in the new language
    renderDeviceWarning();
  });
  applyTranslations(document);
  window.addEventListener("online", retryNowIfWaiting);

  dom.hand.addEventListener("click", () => {
    if (!diag.site || dom.hand.disabled) return;
    const raise = !diag.site.hand_raised;
    if (!raise) diag.ownPressAt = Date.now(); // its own withdrawal is no news to the hall
    send({ type: "hand", raised: raise });
  });
  // A TV remote sends arrow keys: the first one puts the focus on the request to speak, so
  // its OK button (Enter) presses it.
  document.addEventListener("keydown", (event) => {
    const arrow = event.key.startsWith("Arrow");
    // The test's verdict lies over everything: the remote works it (Escape, or its buttons).
    if (!dom.testResult.hidden) {
      if (event.key === "Escape") dismiss();
      else if (arrow && !dom.testResult.contains(document.activeElement)) {
        event.preventDefault();
        dom.testDismiss.focus();
      }
      return;
    }
    if (!arrow || diag.kiosk || dom.handBlock.hidden || document.activeElement !== document.body) {
      return;
    }
    event.preventDefault();
    dom.hand.focus();
  });
  bindNotices();
  dom.testButton.addEventListener("click", () => requestTest());
  dom.testAgain.addEventListener("click", () => {
    dismiss();
    requestTest();
  });
  dom.testDismiss.addEventListener("click", dismiss);
  window.addEventListener("resize", refitTest);
  dom.unlock.addEventListener("click", () => {
    dom.audio.play().then(() => {
      dom.unlock.hidden = true;
    });
    resumeAudio();
  });
  window.addEventListener("pagehide", () => {
    if (!isStopped()) send({ type: "leave" });
  });
  setInterval(meterTick, METER_INTERVAL_MS);
  startHealth();

  if (!("WebSocket" in window) || !("RTCPeerConnection" in window)) {
    diag.lastError = "unsupported_browser";
    finish("unsupported");
    return;
  }
  const link = readLink();
  diag.sessionId = link.sessionId;
  if (!link.sessionId || !link.token) {
    diag.lastError = link.sessionId ? "no_token" : "bad_link";
    finish("invalid_link");
    return;
  }
  setNoticesLink(link.sessionId, link.token);
  start(link.sessionId, link.token);
}

main();
