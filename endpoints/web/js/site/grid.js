/*
 * grid.js — the hall's extra pictures: the host's inset, or the cells of a grid around the
 * shown site (docs/profiles.md, display.layout; the bridge's rule: bridge/conference/grid.py).
 *
 * `setLayout(layout, gridSites)` is called when the profile's display changes (profile.js)
 * and draws body[data-layout][data-grid-shape] (site.css; grid-shape.js says the shapes).
 * `full` closes the grid peer (`grid_close`) and hides the cells. `inset` and `grid` open a
 * second, receive-only RTCPeerConnection on the same signaling socket, with the joined
 * ice_servers: one `recvonly` video m-line per cell, sent as `grid_offer` with an id of its
 * own, so its `answer` (ref_id) is told from the main one; candidates go as
 * `grid_candidate`. The bridge says which site each m-line carries (`grid {cells}`, null:
 * an empty cell); each cell is captioned with that site's roster name (hidden with
 * body[data-captions="false"]). The peer belongs to one join: a reconnection drops it and the
 * next `joined` opens a fresh one. A failed grid peer is retried after a pause, never taking
 * the hall's own connection with it.
 *
 * For tests, window.bridgeSite.grid = {layout, gridSites, count, told (the last `grid`
 * cells), pc, cells: [{index, siteId, name, playing}]}.
 */

import { element } from "../common/dom.js";
import { send, socket } from "./connection.js";
import { cellCount, gridShape, normalLayout } from "./grid-shape.js";
import { gatheringComplete, toIceServers, trickle } from "./media.js";
import { diag } from "./state.js";

const GATHERING_MAX_MS = 2_000;
const PICTURE_CHECK_MS = 1_000;
const PICTURE_STALL_MS = 3_000;
const RETRY_MS = 5_000;

const stage = document.getElementById("site-stage");
const box = document.getElementById("site-grid");

export const grid = {
  layout: "full",
  gridSites: 4,
  count: 0,
  told: null,
  pc: null,
  cells: [],
};
diag.grid = grid;

let iceServers = [];
let joinedGen = null; // the socket generation the hall is joined in (null: not joined)
let peer = null; // {gen, pc, id, offerSent, endOfCandidatesSent, timer, frames, lastFrameAt}
let offers = 0;
let retryTimer = null;

/** Draw `layout` ("full" | "inset" | "grid") with `gridSites` sites (grid only). */
export function setLayout(layout, gridSites = 4) {
  const drawn = normalLayout(layout);
  const sites = Number.isInteger(gridSites) ? Math.max(2, Math.min(9, gridSites)) : 4;
  const count = cellCount(drawn, sites);
  const same = drawn === grid.layout && count === grid.count;
  grid.layout = drawn;
  grid.gridSites = sites;
  document.body.dataset.layout = drawn;
  document.body.dataset.gridShape = drawn === "grid" ? gridShape(count) : "";
  if (same) return;
  grid.count = count;
  buildCells(count);
  if (count === 0) {
    if (peer) send({ type: "grid_close" });
    closeGrid();
    return;
  }
  if (joinedGen !== null && socket.isCurrent(joinedGen)) open(joinedGen);
}

/** The hall joined (messages.js): open the grid peer if the layout draws cells. */
export function gridJoined(gen, servers) {
  iceServers = servers;
  joinedGen = gen;
  if (grid.count > 0) open(gen);
}

/** The connection is torn down (connection.js): the bridge drops the grid peer too. */
export function closeGrid() {
  clearTimeout(retryTimer);
  retryTimer = null;
  const old = peer;
  peer = null;
  grid.pc = null;
  grid.told = null;
  if (old) {
    clearInterval(old.timer);
    old.pc.close();
  }
  for (const cell of grid.cells) {
    cell.siteId = null;
    cell.playing = false;
    cell.video.srcObject = null;
  }
  renderGrid();
}

/** Forget the join (teardown): nothing is reopened until the next `joined`. */
export function gridLeft() {
  joinedGen = null;
  closeGrid();
}

/** True if `ref_id` answers (or refuses) the current grid offer. */
export function isGridRef(refId) {
  return Boolean(peer) && refId === peer.id;
}

export function gridAnswer(message) {
  const current = peer;
  if (!current || message.ref_id !== current.id) return;
  current.pc
    .setRemoteDescription({ type: "answer", sdp: message.sdp })
    .catch((err) => gridFailed(current, err));
}

/** The bridge refused the grid offer: retry later, the hall's own media is not touched. */
export function gridRefused(message) {
  if (peer) gridFailed(peer, message.code || "error");
}

/** `grid {cells}`: the site each cell's m-line carries now. */
export function gridCells(message) {
  if (!peer || !Array.isArray(message.cells)) return;
  grid.told = message.cells.slice(0, grid.count);
  grid.cells.forEach((cell, i) => {
    const siteId = message.cells[i] ?? null;
    if (siteId !== cell.siteId) cell.playing = false; // until the new site's frames come
    cell.siteId = siteId;
  });
  renderGrid();
}

