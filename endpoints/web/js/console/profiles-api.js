/*
 * profiles-api.js — every HTTP call of the hardware profiles screen, in one place, so a
 * route renamed is one edit here. Shapes (docs/profiles.md; the routes are the profile
 * API's):
 *   GET    /api/profiles                 → {profiles: [{id, name: {vi, en}, summary: {vi, en},
 *                                           builtin, profile}]}
 *   POST   /api/profiles                 {id, name, summary, profile} | {id, name, copy_of}
 *   GET/PUT/DELETE /api/profiles/{id}    PUT {name, summary, profile}
 *   GET    /api/sites                    → {sites: [{id, name, level, parent_id}]}
 *   GET/PUT/DELETE /api/sites/{id}/profile   PUT {profile_id, fields, locked}: `fields` a
 *                                           ProfileOverride (sections, each field optional),
 *                                           `locked` field or section paths
 *   GET/PUT/DELETE /api/sites/{id}/profile → {site, assignment (null: none), effective}
 *   GET    /api/sessions/{id}/profiles   → {session, sites: [{site, assignment, effective:
 *                                           {profile, fields: {path: {value, source,
 *                                           locked_by, ignored}}}, report}]}
 * Errors are ApiError (common/api.js) with the 422's `field` ("profile.microphone.gain_db").
 */

import { api } from "./auth.js";

const id = (value) => encodeURIComponent(String(value));

export const profilesApi = {
  list: () => api("GET", "/api/profiles"),
  get: (profileId) => api("GET", `/api/profiles/${id(profileId)}`),
  create: (body) => api("POST", "/api/profiles", body),
  update: (profileId, body) => api("PUT", `/api/profiles/${id(profileId)}`, body),
  remove: (profileId) => api("DELETE", `/api/profiles/${id(profileId)}`),
  sites: () => api("GET", "/api/sites"),
  assignment: (siteId) => api("GET", `/api/sites/${id(siteId)}/profile`),
  assign: (siteId, body) => api("PUT", `/api/sites/${id(siteId)}/profile`, body),
  unassign: (siteId) => api("DELETE", `/api/sites/${id(siteId)}/profile`),
  session: (sessionId) => api("GET", `/api/sessions/${id(sessionId)}/profiles`),
};

/** The permission each part of the screen needs (`ready.actions`). */
export const PROFILE_ACTIONS = {
  list: "profile.list",
  edit: "profile.update",
  assign: "site.profile.assign",
};

/** Whether `ready.actions` (`allowed`; null: a bridge that does not say, so everything)
 * lets this account take `permission`. */
export function allows(permission, allowed) {
  return !Array.isArray(allowed) || allowed.includes(permission);
}
