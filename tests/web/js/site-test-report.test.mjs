// The connection test's report from getStats, and the verdict as the hall sees it
// (endpoints/web/js/site/test-report.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  audioSnapshot,
  cameraReport,
  echoCancellation,
  iceReport,
  mediaBytes,
  mediaDownKbps,
  playoutDelayMs,
  progress,
  receivedDelta,
  resultView,
  syntheticMicrophone,
  turnConfigured,
  turnOk,
} from "../../../endpoints/web/js/site/test-report.js";

const audioIn = (packetsReceived, packetsLost, jitter, bytesReceived = 0) => ({
  id: "IA",
  type: "inbound-rtp",
  kind: "audio",
  packetsReceived,
  packetsLost,
  jitter,
  bytesReceived,
});

test("received: the audio's deltas between begin and collect, jitter at the end in ms", () => {
  const before = audioSnapshot([audioIn(1000, 4, 0.003)]);
  const after = audioSnapshot([{ id: "x", type: "codec" }, audioIn(1500, 9, 0.0125)]);
  assert.deepEqual(receivedDelta(before, after), { packets: 500, lost: 5, jitter_ms: 12.5 });
  // packetsLost may fall (a late packet arrived after all): never a negative loss.
  assert.deepEqual(receivedDelta(before, audioSnapshot([audioIn(1200, 2, 0.001)])), {
    packets: 200,
    lost: 0,
    jitter_ms: 1,
  });
  // No audio at the start: all of it counts; none at the end: nothing known.
  assert.deepEqual(receivedDelta(null, after), { packets: 1500, lost: 9, jitter_ms: 12.5 });
  assert.equal(receivedDelta(before, null), null);
  assert.equal(audioSnapshot([{ type: "inbound-rtp", kind: "video" }]), null);
  assert.equal(receivedDelta(null, audioSnapshot([audioIn(10, 0, undefined)])).jitter_ms, null);
});

test("playout delay: the jitter buffer's mean delay over the test, in ms", () => {
  const at = (delay, emitted) =>
    audioSnapshot([{ ...audioIn(0, 0, 0), jitterBufferDelay: delay, jitterBufferEmittedCount: emitted }]);
  assert.equal(playoutDelayMs(at(5_000, 100_000), at(29_000, 580_000)), 50);
  assert.equal(playoutDelayMs(at(10, 100), at(10, 100)), null);
  assert.equal(playoutDelayMs(null, at(1, 1)), null);
});

const pairStats = (local, extra = {}) => [
  { id: "T", type: "transport", selectedCandidatePairId: "P2" },
  { id: "P1", type: "candidate-pair", localCandidateId: "L1", state: "failed" },
  { id: "P2", type: "candidate-pair", localCandidateId: "L2", state: "succeeded", ...extra },
  { id: "L1", type: "local-candidate", candidateType: "host", protocol: "udp" },
  { id: "L2", type: "local-candidate", ...local },
];

test("ice: the selected pair's local candidate, its protocol and relay protocol", () => {
  assert.deepEqual(iceReport(pairStats({ candidateType: "srflx", protocol: "udp" })), {
    local: "srflx",
    protocol: "udp",
    relay_protocol: null,
  });
  assert.deepEqual(
    iceReport(pairStats({ candidateType: "relay", protocol: "udp", relayProtocol: "tls" })),
    { local: "relay", protocol: "udp", relay_protocol: "tls" },
  );
  // Only a relay candidate has a relay protocol.
  assert.equal(
    iceReport(pairStats({ candidateType: "host", protocol: "tcp", relayProtocol: "udp" }))
      .relay_protocol,
    null,
  );
  // Without a transport entry: the pair marked selected, or nominated and succeeded.
  const noTransport = pairStats({ candidateType: "prflx", protocol: "udp" }, { nominated: true }).slice(1);
  assert.equal(iceReport(noTransport).local, "prflx");
  assert.equal(iceReport([]), null);
  assert.equal(iceReport(pairStats({ candidateType: "weird", protocol: "udp" })), null);
});

test("turn_ok: a relay candidate gathered; null without a TURN server", () => {
  const stunOnly = [{ urls: "stun:stun.example.org:3478" }];
  const turn = [{ urls: ["stun:a:3478", "turns:turn.example.org:443?transport=tcp"] }];
  assert.equal(turnConfigured(stunOnly), false);
  assert.equal(turnConfigured(turn), true);
  assert.equal(turnConfigured([{ urls: "TURN:x:3478" }]), true);
  assert.equal(turnOk(stunOnly, new Set(["host", "srflx"])), null);
  assert.equal(turnOk([], new Set()), null);
  assert.equal(turnOk(turn, new Set(["host", "srflx"])), false);
  assert.equal(turnOk(turn, new Set(["host", "relay"])), true);
});

