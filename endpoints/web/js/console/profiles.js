/*
 * profiles.js — the hardware profiles screen ("Hồ sơ thiết bị"), over a live board (the
 * board's socket stays open, so `profile_status` keeps the read-back columns live):
 *
 *   1. the profiles (built-in ones marked) with copy / edit / delete, and an editor form
 *      for every field (profile-fields.js); a 422 is shown next to the field it names;
 *   2. assignment: a roster site or one of its parents in the site tree, its profile, its
 *      per-field overrides and locks (PUT /api/sites/{id}/profile);
 *   3. the roster's effective values, one section of fields at a time: the value, where it
 *      comes from (the level's site · its profile), a lock mark, and what the hall read back.
 *
 * Every call is in profiles-api.js. `ready.actions` gates each part (profile.list /
 * profile.edit / profile.assign): a control this account may not use is disabled and says
 * why, as the board's are.
 */

import { element } from "../common/dom.js";
import { currentLang, onLangChange, t } from "../common/i18n.js";
import { NOT_PERMITTED } from "./actions.js";
import { confirmAction } from "./confirm.js";
import { dom } from "./elements.js";
import { model, page } from "./model.js";
import { LEVEL_RANK, plainName } from "./names.js";
import {
  FIELDS,
  fieldByPath,
  fieldOfError,
  flatten,
  fromInput,
  nest,
  SECTION_KEYS,
  SECTIONS,
  sectionOf,
  toInput,
  valueAt,
} from "./profile-fields.js";
import { allows, PROFILE_ACTIONS, profilesApi } from "./profiles-api.js";
import { STATE_KEYS, STATE_MARKS } from "./devices.js";
import { render } from "./views.js";

const $ = (id) => document.getElementById(id);
const local = {
  tree: [], // GET /api/sites
  editing: null, // {mode: "new" | "edit" | "copy", id}
  effective: new Map(), // site id -> its GET /api/sessions/{id}/profiles entry
  section: "microphone",
  seq: 0, // the latest load; an older answer is dropped
};

const may = (what) => allows(PROFILE_ACTIONS[what], model.actions);
const nameOf = (entry) => (entry && entry.name && (entry.name[currentLang()] || entry.name.vi)) || entry.id;
const summaryOf = (entry) =>
  (entry && entry.summary && (entry.summary[currentLang()] || entry.summary.vi)) || "";

/* A control's state: disabled unless `ok`; when the role is the reason, it says so. */
function gate(control, what, ok = true, reason = "") {
  const allowed = may(what);
  control.disabled = !allowed || !ok;
  control.dataset.permitted = String(allowed);
  const tip = !allowed ? t(NOT_PERMITTED) : !ok ? reason : "";
  if (tip) control.title = tip;
  else control.removeAttribute("title");
}

function status(key, params = {}) {
  $("profiles-status").textContent = key ? t(key, params) : "";
}

function failed(err) {
  $("profiles-status").textContent = err && err.text ? err.text() : String(err);
}

export function openProfiles() {
  model.screen = "profiles";
  render();
  loadAll();
}

function closeProfiles() {
  model.screen = "board";
  render();
}

async function loadAll() {
  const seq = ++local.seq;
  renderGates();
  if (!may("list")) {
    status(NOT_PERMITTED);
    return;
  }
  status("console.profiles.loading");
  try {
    const [list, tree] = await Promise.all([
      profilesApi.list(),
      profilesApi.sites().catch(() => ({ sites: [] })), // parents are a bonus
    ]);
    if (seq !== local.seq) return;
    model.profiles = Array.isArray(list && list.profiles) ? list.profiles : [];
    local.tree = Array.isArray(tree && tree.sites) ? tree.sites : [];
    status("");
  } catch (err) {
    if (seq === local.seq) failed(err);
    return;
  }
  renderList();
  renderAssignSites();
  loadEffective();
}

