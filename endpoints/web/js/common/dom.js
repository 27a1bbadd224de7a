/*
 * dom.js — small DOM helpers both pages use. The pages never set innerHTML (the catalogue
 * test checks): elements are made with `element()` and filled with textContent.
 */

export const byId = (id) => document.getElementById(id);

/**
 * A new element: `element("button", {className: "button", type: "button",
 * dataset: {action: "mute"}, text: "…", attrs: {"aria-label": "…"}}, child…)`.
 */
export function element(tag, { className, text, dataset, attrs, ...props } = {}, ...children) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  if (dataset) Object.assign(el.dataset, dataset);
  if (attrs) for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  Object.assign(el, props);
  el.append(...children);
  return el;
}

/** sessionStorage / localStorage that never throws: storage can be disabled by policy. */
function store(area) {
  return {
    get(key) {
      try {
        return globalThis[area].getItem(key);
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        if (value === null) globalThis[area].removeItem(key);
        else globalThis[area].setItem(key, value);
      } catch {
        /* kept in memory only */
      }
    },
  };
}

export const sessionStore = store("sessionStorage");
export const localStore = store("localStorage");