test("media_down_kbps: RTP bytes of audio and video per interval", () => {
  const stats = [
    audioIn(0, 0, 0, 1000),
    { type: "inbound-rtp", kind: "video", bytesReceived: 3900, headerBytesReceived: 100 },
    { type: "outbound-rtp", kind: "video", bytesSent: 99999 },
  ];
  assert.equal(mediaBytes(stats), 5000);
  const samples = [
    { at: 0, bytes: 0 },
    { at: 1000, bytes: 100_000 },
    { at: 2000, bytes: 150_000 },
    { at: 2500, bytes: 150_000 },
  ];
  assert.deepEqual(mediaDownKbps(samples), [800, 400, 0]);
  assert.deepEqual(mediaDownKbps(samples.slice(0, 1)), []);
});

test("camera: the track's size, the frames sent, else captured, else its configured rate", () => {
  const settings = { width: 1280, height: 720, frameRate: 30 };
  const out = { type: "outbound-rtp", kind: "video", framesPerSecond: 24.96 };
  const source = { type: "media-source", kind: "video", framesPerSecond: 29.7 };
  assert.deepEqual(cameraReport(settings, [out, source]), { width: 1280, height: 720, fps: 25 });
  // A preview is sent slower on purpose: the camera's own rate then.
  assert.equal(cameraReport(settings, [out, source], false).fps, 29.7);
  assert.equal(cameraReport(settings, [{ type: "outbound-rtp", kind: "video" }]).fps, 30);
  assert.equal(cameraReport({ width: 640, height: 360 }, []).fps, 0);
  assert.equal(cameraReport(null, []), null);
  assert.equal(cameraReport({}, []), null);
});

test("echo cancellation as the track says it, whatever the browser's spelling", () => {
  assert.equal(echoCancellation({ echoCancellation: true }), true);
  assert.equal(echoCancellation({ echoCancellation: false }), false);
  assert.equal(echoCancellation({ echoCancellation: "all" }), true);
  assert.equal(echoCancellation({ echoCancellation: "remote-only" }), true);
  assert.equal(echoCancellation({}), null);
  assert.equal(echoCancellation(null), null);
});

test("a fake or synthetic microphone is told by its label; real ones are not", () => {
  for (const label of [
    "Fake Default Audio Input",
    "Fake Audio Input 1",
    "Synthetic microphone",
    "Test tone",
    "tone-440.wav",
    "Audio from file",
  ]) {
    assert.equal(syntheticMicrophone(label), true, label);
  }
  for (const label of [
    "Microphone (Realtek(R) Audio)",
    "Shure MXA310",
    "CABLE Output (VB-Audio Virtual Cable)",
    "Default - Microphone Array (Intel® Smart Sound Technology)",
    "",
    null,
  ]) {
    assert.equal(syntheticMicrophone(label), false, label);
  }
});

const RESULT = {
  type: "test_result",
  test_id: "t1",
  state: "not_ready",
  figures: {},
  unmeasured: [],
  reasons: [
    {
      code: "mic_no_signal",
      severity: "not_ready",
      vi: "micrô không có tín hiệu",
      en: "the microphone has no signal",
      advice_vi: "kiểm tra cáp micrô và bộ trộn âm",
      advice_en: "check the microphone cable and the mixer",
      field: "mic_level_db",
    },
    {
      code: "rtt_high",
      severity: "warning",
      vi: "độ trễ khứ hồi cao (250 ms)",
      en: "the round trip is long (250 ms)",
      advice_vi: "dùng đường cáp thay cho Wi-Fi hoặc 4G; tránh giờ mạng đông",
      advice_en: "",
      field: "rtt_ms",
    },
  ],
};

test("the verdict in the page's language, each reason with its advice, first letter capital", () => {
  assert.deepEqual(resultView(RESULT, "vi"), {
    state: "not_ready",
    reasons: [
      {
        code: "mic_no_signal",
        severity: "not_ready",
        text: "Micrô không có tín hiệu",
        advice: "Kiểm tra cáp micrô và bộ trộn âm",
      },
      {
        code: "rtt_high",
        severity: "warning",
        text: "Độ trễ khứ hồi cao (250 ms)",
        advice: "Dùng đường cáp thay cho Wi-Fi hoặc 4G; tránh giờ mạng đông",
      },
    ],
  });
  const en = resultView(RESULT, "en");
  assert.equal(en.reasons[0].text, "The microphone has no signal");
  assert.equal(en.reasons[0].advice, "Check the microphone cable and the mixer");
  // A text missing in English: the Vietnamese rather than nothing.
  assert.equal(en.reasons[1].advice, "Dùng đường cáp thay cho Wi-Fi hoặc 4G; tránh giờ mạng đông");
});

test("a ready verdict has nothing to fix; a state the page does not know is not a pass", () => {
  assert.deepEqual(resultView({ state: "ready", reasons: [] }, "vi"), { state: "ready", reasons: [] });
  assert.equal(resultView({ state: "maybe" }, "vi").state, "not_ready");
  assert.deepEqual(resultView({ state: "warning", reasons: [null, { code: "x" }] }, "en").reasons, []);
});

test("progress: whole seconds so far; the bar never reaches the end before the result", () => {
  assert.deepEqual(progress(0, 20_000), { seconds: 0, share: 0 });
  assert.deepEqual(progress(10_500, 20_000), { seconds: 10, share: 0.525 });
  assert.deepEqual(progress(40_000, 20_000), { seconds: 40, share: 0.95 });
});
