/*
 * readiness-api.js — the readiness board's HTTP calls and permissions, in one place, so a
 * route or a permission renamed is one edit here (shapes: docs/connection-tests.md,
 * "Readiness board"):
 *   GET /api/sessions/{id}/readiness      → {session_id, window: {opens, closes, default}
 *                                            | null, testing, sites: [board row…]}
 *   GET /api/sessions/{id}/readiness.csv  → text/csv, one line per roster site, its header
 *                                            in the request's language (Accept-Language)
 * Both carry the console's login token; the CSV is fetched and saved by the page (a plain
 * link would go without it).
 */

import { requestFile } from "../common/api.js";
import { api } from "./auth.js";
import { page } from "./model.js";

const id = (value) => encodeURIComponent(String(value));

export const readinessPath = (sessionId) => `/api/sessions/${id(sessionId)}/readiness`;
export const csvPath = (sessionId) => `${readinessPath(sessionId)}.csv`;

export const readinessApi = {
  board: (sessionId) => api("GET", readinessPath(sessionId)),
  csv: (sessionId) =>
    requestFile(csvPath(sessionId), {
      token: page.auth ? page.auth.token : null,
      accept: "text/csv",
    }),
};

/** The permission `ready.actions` names for reading the board (the HTTP routes). The
 * running of tests is the action table's `test_run` (actions.js, "readiness.test"). */
export const READINESS_VIEW = "readiness.view";
