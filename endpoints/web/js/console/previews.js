/*
 * previews.js — every site's live preview, as forwarded by the bridge (never re-encoded):
 * one receive-only peer connection with a video transceiver per roster site, in roster
 * order (docs/protocol.md, "Video"). Only on the full board (the compact one has no room
 * for pictures), and only for an account that may see them (`console.previews`).
 */

import { mayPreview } from "./actions.js";
import { renderRoster } from "./board.js";
import { send, socket } from "./connection.js";
import { model } from "./model.js";

/** site id → MediaStream of its live preview. */
export const previews = new Map();

export async function startPreviews(gen) {
  stopPreviews();
  if (typeof RTCPeerConnection === "undefined" || model.sites.length === 0 || model.dense) return;
  if (!mayPreview(model.actions)) return;
  const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" });
  model.previewPc = pc;
  const bySite = new Map();
  // Only what the bridge forwards (VP8, H.264 constrained baseline): a shorter offer, so
  // one m-line per site stays within the 64 KiB message limit for far more sites.
  const codecs = (RTCRtpReceiver.getCapabilities("video") || { codecs: [] }).codecs.filter(
    (c) =>
      /^video\/(vp8|rtx)$/i.test(c.mimeType) ||
      (/^video\/h264$/i.test(c.mimeType) && /profile-level-id=42/i.test(c.sdpFmtpLine || "")),
  );
  for (const site of model.sites) {
    const transceiver = pc.addTransceiver("video", { direction: "recvonly" });
    if (codecs.length && transceiver.setCodecPreferences) {
      try {
        transceiver.setCodecPreferences(codecs);
      } catch (err) {
        console.warn("bridge console: codec preferences", err);
      }
    }
    bySite.set(transceiver, site.id);
  }
  pc.addEventListener("track", (event) => {
    const siteId = bySite.get(event.transceiver);
    if (siteId === undefined || model.previewPc !== pc) return;
    previews.set(siteId, new MediaStream([event.track]));
    renderRoster();
  });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    const timer = setTimeout(resolve, 2_000);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  if (!socket.isCurrent(gen) || model.previewPc !== pc) return;
  send({ type: "offer", sdp: pc.localDescription.sdp, id: "previews" });
}

/** Start the previews for the current connection; a failure only costs the pictures. */
export function restartPreviews() {
  startPreviews(socket.generation).catch((err) => console.warn("bridge console: previews", err));
}

export function stopPreviews() {
  if (model.previewPc) model.previewPc.close();
  model.previewPc = null;
  model.previewing.clear();
  previews.clear();
}

/** The bridge's answer to the previews offer. */
export function onPreviewsAnswer(message) {
  if (model.previewPc && message.ref_id === "previews") {
    model.previewPc
      .setRemoteDescription({ type: "answer", sdp: message.sdp })
      .catch((err) => console.warn("bridge console: previews answer", err));
  }
}