// ---- drawing ----------------------------------------------------------------------------

function buildCells(count) {
  for (const cell of grid.cells) cell.node.remove();
  grid.cells = [];
  for (let index = 0; index < count; index += 1) {
    const video = element("video", { className: "site-cell-video", autoplay: true, muted: true });
    video.playsInline = true;
    const caption = element("p", { className: "site-cell-caption" });
    const node = element(
      "figure",
      { className: "site-cell", dataset: { index: String(index), empty: "true", playing: "false" } },
      video,
      caption,
    );
    box.append(node);
    grid.cells.push({ index, siteId: null, name: "", playing: false, node, video, caption });
  }
  stage.style.setProperty("--grid-rows", String(Math.max(1, count)));
  renderGrid();
}

/** Captions and states of the cells (also called from render.js when the roster changes). */
export function renderGrid() {
  for (const cell of grid.cells) {
    const site = cell.siteId === null ? null : diag.roster.find((s) => s.id === cell.siteId);
    cell.name = site ? site.name : "";
    cell.caption.textContent = cell.name;
    cell.caption.hidden = !site;
    cell.node.dataset.empty = String(cell.siteId === null);
    cell.node.dataset.playing = String(cell.playing);
    cell.node.dataset.siteId = cell.siteId === null ? "" : String(cell.siteId);
  }
}

// ---- the grid peer ----------------------------------------------------------------------

async function open(gen) {
  closeGrid();
  const pc = new RTCPeerConnection({
    iceServers: toIceServers(iceServers),
    bundlePolicy: "max-bundle",
    rtcpMuxPolicy: "require",
  });
  offers += 1;
  const current = {
    gen,
    pc,
    id: `grid-${offers}`,
    offerSent: false,
    endOfCandidatesSent: false,
    timer: null,
    frames: [],
    lastFrameAt: [],
  };
  peer = current;
  grid.pc = pc;
  for (let i = 0; i < grid.count; i += 1) pc.addTransceiver("video", { direction: "recvonly" });

  pc.addEventListener("track", (event) => {
    if (peer !== current) return;
    const index = pc.getTransceivers().indexOf(event.transceiver);
    const cell = grid.cells[index];
    if (!cell) return;
    cell.video.srcObject = new MediaStream([event.track]);
    const played = cell.video.play();
    if (played && played.catch) played.catch(() => {});
  });
  pc.addEventListener("icecandidate", (event) => {
    if (peer !== current || !current.offerSent) return;
    trickle(event, "grid_candidate", current);
  });
  pc.addEventListener("connectionstatechange", () => {
    if (peer === current && pc.connectionState === "failed") gridFailed(current, "failed");
  });

  try {
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringComplete(pc, GATHERING_MAX_MS);
  } catch (err) {
    gridFailed(current, err);
    return;
  }
  if (peer !== current || !socket.isCurrent(gen)) return;
  send({ type: "grid_offer", id: current.id, sdp: pc.localDescription.sdp });
  current.offerSent = true;
  current.endOfCandidatesSent = pc.iceGatheringState === "complete";
  current.timer = setInterval(() => watchPictures(current), PICTURE_CHECK_MS);
}

function gridFailed(current, why) {
  if (peer !== current) return;
  console.warn("bridge site: grid peer failed", why);
  const gen = current.gen;
  closeGrid();
  retryTimer = setTimeout(() => {
    retryTimer = null;
    if (grid.count > 0 && joinedGen === gen && socket.isCurrent(gen)) open(gen);
  }, RETRY_MS);
}

// A cell plays while its frames keep being decoded (as the main picture, media.js).
async function watchPictures(current) {
  let stats;
  try {
    stats = await current.pc.getStats();
  } catch {
    return; // closed meanwhile
  }
  if (peer !== current) return;
  const byMid = new Map();
  stats.forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "video") byMid.set(s.mid, s.framesDecoded || 0);
  });
  const now = Date.now();
  const transceivers = current.pc.getTransceivers();
  let changed = false;
  grid.cells.forEach((cell, i) => {
    const mid = transceivers[i] ? transceivers[i].mid : null;
    const frames = byMid.get(mid) ?? 0;
    if (frames > (current.frames[i] ?? 0)) current.lastFrameAt[i] = now;
    current.frames[i] = frames;
    const fresh = now - (current.lastFrameAt[i] ?? 0) < PICTURE_STALL_MS;
    const playing = cell.siteId !== null && fresh && cell.video.readyState >= 2;
    if (playing !== cell.playing) {
      cell.playing = playing;
      changed = true;
    }
  });
  if (changed) renderGrid();
}