async function loadEffective() {
  if (!page.sessionId) return;
  try {
    const data = await profilesApi.session(page.sessionId);
    local.effective = new Map(
      (Array.isArray(data && data.sites) ? data.sites : []).map((e) => [e.site ? e.site.id : e.site_id, e]),
    );
  } catch (err) {
    failed(err);
  }
  renderEffective();
}

/* ---- 1. the list ---- */

function renderGates() {
  gate($("profiles-new"), "edit");
  gate($("profile-editor-save"), "edit");
  gate($("assign-save"), "assign");
  gate($("assign-remove"), "assign");
  gate($("effective-refresh"), "list");
}

function renderList() {
  const body = $("profiles-body");
  body.replaceChildren(
    ...model.profiles.map((entry) => {
      const kind = entry.builtin ? "console.profiles.builtin" : "console.profiles.custom";
      const buttons = ["copy", "edit", "delete"].map((what) => {
        const button = element("button", {
          type: "button",
          className: `button button-small${what === "delete" ? " button-danger" : ""}`,
          dataset: { profileAction: what, profileId: entry.id },
          text: t(`console.profiles.${what}`),
        });
        const readOnly = entry.builtin && what !== "copy";
        gate(button, "edit", !readOnly, t("console.profiles.builtin_read_only"));
        button.setAttribute("aria-label", `${t(`console.profiles.${what}`)}: ${nameOf(entry)}`);
        return button;
      });
      return element(
        "tr",
        { dataset: { profileId: entry.id, builtin: String(Boolean(entry.builtin)) } },
        element(
          "th",
          { scope: "row", className: "profile-name" },
          element("span", { className: "profile-title", text: nameOf(entry) }),
          element("code", { className: "profile-id", text: entry.id }),
        ),
        element("td", {}, element("span", { className: "pill profile-kind", text: t(kind) })),
        element("td", { className: "profile-summary", text: summaryOf(entry) }),
        element("td", { className: "profile-actions" }, ...buttons),
      );
    }),
  );
}

async function onListClick(event) {
  const button = event.target.closest("button[data-profile-action]");
  if (!button || button.disabled) return;
  const entry = model.profiles.find((p) => p.id === button.dataset.profileId);
  if (!entry) return;
  const what = button.dataset.profileAction;
  if (what === "edit") openEditor("edit", entry);
  else if (what === "copy") openEditor("copy", entry);
  else if (what === "delete") {
    const ok = await confirmAction(
      {
        title: "console.profiles.delete_title",
        text: "console.profiles.delete_text",
        ok: "console.profiles.delete",
      },
      { name: nameOf(entry) },
    );
    if (!ok) return;
    try {
      await profilesApi.remove(entry.id);
      status("console.profiles.deleted", { name: nameOf(entry) });
      loadAll();
    } catch (err) {
      failed(err);
    }
  }
}

/* ---- the editor ---- */

function fieldBox(id, labelText, input, hint = "") {
  const box = element("div", { className: "pf-field", dataset: { field: id } });
  box.append(element("label", { htmlFor: `pf-${id}`, text: labelText }));
  input.id = `pf-${id}`;
  input.setAttribute("aria-describedby", `pf-err-${id}`);
  box.append(input);
  if (hint) box.append(element("span", { className: "pf-hint", text: hint }));
  box.append(
    element("p", { className: "field-error", id: `pf-err-${id}`, hidden: true, attrs: { role: "alert" } }),
  );
  return box;
}

function inputFor(field, value) {
  if (field.kind === "bool") {
    const input = element("input", { type: "checkbox" });
    input.checked = toInput(field, value);
    return input;
  }
  if (field.kind === "labels") {
    const input = element("textarea", { rows: 2, spellcheck: false });
    input.value = toInput(field, value);
    return input;
  }
  if (field.kind === "enum") {
    const input = element(
      "select",
      {},
      ...field.options.map(([v, key]) => element("option", { value: v, text: t(key) })),
    );
    input.value = toInput(field, value);
    return input;
  }
  const input = element("input", {
    type: "number",
    min: String(field.min),
    max: String(field.max),
    step: String(field.step),
    inputMode: field.kind === "int" ? "numeric" : "decimal",
  });
  input.value = toInput(field, value);
  return input;
}

