/*
 * media.js — the hall's peer connection: the microphone (echo cancellation, noise
 * suppression and AGC on, off with `?raw=1`; without a microphone the hall still joins and
 * listens), the camera (optional: without one the hall still sees) on a second, sendrecv
 * transceiver, an offer sent once ICE gathering completes (or after 2 s), later candidates
 * trickled as `candidate`. Incoming sound plays in <audio id="site-remote-audio">; what the
 * bridge forwards — the shown site, or the host when this hall is shown — plays in
 * <video id="site-remote-video">. `video {send: "off"}` pauses the camera's sender
 * (replaceTrack(null): nothing leaves a hall that nobody sees, which is what poor links
 * need); `"full"` (or `"preview"`) puts the camera back at once.
 *
 * The hall's hardware profile (profile.js) decides the devices and their constraints: the
 * first getUserMedia already asks for what the profile says when it arrived first; later
 * changes go through `swapMicrophone` / `swapCamera` (replaceTrack, no renegotiation) or the
 * tracks' applyConstraints. `video {send: "preview"}` sends camera.preview_width × _height
 * at camera.preview_frame_rate (scaleResolutionDownBy / maxFramerate); before any profile, a
 * quarter of the size at 5 frames/s.
 *
 * The connection test's bitrate probe (connection-test.js) needs a data channel, and one
 * made later would need a renegotiation the bridge does not do: `probe` (unordered, never
 * retransmitted: a late probe packet is a lost one) is made before the offer, so the offer
 * carries an m=application line. `conn.probe` is its handle; `conn.gathered` the types of
 * the candidates gathered and `conn.iceServers` the servers given (for `turn_ok`).
 */

import { conn, connected, scheduleReconnect, send, socket } from "./connection.js";
import { onProbePacket } from "./connection-test.js";
import { dom } from "./elements.js";
import { startMeter } from "./meter.js";
import { cameraConstraints, mediaUp, microphoneConstraints, previewSettings } from "./profile.js";
import { render, renderShown } from "./render.js";
import { diag, RAW } from "./state.js";

const GATHERING_MAX_MS = 2_000; // aiortc does not need trickle, but never hold the offer long
const DISCONNECTED_GRACE_MS = 5_000;
const MEDIA_WATCHDOG_MS = 30_000; // joined but media never connected → start over

let micStream = null;
let cameraStream = null;

/** Send a gathered candidate as `type` (`candidate`, or `grid_candidate` for the grid
 * peer); the end of candidates (an empty one) once, as `state.endOfCandidatesSent` says. */
export function trickle(event, type, state) {
  const c = event.candidate;
  if (c && c.candidate) {
    send({
      type,
      candidate: c.candidate,
      sdpMid: c.sdpMid ?? null,
      sdpMLineIndex: c.sdpMLineIndex ?? null,
    });
  } else if (!c && !state.endOfCandidatesSent) {
    state.endOfCandidatesSent = true;
    send({ type, candidate: "", sdpMid: null, sdpMLineIndex: null });
  }
}

export function toIceServers(list) {
  return list
    .filter((s) => s && s.urls)
    .map((s) => {
      const server = { urls: s.urls };
      if (s.username != null) server.username = s.username;
      if (s.credential != null) server.credential = s.credential;
      return server;
    });
}

async function microphoneTrack() {
  const live = micStream && micStream.getAudioTracks().find((tr) => tr.readyState === "live");
  if (live) return live;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    diag.micAvailable = false;
    diag.micError = "insecure_context";
    return null;
  }
  const processing = !RAW;
  try {
    micStream = await navigator.mediaDevices.getUserMedia({
      audio: microphoneConstraints() || {
        echoCancellation: processing,
        noiseSuppression: processing,
        autoGainControl: processing,
      },
      video: false,
    });
    const track = micStream.getAudioTracks()[0] || null;
    diag.micAvailable = Boolean(track);
    diag.micError = null;
    return track;
  } catch (err) {
    console.warn("bridge site: no microphone", err);
    micStream = null;
    diag.micAvailable = false;
    diag.micError = err && err.name ? err.name : String(err);
    return null;
  }
}

/** The page has stopped for good: release the hall's microphone. */
export function stopMicrophone() {
  if (micStream) {
    for (const track of micStream.getTracks()) track.stop();
    micStream = null;
  }
}

