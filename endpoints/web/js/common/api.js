/*
 * api.js — the HTTP JSON API client: `Accept-Language` set to the UI language, an optional
 * `Authorization: Bearer <token>`, and errors as ApiError. The API answers errors as
 * {error: {code, message}}; `text()` shows our catalogue's words for the code, falling
 * back to the server's localized message. A `FormData` body (a notice with its document)
 * is sent as it is: the browser writes the multipart/form-data type and its boundary.
 */

import { currentLang, errorText, t } from "./i18n.js";

export class ApiError extends Error {
  constructor(code, message, status, field = null, problem = null) {
    super(message || code);
    this.code = code;
    this.serverMessage = message || null;
    this.status = status;
    this.field = field; // a 422's field at fault ("profile.microphone.gain_db"), or null
    this.problem = problem;
  }

  text() {
    if (this.code === "http") return t("error.http", { status: this.status });
    return errorText(this.code, this.serverMessage);
  }
}

/**
 * A file from the API (a CSV export): `{blob, filename}`, with the same headers and errors
 * as `request`. `filename` is the server's (Content-Disposition) or null. A plain link
 * cannot carry the login token, so the page fetches the file and saves it itself.
 */
export async function requestFile(path, { token, accept = "*/*" } = {}) {
  const headers = { Accept: accept, "Accept-Language": currentLang() };
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { headers, cache: "no-store", credentials: "same-origin" });
  } catch {
    throw new ApiError("network", null, 0);
  }
  if (!response.ok) {
    let err = {};
    try {
      err = ((await response.json()) || {}).error || {};
    } catch {
      err = {};
    }
    throw new ApiError(err.code || "http", err.message, response.status);
  }
  const disposition = response.headers.get("content-disposition") || "";
  const named = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  let filename = null;
  if (named) {
    try {
      filename = decodeURIComponent(named[1]);
    } catch {
      filename = named[1];
    }
  }
  return { blob: await response.blob(), filename };
}

export async function request(method, path, { body, token } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": currentLang() };
  if (token) headers.Authorization = `Bearer ${token}`;
  const form = typeof FormData !== "undefined" && body instanceof FormData;
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined || form ? body : JSON.stringify(body),
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError("network", null, 0);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(
      err.code || "http",
      err.message,
      response.status,
      err.field ?? null,
      err.problem ?? null,
    );
  }
  return data;
}