function hintFor(field) {
  if (field.kind === "labels") return t("console.pfield.labels_hint");
  if (field.kind === "int" || field.kind === "number") {
    return t("console.pfield.bounds", { min: field.min, max: field.max });
  }
  return "";
}

function openEditor(mode, entry = null) {
  local.editing = { mode, id: entry ? entry.id : null };
  const form = $("profile-editor");
  const heading = {
    new: t("console.profiles.editor_new"),
    edit: t("console.profiles.editor_edit", { name: entry ? nameOf(entry) : "" }),
    copy: t("console.profiles.editor_copy", { name: entry ? nameOf(entry) : "" }),
  }[mode];
  $("profile-editor-heading").textContent = heading;
  const profile = (entry && entry.profile) || {};
  const text = (value) => element("input", { type: "text", maxLength: 120, value: value || "" });
  const idInput = text(mode === "edit" ? entry.id : mode === "copy" ? `${entry.id}-copy` : "");
  idInput.readOnly = mode === "edit";
  idInput.spellcheck = false;
  const names = (entry && entry.name) || {};
  const summaries = (entry && entry.summary) || {};
  const copyName = (lang) =>
    mode === "copy" ? t("console.profiles.copy_name", { name: names[lang] || entry.id }) : names[lang];
  const summaryInput = (value) => {
    const area = element("textarea", { rows: 2, maxLength: 400 });
    area.value = value || "";
    return area;
  };
  $("profile-editor-head").replaceChildren(
    fieldBox("id", t("console.profiles.field_id"), idInput, t("console.profiles.id_hint")),
    fieldBox("name.vi", t("console.profiles.field_name_vi"), text(copyName("vi"))),
    fieldBox("name.en", t("console.profiles.field_name_en"), text(copyName("en"))),
    fieldBox("summary.vi", t("console.profiles.field_summary_vi"), summaryInput(summaries.vi)),
    fieldBox("summary.en", t("console.profiles.field_summary_en"), summaryInput(summaries.en)),
  );
  $("profile-editor-fields").replaceChildren(
    ...SECTIONS.map((section) =>
      element(
        "fieldset",
        { className: "pf-section" },
        element("legend", { text: t(SECTION_KEYS[section]) }),
        ...FIELDS.filter((f) => sectionOf(f.path) === section).map((f) =>
          fieldBox(f.path, t(f.key), inputFor(f, valueAt(profile, f.path)), hintFor(f)),
        ),
      ),
    ),
  );
  clearErrors(form, "profile-editor-error");
  form.hidden = false;
  renderGates();
  $("profile-editor-heading").tabIndex = -1;
  $("profile-editor-heading").focus();
}