async function cameraTrack() {
  const live =
    cameraStream && cameraStream.getVideoTracks().find((tr) => tr.readyState === "live");
  if (live) return live;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    diag.cameraAvailable = false;
    return null;
  }
  try {
    cameraStream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: cameraConstraints() || {
        width: { ideal: 640 },
        height: { ideal: 360 },
        frameRate: { ideal: 30 },
      },
    });
    const track = cameraStream.getVideoTracks()[0] || null;
    diag.cameraAvailable = Boolean(track);
    return track;
  } catch (err) {
    console.warn("bridge site: no camera", err);
    cameraStream = null;
    diag.cameraAvailable = false;
    return null;
  }
}

/** The hall's live microphone and camera tracks (null: none). */
export function localMicrophone() {
  return (micStream && micStream.getAudioTracks().find((tr) => tr.readyState === "live")) || null;
}

export function localCamera() {
  return (
    (cameraStream && cameraStream.getVideoTracks().find((tr) => tr.readyState === "live")) || null
  );
}

/** Another microphone stream (a device or processing change): sent in place of the old one,
 * which is stopped. */
export async function swapMicrophone(stream) {
  const old = micStream;
  micStream = stream;
  const track = stream ? stream.getAudioTracks()[0] || null : null;
  diag.micAvailable = Boolean(track);
  if (track) diag.micError = null;
  const sender = conn && conn.audioSender;
  if (sender && sender.track !== track) await sender.replaceTrack(track);
  if (old && old !== stream) for (const tr of old.getTracks()) tr.stop();
}

/** Another camera stream: applyVideoSend decides whether it is sent. */
export async function swapCamera(stream) {
  const old = cameraStream;
  cameraStream = stream;
  diag.cameraAvailable = Boolean(stream && stream.getVideoTracks()[0]);
  applyVideoSend();
  if (old && old !== stream) for (const tr of old.getTracks()) tr.stop();
}

/** The camera's sender (null before the peer connection has one). */
export function videoSender() {
  return (conn && conn.videoSender) || null;
}

// The bridge says whether anyone sees this hall; a paused sender sends nothing at all.
export function applyVideoSend() {
  const sender = conn && conn.videoSender;
  if (!sender) return;
  const camera = cameraStream && cameraStream.getVideoTracks()[0];
  const wanted = diag.videoSend === "off" || !camera ? null : camera;
  if (sender.track !== wanted) {
    sender.replaceTrack(wanted).catch((err) => console.warn("bridge site: camera switch", err));
  }
  // "preview": only operator consoles see this hall, as a thumbnail at the profile's
  // preview size and rate (before any profile a quarter of the size at 5 frames a second).
  // Possible once negotiated (encodings exist).
  const params = sender.getParameters();
  if (wanted && params.encodings && params.encodings.length) {
    const preview = diag.videoSend === "preview";
    const rates = previewSettings(wanted.getSettings());
    params.encodings[0].scaleResolutionDownBy = preview ? rates.scale : 1;
    params.encodings[0].maxFramerate = preview ? rates.previewFrameRate : rates.frameRate;
    params.encodings[0].maxBitrate = preview ? 100_000 : 800_000;
    sender.setParameters(params).catch((err) => console.warn("bridge site: camera rate", err));
  }
}

function playVideo(track) {
  dom.video.srcObject = new MediaStream([track]);
  const mark = (playing) => {
    diag.videoPlaying = playing;
    renderShown();
  };
  dom.video.onplaying = () => mark(true);
  dom.video.onemptied = () => mark(false);
  track.onended = () => mark(false);
  const played = dom.video.play();
  if (played && played.catch) played.catch(() => {}); // a muted video may always autoplay
}

// A picture that stops (the seen hall has no camera, or the bridge switched to one that
// sends none and kept the last frame) is not left frozen under another hall's name: with no
// frame decoded for PICTURE_STALL_MS the card takes its place until frames come again.
const PICTURE_CHECK_MS = 1_000;
const PICTURE_STALL_MS = 3_000;

function watchPicture(gen, pc) {
  let decoded = 0;
  let lastFrameAt = 0;
  conn.pictureTimer = setInterval(async () => {
    if (!socket.isCurrent(gen) || !dom.video.srcObject) return;
    let frames = decoded;
    try {
      (await pc.getStats()).forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "video") frames = s.framesDecoded || 0;
      });
    } catch {
      return; // closed meanwhile
    }
    if (!socket.isCurrent(gen)) return;
    const now = Date.now();
    if (frames > decoded) lastFrameAt = now;
    decoded = frames;
    const fresh = now - lastFrameAt < PICTURE_STALL_MS;
    const playing = fresh && dom.video.readyState >= 2; // HAVE_CURRENT_DATA: a frame to show
    if (playing !== diag.videoPlaying) {
      diag.videoPlaying = playing;
      renderShown();
    }
  }, PICTURE_CHECK_MS);
}

