/*
 * connection.js — the board's WebSocket /ws (docs/protocol.md): `operator {session_id,
 * token, lang}` → `ready`, `roster`, `shown`, `floor`, then events (events.js). It
 * reconnects by itself after 1, 2, 4, 8, 15, 15… s; `session_not_open` retries every 5 s;
 * an expired or invalid login token returns to the login form.
 */

import { currentLang, t } from "../common/i18n.js";
import { ReconnectingSocket } from "../common/socket.js";
import { renderBoard } from "./board.js";
import { pending } from "./controls.js";
import { handleMessage } from "./events.js";
import { logEvent } from "./log.js";
import { model, page } from "./model.js";
import { logout } from "./navigation.js";
import { stopPreviews } from "./previews.js";
import { render, setState } from "./views.js";

const WAITING_RETRY_MS = 5_000;

export const socket = new ReconnectingSocket({
  onOpen: () =>
    send({
      type: "operator",
      session_id: page.sessionId,
      token: page.auth.token,
      lang: currentLang(),
    }),
  onMessage: (message) => handleMessage(message),
  onClose: (code) => onClosed(code),
  onRetryDue: () => connect(),
  onTick: () => renderBoard(),
});

export function send(message) {
  return socket.send(message);
}

export function connect() {
  socket.clearRetry();
  closeSocket();
  if (!page.auth || page.sessionId === null) return;
  page.waitingForOpen = false;
  socket.connect();
  model.ws = socket.ws;
  render();
}

export function closeSocket() {
  socket.close();
  model.ws = null;
  pending.clear();
  stopPreviews();
}

function onClosed(code) {
  model.ws = null;
  if (["ended", "stopped", "logged_out", "sessions"].includes(model.state)) return;
  if (code === 4401) {
    logout("console.login.expired");
    return;
  }
  if (code === 4410) {
    stopBoard("ended");
    return;
  }
  if (code === 4403 || code === 4000) {
    if (!model.lastError) model.lastError = { code: code === 4000 ? "replaced" : "wrong_session" };
    stopBoard("stopped");
    return;
  }
  if (code === 4409 || page.waitingForOpen) {
    socket.retryIn(WAITING_RETRY_MS);
    setState("waiting");
    return;
  }
  const delay = socket.reconnectLater();
  logEvent("warn", () => t("console.log.disconnected", { seconds: delay }));
  setState("reconnecting");
}

/** The board stops here: no socket, no retry, the given state. */
export function stopBoard(state) {
  socket.clearRetry();
  closeSocket();
  setState(state);
}