function clearErrors(root, generalId) {
  for (const p of root.querySelectorAll(".field-error")) {
    p.hidden = true;
    p.textContent = "";
  }
  for (const el of root.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  $(generalId).hidden = true;
}

/* A 422 next to the field it names; any other error above the form. */
function showError(err, root, generalId, idOf) {
  const target = err && err.status === 422 && err.field ? idOf(err.field) : null;
  const slot = target && root.querySelector(`[id="${target.error}"]`);
  if (slot) {
    // the server's words name the field and its bound; the catalogue's only the code
    slot.textContent = err.serverMessage || err.text();
    slot.hidden = false;
    const input = root.querySelector(`[id="${target.input}"]`);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
    return;
  }
  const general = $(generalId);
  general.textContent = err && err.text ? err.text() : String(err);
  general.hidden = false;
}

function readValue(el, field) {
  if (field && field.kind === "bool") return fromInput(field, el.checked);
  return field ? fromInput(field, el.value) : el.value.trim();
}

async function saveEditor(event) {
  event.preventDefault();
  const form = $("profile-editor");
  if (!local.editing || $("profile-editor-save").disabled) return;
  clearErrors(form, "profile-editor-error");
  const value = (id) => readValue($(`pf-${id}`), fieldByPath.get(id));
  const flat = Object.fromEntries(FIELDS.map((f) => [f.path, value(f.path)]));
  const body = {
    name: { vi: value("name.vi"), en: value("name.en") },
    summary: { vi: value("summary.vi"), en: value("summary.en") },
    profile: nest(flat),
  };
  const { mode, id } = local.editing;
  try {
    if (mode === "edit") await profilesApi.update(id, body);
    else await profilesApi.create({ id: value("id"), ...body });
    form.hidden = true;
    local.editing = null;
    status("console.profiles.saved", { name: body.name[currentLang()] || body.name.vi });
    loadAll();
  } catch (err) {
    showError(err, form, "profile-editor-error", (field) => {
      const path = fieldOfError(field, "profile");
      return { input: `pf-${path}`, error: `pf-err-${path}` };
    });
  }
}

/* ---- 2. assignment ---- */

const levelRank = (site) => LEVEL_RANK[site.level] ?? 9;

/** The roster's sites and every parent they have in the site tree, top level first. */
function assignableSites() {
  const byId = new Map(local.tree.map((s) => [s.id, s]));
  const chosen = new Map();
  for (const site of model.sites) {
    let node = byId.get(site.id) || site;
    for (let depth = 0; node && depth < 8; depth += 1) {
      if (!chosen.has(node.id)) chosen.set(node.id, node);
      node = node.parent_id != null ? byId.get(node.parent_id) : null;
    }
  }
  const collator = new Intl.Collator("vi", { sensitivity: "base", numeric: true });
  return [...chosen.values()].sort(
    (a, b) => levelRank(a) - levelRank(b) || collator.compare(plainName(a.name), plainName(b.name)),
  );
}

function renderAssignSites() {
  const select = $("assign-site");
  const before = select.value;
  const onRoster = new Set(model.sites.map((s) => s.id));
  select.replaceChildren(
    element("option", { value: "", text: t("console.assign.pick") }),
    ...assignableSites().map((site) =>
      element("option", {
        value: String(site.id),
        text: `${t(`level.${site.level}`, {}, site.level || "")}: ${plainName(site.name)}${
          onRoster.has(site.id) ? "" : ` (${t("console.assign.parent")})`
        }`,
      }),
    ),
  );
  if ([...select.options].some((o) => o.value === before)) select.value = before;
  renderProfileChoices();
  renderAssignFields(null);
}

function renderProfileChoices() {
  const select = $("assign-profile");
  const before = select.value;
  select.replaceChildren(
    element("option", { value: "", text: t("console.assign.no_profile") }),
    ...model.profiles.map((p) => element("option", { value: p.id, text: nameOf(p) })),
  );
  select.value = before;
}

function renderAssignFields(assignment) {
  const set = flatten(assignment && assignment.fields);
  const locked = new Set((assignment && assignment.locked) || []);
  $("assign-profile").value = (assignment && assignment.profile_id) || "";
  $("assign-sections").replaceChildren(
    ...SECTIONS.map((section) => {
      const box = element("input", { type: "checkbox", id: `as-lock-${section}` });
      box.checked = locked.has(section);
      return element(
        "label",
        { className: "assign-section-lock" },
        box,
        ` ${t("console.assign.lock_section", { section: t(SECTION_KEYS[section]) })}`,
      );
    }),
  );
  $("assign-body").replaceChildren(
    ...FIELDS.map((field) => {
      const on = element("input", { type: "checkbox", id: `as-set-${field.path}` });
      on.checked = field.path in set;
      on.setAttribute("aria-label", t("console.assign.override_field", { field: t(field.key) }));
      const input = inputFor(field, set[field.path]);
      input.id = `as-${field.path}`;
      input.disabled = !on.checked;
      input.setAttribute("aria-label", t(field.key));
      on.addEventListener("change", () => {
        input.disabled = !on.checked;
      });
      const lock = element("input", { type: "checkbox", id: `as-lock-${field.path}` });
      lock.checked = locked.has(field.path);
      lock.setAttribute("aria-label", t("console.assign.lock_field", { field: t(field.key) }));
      return element(
        "tr",
        { dataset: { field: field.path } },
        element("th", { scope: "row", text: t(field.key) }),
        element("td", {}, on),
        element(
          "td",
          {},
          input,
          element("p", { className: "field-error", id: `as-err-${field.path}`, hidden: true }),
        ),
        element("td", {}, lock),
      );
    }),
  );
}

async function loadAssignment() {
  const siteId = Number($("assign-site").value);
  clearErrors($("assign-form"), "assign-error");
  if (!siteId) {
    renderAssignFields(null);
    return;
  }
  try {
    const data = await profilesApi.assignment(siteId);
    renderAssignFields((data && data.assignment) || null);
  } catch (err) {
    if (err && err.status === 404) renderAssignFields(null); // nothing assigned there yet
    else failed(err);
  }
}

async function saveAssignment(event) {
  event.preventDefault();
  const form = $("assign-form");
  const siteId = Number($("assign-site").value);
  clearErrors(form, "assign-error");
  if (!siteId) {
    showError(new Error(t("console.assign.pick_first")), form, "assign-error", () => null);
    return;
  }
  const flat = {};
  const locked = SECTIONS.filter((s) => $(`as-lock-${s}`).checked);
  for (const field of FIELDS) {
    if ($(`as-set-${field.path}`).checked) flat[field.path] = readValue($(`as-${field.path}`), field);
    if ($(`as-lock-${field.path}`).checked) locked.push(field.path);
  }
  const body = { profile_id: $("assign-profile").value || null, fields: nest(flat), locked };
  try {
    await profilesApi.assign(siteId, body);
    status("console.assign.saved");
    loadEffective();
  } catch (err) {
    showError(err, form, "assign-error", (field) => {
      const path = fieldOfError(field, "fields");
      return fieldByPath.has(path) ? { input: `as-${path}`, error: `as-err-${path}` } : null;
    });
  }
}

async function removeAssignment() {
  const siteId = Number($("assign-site").value);
  if (!siteId || $("assign-remove").disabled) return;
  try {
    await profilesApi.unassign(siteId);
    renderAssignFields(null);
    status("console.assign.removed");
    loadEffective();
  } catch (err) {
    failed(err);
  }
}

/* ---- 3. the roster's effective values ---- */

function shownFieldValue(field, value) {
  if (value === undefined || value === null) return "—";
  if (field && field.kind === "bool") return t(value ? "console.pfield.on" : "console.pfield.off");
  if (field && field.kind === "labels") {
    return Array.isArray(value) && value.length ? value.join(", ") : t("console.pfield.default_device");
  }
  if (field && field.kind === "enum") {
    const option = field.options.find(([v]) => v === value);
    return option ? t(option[1]) : String(value);
  }
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

function sourceText(source) {
  if (!source) return { short: t("console.effective.default"), long: t("console.effective.default") };
  const who = plainName(source.site_name || `#${source.site_id}`);
  const what = source.profile_id || t("console.effective.own");
  const level = t(`level.${source.level}`, {}, source.level || "");
  return { short: `${who} · ${what}`, long: `${level}: ${who} · ${what}` };
}

function renderSectionChoices() {
  const select = $("effective-section");
  select.replaceChildren(
    ...SECTIONS.map((s) => element("option", { value: s, text: t(SECTION_KEYS[s]) })),
  );
  select.value = local.section;
}

function effectiveCell(site, field, resolved, report) {
  const td = element("td", { dataset: { field: field.path } });
  if (!resolved) {
    td.append("—");
    return td;
  }
  td.append(element("span", { className: "eff-value", text: shownFieldValue(field, resolved.value) }));
  if (resolved.locked_by) {
    const by = sourceText(resolved.locked_by);
    td.append(
      " ",
      element("span", {
        className: "lock-mark",
        text: "🔒",
        title: t("console.effective.locked_by", { source: by.long }),
        attrs: { "aria-label": t("console.effective.locked_by", { source: by.long }) },
      }),
    );
  }
  const source = sourceText(resolved.source);
  const ignored = Array.isArray(resolved.ignored) ? resolved.ignored.length : 0;
  td.append(
    element("span", {
      className: "eff-source",
      text: source.short,
      title: ignored ? `${source.long} — ${t("console.effective.ignored", { count: ignored })}` : source.long,
    }),
  );
  const fs = report && report.fields ? report.fields[field.path] : null;
  if (fs && fs.ok === true) {
    td.dataset.check = "ok";
    td.append(element("span", { className: "eff-ok", text: `✓ ${t("console.effective.confirmed")}` }));
  } else if (fs && fs.ok === false) {
    td.dataset.check = "differs";
    td.append(
      element("span", {
        className: "eff-differs",
        text: t("console.effective.differs", {
          desired: shownFieldValue(field, fs.desired),
          readback: shownFieldValue(field, fs.readback),
        }),
      }),
    );
  }
  return td;
}

function renderEffective() {
  if (model.screen !== "profiles") return;
  const fields = FIELDS.filter((f) => sectionOf(f.path) === local.section);
  $("effective-head").replaceChildren(
    element("th", { scope: "col", text: t("console.col.name") }),
    element("th", { scope: "col", text: t("console.effective.state") }),
    ...fields.map((f) => element("th", { scope: "col", text: t(f.key) })),
  );
  $("effective-body").replaceChildren(
    ...model.sites.map((site) => {
      const entry = local.effective.get(site.id);
      const report = model.profileStatus.get(site.id) || (entry && entry.report) || null;
      const state = report ? report.state : "offline";
      const resolvedFields = (entry && entry.effective && entry.effective.fields) || {};
      return element(
        "tr",
        { dataset: { siteId: String(site.id), state } },
        element("th", { scope: "row", className: "eff-site", text: plainName(site.name) }),
        element("td", {
          className: "eff-state",
          text: `${STATE_MARKS[state] || ""} ${t(STATE_KEYS[state] || STATE_KEYS.offline)}`,
        }),
        ...fields.map((f) => effectiveCell(site, f, resolvedFields[f.path], report)),
      );
    }),
  );
}

/** Wired once, at start. */
export function bindProfiles() {
  dom.profilesOpen.addEventListener("click", openProfiles);
  $("profiles-back").addEventListener("click", closeProfiles);
  $("profiles-new").addEventListener("click", () => openEditor("new"));
  $("profiles-body").addEventListener("click", onListClick);
  $("profile-editor").addEventListener("submit", saveEditor);
  $("profile-editor-cancel").addEventListener("click", () => {
    $("profile-editor").hidden = true;
    local.editing = null;
  });
  $("assign-site").addEventListener("change", loadAssignment);
  $("assign-form").addEventListener("submit", saveAssignment);
  $("assign-remove").addEventListener("click", removeAssignment);
  renderSectionChoices();
  $("effective-section").addEventListener("change", () => {
    local.section = $("effective-section").value;
    renderEffective();
  });
  $("effective-refresh").addEventListener("click", loadEffective);
  document.addEventListener("bridge:profile-status", renderEffective);
  onLangChange(() => {
    renderSectionChoices();
    if (model.screen !== "profiles") return;
    renderList();
    renderAssignSites();
    renderEffective();
  });
}