export async function startMedia(gen, iceServers) {
  const pc = new RTCPeerConnection({
    iceServers: toIceServers(iceServers),
    bundlePolicy: "max-bundle",
    rtcpMuxPolicy: "require",
  });
  conn.pc = pc;
  diag.pc = pc;
  conn.iceServers = iceServers;
  conn.gathered = new Set();
  watchPicture(gen, pc);

  pc.addEventListener("track", (event) => {
    if (!socket.isCurrent(gen)) return;
    if (event.track.kind === "video") {
      playVideo(event.track);
      return;
    }
    const stream = event.streams[0] || new MediaStream([event.track]);
    playRemote(stream);
  });
  pc.addEventListener("icecandidate", (event) => {
    if (!socket.isCurrent(gen)) return;
    if (event.candidate && event.candidate.type) conn.gathered.add(event.candidate.type);
    if (!conn.offerSent) return; // earlier ones are in the offer
    trickle(event, "candidate", conn);
  });
  pc.addEventListener("connectionstatechange", () => {
    if (!socket.isCurrent(gen)) return;
    onPeerState(pc.connectionState);
  });

  const track = await microphoneTrack();
  if (!socket.isCurrent(gen)) return;
  render();
  if (track) conn.audioSender = pc.addTrack(track, micStream);
  // Listen even without a mic (a profile may open one later: replaceTrack on this sender).
  else conn.audioSender = pc.addTransceiver("audio", { direction: "sendrecv" }).sender;
  await cameraTrack();
  if (!socket.isCurrent(gen)) return;
  conn.videoSender = pc.addTransceiver("video", { direction: "sendrecv" }).sender;
  applyVideoSend();
  mediaUp(); // a profile that came first is applied now (and answered)
  openProbe(gen, pc);

  await pc.setLocalDescription(await pc.createOffer());
  await gatheringComplete(pc, GATHERING_MAX_MS);
  if (!socket.isCurrent(gen)) return;
  const complete = pc.iceGatheringState === "complete";
  send({ type: "offer", sdp: pc.localDescription.sdp });
  conn.offerSent = true;
  conn.endOfCandidatesSent = complete;
  conn.watchdog = setTimeout(() => {
    if (socket.isCurrent(gen) && pc.connectionState !== "connected") {
      diag.lastError = "media_timeout";
      scheduleReconnect();
    }
  }, MEDIA_WATCHDOG_MS);
}

function openProbe(gen, pc) {
  const channel = pc.createDataChannel("probe", { ordered: false, maxRetransmits: 0 });
  channel.binaryType = "arraybuffer";
  channel.addEventListener("message", (event) => {
    if (socket.isCurrent(gen)) onProbePacket(event.data);
  });
  conn.probe = channel;
  diag.probe = channel;
}

/** Resolves when `pc` has gathered its candidates, or after `maxMs` (shared with grid.js). */
export function gatheringComplete(pc, maxMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const timer = setTimeout(done, maxMs);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

function onPeerState(state) {
  if (state === "connected") {
    clearTimeout(conn.disconnectTimer);
    conn.disconnectTimer = null;
    clearTimeout(conn.watchdog);
    connected();
  } else if (state === "failed") {
    diag.lastError = "media_failed";
    scheduleReconnect();
  } else if (state === "disconnected") {
    if (!conn.disconnectTimer) {
      const gen = conn.gen;
      conn.disconnectTimer = setTimeout(() => {
        if (!socket.isCurrent(gen)) return;
        if (conn.pc && conn.pc.connectionState !== "connected") {
          diag.lastError = "media_disconnected";
          scheduleReconnect();
        }
      }, DISCONNECTED_GRACE_MS);
    }
  }
}

function playRemote(stream) {
  dom.audio.srcObject = stream;
  const played = dom.audio.play();
  if (played && played.catch) {
    played
      .then(() => {
        dom.unlock.hidden = true;
        startMeter(stream);
      })
      .catch(() => {
        // Autoplay refused (no kiosk flag, no click yet): one big button unlocks sound.
        dom.unlock.hidden = false;
        startMeter(stream);
      });
  } else {
    startMeter(stream);
  }
}
