/*
 * render.js — the site page drawn from `diag` (state.js): the status in words big enough
 * to read across the hall, the muted banner, the floor and the request to speak, the seen
 * site's name (over its picture, or on a card while no picture arrives), the notice that
 * the operator lowered the hall's hand, and the incoming sound meter; the connection test
 * (test-panel.js).
 */

import { errorText, t } from "../common/i18n.js";
import { dom } from "./elements.js";
import { renderGrid } from "./grid.js";
import { seenSiteId } from "./seen.js";
import { diag, isFinal } from "./state.js";
import { renderTest } from "./test-panel.js";
import { renderNotices } from "./notices.js";
import { renderRecording } from "./recording.js";

export function setState(state) {
  diag.state = state;
  render();
}

export function render() {
  const state = diag.state;
  dom.body.dataset.state = state;
  dom.body.dataset.kiosk = String(diag.kiosk);
  dom.status.dataset.state = state;
  renderRecording();

  if (state === "invalid_link" || state === "unsupported") {
    dom.statusText.textContent = errorText(diag.lastError, diag.lastErrorMessage);
  } else {
    dom.statusText.textContent = t(`site.status.${state}`);
  }
  dom.statusDetail.textContent = detailText(state);

  dom.sessionBlock.hidden = !diag.session;
  dom.sessionTitle.textContent = diag.session ? diag.session.title : "";
  dom.siteBlock.hidden = !diag.site;
  dom.siteName.textContent = diag.site ? diag.site.name : "";
  dom.hostBadge.hidden = !(diag.site && diag.site.host);
  // The meter only means something while the hall is (or is getting) in the session.
  dom.audioIndicator.hidden = !["connecting", "connected", "reconnecting"].includes(state);

  const showMuted = diag.muted && !isFinal(state);
  dom.muted.hidden = !showMuted;
  dom.body.dataset.muted = String(showMuted);

  dom.micWarning.hidden = diag.micAvailable !== false || isFinal(state);
  if (diag.micAvailable === false) {
    const insecure = !window.isSecureContext;
    dom.micWarning.textContent = t(insecure ? "site.mic.insecure" : "site.mic.missing");
    // Over plain http the hall cannot speak at all: bring the reason (and what to do) into
    // view once, wherever the layout puts it.
    if (insecure && !isFinal(state) && !dom.micWarning.dataset.scrolled) {
      dom.micWarning.dataset.scrolled = "true";
      dom.micWarning.scrollIntoView({ block: "nearest" });
    }
  }

  const total = diag.roster.length;
  if (total > 0 && !isFinal(state)) {
    const connected = diag.roster.filter((s) => s.state === "connected").length;
    dom.rosterCount.textContent = t("site.roster.count", { connected, total });
  } else {
    dom.rosterCount.textContent = "";
  }
  renderAudio();
  renderShown();
  renderFloor();
  renderGrid();
  renderTest();
  renderNotices();
}

/* Who has the floor, and this hall's request to speak. */
function renderFloor() {
  const holder = diag.floor !== null ? diag.roster.find((s) => s.id === diag.floor) : null;
  const live = !isFinal(diag.state);
  dom.floor.hidden = !holder || !live;
  dom.floorName.textContent = holder ? holder.name : "";
  const own = Boolean(holder && diag.site && holder.id === diag.site.id);
  dom.floor.dataset.own = String(own);
  dom.floorOwn.hidden = !own;

  const raised = Boolean(diag.site && diag.site.hand_raised);
  diag.handRaised = raised;
  dom.handBlock.hidden = !diag.site || !live;
  dom.hand.dataset.raised = String(raised);
  dom.hand.setAttribute("aria-pressed", String(raised));
  dom.hand.textContent = t(raised ? "site.hand.lower" : "site.hand.raise");
  // Asking needs the bridge to hear it; a hall with the floor has nothing to ask for.
  dom.hand.disabled = diag.state !== "connected" || own;
  let status = "";
  if (own) {
    status = t("site.hand.has_floor");
  } else if (raised) {
    const queue = diag.roster
      .filter((s) => s.hand_raised)
      .sort((a, b) => (a.hand_seq ?? 0) - (b.hand_seq ?? 0));
    const place = queue.findIndex((s) => s.id === diag.site.id) + 1;
    status = place > 0 ? t("site.hand.waiting_place", { place }) : t("site.hand.waiting");
  } else {
    status = t("site.hand.hint");
  }
  dom.handStatus.textContent = status;

  // "The operator lowered your hand", for a few seconds (messages.js decides when); the
  // floor banner says more when the hand went down because the hall was given the floor.
  const notice = diag.notice && Date.now() < diag.noticeUntil && live && !own && !raised;
  if (!notice) diag.notice = null;
  dom.notice.hidden = !notice;
  dom.notice.textContent = notice ? t("site.notice.hand_lowered") : "";
}

export function renderShown() {
  const ownId = diag.site ? diag.site.id : null;
  const hostId = diag.session ? diag.session.host_site_id : null;
  diag.seenId = ownId === null ? null : seenSiteId(diag.shown, ownId, hostId, diag.roster);
  const seen = diag.roster.find((s) => s.id === diag.seenId) || null;
  dom.shown.hidden = !seen;
  dom.shownName.textContent = seen ? seen.name : "";
  dom.videoSection.dataset.playing = String(diag.videoPlaying);
  // No picture yet (it is on its way, or that hall has no camera): say whose it will be on
  // a calm card rather than leave a black box.
  dom.placeholder.hidden = diag.videoPlaying || diag.state !== "connected";
  dom.placeholderName.textContent = seen ? seen.name : t("site.placeholder.nobody");
  dom.placeholderDetail.hidden = !seen;
}

function detailText(state) {
  const seconds = diag.retryAt ? Math.max(0, Math.ceil((diag.retryAt - Date.now()) / 1000)) : null;
  switch (state) {
    case "connecting":
      return t("site.detail.connecting");
    case "connected":
      return t("site.detail.connected");
    case "reconnecting":
      return seconds !== null
        ? t("site.detail.reconnecting_in", { seconds })
        : t("site.detail.reconnecting_now");
    case "waiting":
      return seconds !== null ? t("site.detail.waiting_in", { seconds }) : t("site.detail.waiting");
    case "ended":
      return t("site.detail.ended");
    case "invalid_link":
      return t("site.detail.invalid_link");
    case "replaced":
      return t("site.detail.replaced");
    case "removed":
      return t("site.detail.removed");
    case "unsupported":
      return t("site.detail.unsupported");
    default:
      return "";
  }
}

export function renderAudio() {
  const active = diag.audioActive && diag.state === "connected";
  dom.audioIndicator.dataset.active = String(active);
  dom.audioState.textContent = t(active ? "site.audio.active" : "site.audio.silent");
  // A transform, not a width: cheap to animate; CSSOM styles are allowed by style-src 'self'.
  dom.levelBar.style.transform = `scaleX(${diag.state === "connected" ? diag.level : 0})`;
}
