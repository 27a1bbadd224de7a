/*
 * readiness-figures.js — a readiness row's figures as the board writes them, pure (the
 * language is a parameter; words are catalogue keys the page translates).
 *
 * Numbers in the console's language (vi: "1.850", "0,5"; en: "1,850", "0.5"), "–" for a
 * figure not measured; times in Vietnam time ("14:05 01/12" vi, "01/12 14:05" en). A
 * reason's text is the bridge's own sentence in that language (vi when it has no other).
 */

const TIME_ZONE = "Asia/Ho_Chi_Minh";
export const DASH = "–";

const numberFormats = new Map();
const locale = (lang) => (lang === "en" ? "en-GB" : "vi-VN");

/** `number(1850, "vi")` → "1.850"; `number(0.5, "vi", 1)` → "0,5"; null → "–". */
export function number(value, lang, digits = 0) {
  if (typeof value !== "number" || !Number.isFinite(value)) return DASH;
  const key = `${lang}/${digits}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale(lang), {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    numberFormats.set(key, format);
  }
  // −0 would print as "-0"
  return format.format(Object.is(Math.round(value * 10 ** digits), -0) ? 0 : value);
}

/** "in / out" of two figures ("0,5 / 0,2"); one dash when neither was measured. */
export function pair(a, b, lang, digits = 0) {
  const left = number(a, lang, digits);
  const right = number(b, lang, digits);
  return left === DASH && right === DASH ? DASH : `${left} / ${right}`;
}

const timeFormats = new Map();
/** The time of a test, "14:05 01/12" (vi) or "01/12 14:05" (en), in Vietnam time; null:
 * "–". */
export function timeText(iso, lang) {
  const at = iso ? new Date(iso) : null;
  if (!at || Number.isNaN(at.getTime())) return DASH;
  let format = timeFormats.get(lang);
  if (!format) {
    format = new Intl.DateTimeFormat(locale(lang), {
      timeZone: TIME_ZONE,
      day: "2-digit",
      month: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    timeFormats.set(lang, format);
  }
  const part = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  const time = `${part.hour}:${part.minute}`;
  const date = `${part.day}/${part.month}`;
  return lang === "en" ? `${date} ${time}` : `${time} ${date}`;
}

/** The loudspeaker loop's catalogue key: heard / not heard / could not be verified / not
 * tested (no figures at all). */
export function speakerKey(figures) {
  if (!figures) return "console.readiness.speaker.none";
  const v = figures.speaker_loop_verified;
  if (v === true) return "console.readiness.speaker.verified";
  if (v === false) return "console.readiness.speaker.not_heard";
  return "console.readiness.speaker.unverified";
}

/** Whether a measured bitrate is below what the profile needs ("short"), below 1.5× it
 * ("tight", the verdict's headroom) or enough ("ok"); null when either is missing. */
export function bitrateFit(kbps, needed) {
  if (typeof kbps !== "number" || typeof needed !== "number" || !(needed > 0)) return null;
  if (kbps < needed) return "short";
  if (kbps < 1.5 * needed) return "tight";
  return "ok";
}

/**
 * The cells' texts of one row: `{rtt, loss, jitter, uplink, downlink, needed, mic, mos,
 * uplinkFit, downlinkFit, speakerKey}` (figures absent: every text "–").
 */
export function figureTexts(figures, lang) {
  const f = figures || {};
  return {
    rtt: number(f.rtt_ms, lang),
    loss: pair(f.loss_in_pct, f.loss_out_pct, lang, 1),
    jitter: pair(f.jitter_in_ms, f.jitter_out_ms, lang),
    uplink: number(f.uplink_kbps, lang),
    downlink: number(f.downlink_kbps, lang),
    needed: number(f.needed_kbps, lang),
    mic: number(f.mic_level_db, lang),
    mos: number(f.mos, lang, 1),
    uplinkFit: bitrateFit(f.uplink_kbps, f.needed_kbps),
    downlinkFit: bitrateFit(f.downlink_kbps, f.needed_kbps),
    speakerKey: speakerKey(figures),
  };
}

/** A reason's sentence in `lang` ("vi" when the bridge gave no other). */
export const reasonText = (reason, lang) =>
  (reason && (reason[lang] || reason.vi || reason.en || reason.code)) || "";

/** A reason's advice in `lang`, or "". */
export const adviceText = (reason, lang) =>
  (reason && (reason[`advice_${lang}`] || reason.advice_vi || reason.advice_en)) || "";

/**
 * Every figure of the detail dialog, in order: `[labelKey, text]` (a figure the test did
 * not measure reads "–"; the list also says which were not measured, by name).
 */
export function detailFigures(figures, lang) {
  const f = figures || {};
  const yesNo = (v) =>
    v === true ? "console.readiness.yes" : v === false ? "console.readiness.no" : null;
  const camera =
    typeof f.camera_width === "number" && typeof f.camera_height === "number"
      ? `${f.camera_width} × ${f.camera_height} @ ${number(f.camera_fps, lang, 0)}`
      : DASH;
  const ice = [f.ice_type, f.ice_protocol, f.ice_relay_protocol && `(${f.ice_relay_protocol})`]
    .filter(Boolean)
    .join(" ");
  return [
    ["console.readiness.f.signaling", number(f.signaling_rtt_ms, lang), "ms"],
    ["console.readiness.f.ice", ice || DASH, ""],
    ["console.readiness.f.turn", { key: yesNo(f.turn_ok) }, ""],
    ["console.readiness.f.rtt", number(f.rtt_ms, lang), "ms"],
    ["console.readiness.f.jitter", pair(f.jitter_in_ms, f.jitter_out_ms, lang), "ms"],
    ["console.readiness.f.loss", pair(f.loss_in_pct, f.loss_out_pct, lang, 1), "%"],
    ["console.readiness.f.uplink", number(f.uplink_kbps, lang), "kb/s"],
    ["console.readiness.f.downlink", number(f.downlink_kbps, lang), "kb/s"],
    ["console.readiness.f.needed", number(f.needed_kbps, lang), "kb/s"],
    ["console.readiness.f.video", pair2(f.uplink_video, f.downlink_video), ""],
    ["console.readiness.f.mic_level", number(f.mic_level_db, lang, 1), "dBFS"],
    ["console.readiness.f.mic_noise", number(f.mic_noise_floor_db, lang, 1), "dBFS"],
    [
      "console.readiness.f.mic_clipping",
      typeof f.mic_clipping === "number" ? number(f.mic_clipping * 100, lang, 1) : DASH,
      "%",
    ],
    ["console.readiness.f.speaker", { key: speakerKey(figures) }, ""],
    ["console.readiness.f.acoustic_delay", number(f.acoustic_delay_ms, lang, 1), "ms"],
    ["console.readiness.f.echo_return", number(f.echo_return_db, lang, 1), "dB"],
    ["console.readiness.f.echo_cancellation", { key: yesNo(f.echo_cancellation) }, ""],
    ["console.readiness.f.camera", camera, typeof f.camera_fps === "number" ? "fps" : ""],
    ["console.readiness.f.r_factor", number(f.r_factor, lang, 1), ""],
    ["console.readiness.f.mos", number(f.mos, lang, 2), ""],
  ].map(([key, text, unit]) => ({ key, text, unit: text === DASH ? "" : unit }));
}

function pair2(up, down) {
  if (!up && !down) return DASH;
  return `↑ ${up || DASH} · ↓ ${down || DASH}`;
}
