/*
 * i18n.js — the message catalogue shared by the site page and the operator console.
 *
 * Served as /static/js/common/i18n.js (an ES module, no build step). Every user-visible string lives
 * in /static/i18n/vi.json and /static/i18n/en.json under dotted keys ("site.status.connecting").
 * Vietnamese is the default; English is available.
 *
 * Language choice, first match wins:
 *   1. `?lang=vi|en` in the page URL (overrides, and is remembered),
 *   2. localStorage "bridge.lang" (set by the language switch),
 *   3. "vi".
 *
 * In HTML, an element marked `data-i18n="key"` gets its text from the catalogue;
 * `data-i18n-title`, `data-i18n-aria-label` and `data-i18n-placeholder` set those attributes.
 * The HTML carries the Vietnamese text as well, so nothing flashes as raw keys while the
 * catalogue loads. Elements with `data-lang="vi|en"` are language-switch buttons.
 *
 * In JS: `t(key, params)` fills `{name}`-style placeholders from params. A missing key returns `fallback`
 * when given, else the key itself (so a gap is visible, never blank). `errorText(code, msg)`
 * prefers our own `error.<code>` text and falls back to the server's localized message.
 *
 * Times are shown in Asia/Ho_Chi_Minh: Vietnamese UI formats with 'vi-VN', English with 'en-GB'.
 */

export const LANGS = ["vi", "en"];
const STORAGE_KEY = "bridge.lang";
const TIME_ZONE = "Asia/Ho_Chi_Minh";

let lang = "vi";
let catalogue = {};
const listeners = new Set();

function storedLang() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage can be disabled by policy; the default still works
  }
}

function storeLang(value) {
  try {
    localStorage.setItem(STORAGE_KEY, value);
  } catch {
    /* not remembered, still applied */
  }
}

/** The language to start with: ?lang=, then the remembered choice, then Vietnamese. */
export function detectLang() {
  const fromQuery = new URLSearchParams(location.search).get("lang");
  if (LANGS.includes(fromQuery)) {
    storeLang(fromQuery);
    return fromQuery;
  }
  const remembered = storedLang();
  return LANGS.includes(remembered) ? remembered : "vi";
}

export function currentLang() {
  return lang;
}

async function fetchCatalogue(code) {
  const response = await fetch(`/static/i18n/${code}.json`, { cache: "no-cache" });
  if (!response.ok) throw new Error(`catalogue ${code}: HTTP ${response.status}`);
  return response.json();
}

/** Load a catalogue, apply it to the document and tell listeners. Falls back to Vietnamese. */
export async function setLang(code, { remember = true } = {}) {
  const wanted = LANGS.includes(code) ? code : "vi";
  let loaded;
  try {
    loaded = await fetchCatalogue(wanted);
  } catch (err) {
    console.warn("bridge i18n:", err);
    if (wanted === "vi") throw err;
    return setLang("vi", { remember: false });
  }
  catalogue = loaded;
  lang = wanted;
  if (remember) storeLang(wanted);
  document.documentElement.lang = wanted;
  applyTranslations(document);
  for (const fn of listeners) fn(wanted);
  return wanted;
}

/** Call fn(lang) after every language change (to re-render dynamic text). */
export function onLangChange(fn) {
  listeners.add(fn);
}

export function has(key) {
  return Object.prototype.hasOwnProperty.call(catalogue, key);
}

export function t(key, params = {}, fallback) {
  let text = has(key) ? catalogue[key] : fallback ?? key;
  for (const [name, value] of Object.entries(params)) {
    text = text.split(`{${name}}`).join(String(value));
  }
  return text;
}

/** Our text for an error code, else the server's (already localized) message. */
export function errorText(code, serverMessage) {
  const key = `error.${code}`;
  if (code && has(key)) return t(key);
  return serverMessage || t("error.unknown");
}

const ATTRIBUTE_BINDINGS = [
  ["data-i18n-title", "title"],
  ["data-i18n-aria-label", "aria-label"],
  ["data-i18n-placeholder", "placeholder"],
];

export function applyTranslations(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const [dataAttr, attr] of ATTRIBUTE_BINDINGS) {
    for (const el of root.querySelectorAll(`[${dataAttr}]`)) {
      el.setAttribute(attr, t(el.getAttribute(dataAttr)));
    }
  }
  const titleKey = document.documentElement.dataset.i18nDocTitle;
  if (titleKey) document.title = t(titleKey);
  for (const button of root.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
  }
}

/** Wire every `[data-lang]` button to switch language. */
export function bindLangButtons(root = document) {
  for (const button of root.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => {
      setLang(button.dataset.lang).catch((err) => console.warn("bridge i18n:", err));
    });
  }
}

function formatter(options) {
  return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "vi-VN", {
    timeZone: TIME_ZONE,
    ...options,
  });
}

/** "14:05:09" in Vietnam time. */
export function formatTime(date) {
  return formatter({ hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false })
    .format(date);
}

/** Date and time in Vietnam time, e.g. "14:05:09 22/11/2025" (vi) or "22/11/2025, 14:05:09". */
export function formatDateTime(date) {
  return formatter({
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  }).format(date);
}
