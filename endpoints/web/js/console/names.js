/*
 * names.js — a hall's name as the console shows it, pure (no DOM, no i18n).
 *
 * Vietnamese hall names repeat an administrative prefix: "Điểm cầu tỉnh Quảng Trị",
 * "Điểm cầu thành phố Hà Nội", "Điểm cầu UBND huyện Hướng Hóa". On a board of 100 halls
 * that prefix is what a narrow cell shows, and "Điểm cầu tỉnh Quản…" is the same for five
 * provinces. So the console drops "Điểm cầu", shows the administrative unit once (a small
 * tag the page translates) and the rest of the name — the place, with any body before it
 * and any context after a comma — in full. A name without a recognised unit is kept whole.
 */

/** The administrative units, longest spelling first so "thị xã" wins over "xã". */
const UNITS = [
  { id: "city", words: ["thành phố", "tp.", "tp"] },
  { id: "town", words: ["thị xã", "tx."] },
  { id: "township", words: ["thị trấn", "tt."] },
  { id: "province", words: ["tỉnh"] },
  { id: "district", words: ["huyện"] },
  { id: "urban_district", words: ["quận"] },
  { id: "ward", words: ["phường"] },
  { id: "commune", words: ["xã"] },
];

/** Each unit's place in the hierarchy (the data model's levels), for grouping. */
export const UNIT_LEVEL = {
  province: "province",
  city: "province", // a centrally governed city; a provincial city sorts with its site level
  district: "district",
  urban_district: "district",
  town: "district",
  commune: "commune",
  ward: "commune",
  township: "commune",
};

/** Levels from the top: the data model's `central` / `province` / `district` / `commune`. */
export const LEVEL_RANK = { central: 0, province: 1, district: 2, commune: 3 };
/** Units in display order inside a level. */
export const UNIT_RANK = Object.fromEntries(
  ["province", "city", "district", "urban_district", "town", "commune", "ward", "township"].map(
    (id, i) => [id, i],
  ),
);

const HALL_WORD = /^(?:điểm\s+cầu|diem\s+cau)\s*[:\-–—]?\s*/iu;
const WORD_END = /[\s,.;:()–—-]|$/u;

/** NFC, single spaces, trimmed. */
const tidy = (text) => String(text ?? "").normalize("NFC").replace(/\s+/gu, " ").trim();

/** Where a unit word starts as a whole word at `i` of `lower`, its unit and length. With
 * `strict`, only before a capital or a digit, as a place name starts: "Xã hội" (society)
 * in "Sở Lao động – Thương binh và Xã hội tỉnh …" is not a commune. */
function unitAt(head, lower, i, strict) {
  if (i > 0 && !/\s/u.test(lower[i - 1])) return null;
  for (const unit of UNITS) {
    for (const word of unit.words) {
      if (!lower.startsWith(word, i)) continue;
      const after = lower.slice(i + word.length);
      // "tp." needs no space after the dot; whole words need a boundary
      if (!word.endsWith(".") && !WORD_END.test(after[0] ?? "")) continue;
      if (!after.trim()) continue; // a unit with no place after it is part of the name
      const next = head.slice(i + word.length).trimStart()[0];
      if (strict && !/[\p{Lu}\p{Nd}]/u.test(next)) continue;
      return { unit: unit.id, length: word.length };
    }
  }
  return null;
}

/**
 * `parseHallName("Điểm cầu UBND tỉnh Quảng Trị")` →
 * `{ unit: "province", word: "tỉnh", body: "UBND", place: "Quảng Trị", context: "",
 *    display: "UBND Quảng Trị", full: "Điểm cầu UBND tỉnh Quảng Trị" }`.
 * `unit` is null when the name has none; then `display` is the name without "Điểm cầu".
 */
export function parseHallName(name) {
  const key = String(name ?? "");
  let parsed = parsed_.get(key);
  if (!parsed) {
    if (parsed_.size > 2000) parsed_.clear(); // names change rarely: a small bound will do
    parsed = Object.freeze(parse(key));
    parsed_.set(key, parsed);
  }
  return parsed;
}

/* The board asks for each name several times a render (row, tag, sort, filter). */
const parsed_ = new Map();

function parse(name) {
  const full = tidy(name);
  const rest = full.replace(HALL_WORD, "") || full;
  const [head, ...tail] = rest.split(",");
  const context = tail.length ? tail.join(",").trim() : "";
  const lower = head.toLocaleLowerCase("vi");
  // A unit before a capitalised place first; else any ("huyện đảo Cồn Cỏ").
  for (const strict of [true, false]) {
    for (let i = 0; i < head.length; i += 1) {
      const found = unitAt(head, lower, i, strict);
      if (!found) continue;
      const body = head.slice(0, i).trim();
      const word = head.slice(i, i + found.length);
      const place = head.slice(i + found.length).trim();
      const display = joined(body, place, context);
      return { unit: found.unit, word, body, place, context, display, full };
    }
  }
  return { unit: null, word: "", body: "", place: head.trim(), context, display: rest, full };
}

function joined(body, place, context) {
  const main = body ? `${body} ${place}` : place;
  return context ? `${main}, ${context}` : main;
}

/** The data model's level of a site, or the one its name implies, or null. */
export function levelOf(site) {
  if (site && site.level && site.level in LEVEL_RANK) return site.level;
  const unit = parseHallName(site && site.name).unit;
  return unit ? UNIT_LEVEL[unit] : null;
}

/** Lower case without diacritics ("Quảng Trị" → "quang tri"; đ → d), for searching. */
export function fold(text) {
  return tidy(text)
    .toLocaleLowerCase("vi")
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/đ/gu, "d");
}

/** The name without the repeated hall word, the unit kept: "Điểm cầu tỉnh Quảng Trị" →
 * "tỉnh Quảng Trị" (where a unit tag does not stand before it: a source, a list). */
export function plainName(name) {
  const full = tidy(name);
  return full.replace(HALL_WORD, "") || full;
}
