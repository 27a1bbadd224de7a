/*
 * actions.js — every action of the console in one table, read by the row buttons, the
 * selected bar, the session-wide buttons, the hands queue, the keyboard shortcuts and the
 * help dialog. Pure (no DOM, no catalogue: label keys only), so `node --test` checks it.
 *
 * An entry:
 *   name        what the code calls it; for a control, also the message type it sends
 *   scope       "site" (acts on one site), "session" (on the whole session) or "view"
 *               (on this screen only: selection, density, help; sends nothing)
 *   label       catalogue key of its button text
 *   keys, help  its keyboard shortcut(s) and the help dialog's words for it (table order
 *               is the help dialog's order); letters match in either case
 *   permission  the name the bridge lists in `ready.actions` when this account may take it
 *   when        (site, board) → bool: whether it makes sense now. `board` is
 *               {ready, floor, shownId}: the console is connected, who has the floor, who
 *               is shown. Permission is checked apart (`enabled` combines both).
 *   message     (site, value) → the message it sends (a control's request id is added
 *               when it is sent); `control`: logged as sent and its errors named
 *   confirm     catalogue keys of the question asked before it (it cannot be undone)
 *   resolve     (site) → the action a toggle stands for now (mute ↔ unmute)
 */

export const NOT_PERMITTED = "console.role.not_permitted";

const muteOrUnmute = (site) => (site && site.muted ? "unmute" : "mute");
const siteMessage = (type) => (site) => ({ type, site_id: site.id });
const sessionMessage = (type) => () => ({ type });
const ready = (site, board) => board.ready;
const live = (site) => site.state !== "offline";

export const ACTIONS = [
  { name: "next", scope: "view", keys: ["j", "ArrowDown"], help: "console.keys.next" },
  { name: "previous", scope: "view", keys: ["k", "ArrowUp"], help: "console.keys.previous" },
  {
    name: "mute",
    scope: "site",
    label: "console.action.mute",
    keys: ["m"],
    help: "console.keys.mute",
    permission: "site.mute",
    when: ready,
    message: siteMessage("mute"),
    control: true,
    resolve: muteOrUnmute,
  },
  {
    name: "unmute",
    scope: "site",
    label: "console.action.unmute",
    permission: "site.unmute",
    when: ready,
    message: siteMessage("unmute"),
    control: true,
    resolve: muteOrUnmute,
  },
  {
    name: "give_floor",
    scope: "site",
    label: "console.action.give_floor",
    keys: ["f"],
    help: "console.keys.floor",
    permission: "floor.give",
    when: (site, board) => board.ready && live(site) && board.floor !== site.id,
    message: siteMessage("give_floor"),
    control: true,
  },
  {
    name: "show",
    scope: "site",
    label: "console.action.show",
    keys: ["s"],
    help: "console.keys.show",
    permission: "site.show",
    // An offline hall cannot be shown (the bridge answers site_offline): everyone would
    // watch a frozen or black picture captioned with its name.
    when: (site, board) => board.ready && live(site) && board.shownId !== site.id,
    message: siteMessage("show"),
    control: true,
  },
  {
    name: "lower_hand",
    scope: "site",
    label: "console.action.lower_hand",
    keys: ["l"],
    help: "console.keys.lower",
    permission: "hand.lower",
    when: (site, board) => board.ready && Boolean(site.hand_raised),
    message: siteMessage("lower_hand"),
    control: true,
  },
  {
    // The floor to the first in the hands queue who is still connected.
    name: "next_hand",
    scope: "session",
    keys: ["n"],
    help: "console.keys.next_hand",
    permission: "floor.give",
    when: ready,
    does: "give_floor",
  },
  {
    name: "mute_all_except_host",
    scope: "session",
    label: "console.action.mute_all_except_host",
    keys: ["a"],
    help: "console.keys.mute_all",
    permission: "mute.all_except_host",
    when: ready,
    message: sessionMessage("mute_all_except_host"),
    control: true,
  },
  {
    name: "unmute_all",
    scope: "session",
    label: "console.action.unmute_all",
    keys: ["u"],
    help: "console.keys.unmute_all",
    permission: "unmute.all",
    when: ready,
    message: sessionMessage("unmute_all"),
    control: true,
  },
  {
    name: "voice_activated",
    scope: "session",
    label: "console.voice",
    keys: ["v"],
    help: "console.keys.voice",
    permission: "voice.set",
    when: ready,
    message: (site, enabled) => ({ type: "voice_activated", enabled: Boolean(enabled) }),
  },
  { name: "compact", scope: "view", keys: ["c"], help: "console.keys.compact" },
  { name: "find", scope: "view", keys: ["/"], help: "console.keys.find" },
  {
    name: "remove",
    scope: "site",
    label: "console.action.remove",
    keys: ["Delete"],
    help: "console.keys.remove",
    permission: "site.remove",
    when: (site, board) => board.ready && live(site),
    message: siteMessage("remove"),
    control: true,
    confirm: {
      title: "console.confirm.remove_title",
      text: "console.confirm.remove_text",
      ok: "console.action.remove",
    },
  },
  {
    name: "end_session",
    scope: "session",
    label: "console.action.end_session",
    permission: "session.end",
    when: ready,
    message: sessionMessage("end_session"),
    control: true,
    confirm: {
      title: "console.confirm.end_title",
      text: "console.confirm.end_text",
      ok: "console.action.end_session",
    },
  },
  {
    // Issue 14: recording the session (the shared mix and the shown hall's video, one file).
    // Both ask first: every hall is told at once, and a recording is the body's record.
    name: "record_start",
    scope: "session",
    label: "console.action.record_start",
    permission: "recording.control",
    when: (site, board) => board.ready && !board.recording,
    message: () => ({ type: "record", on: true }),
    control: true,
    confirm: {
      title: "console.confirm.record_start_title",
      text: "console.confirm.record_start_text",
      ok: "console.action.record_start",
    },
  },
  {
    name: "record_stop",
    scope: "session",
    label: "console.action.record_stop",
    permission: "recording.control",
    when: (site, board) => board.ready && Boolean(board.recording),
    message: () => ({ type: "record", on: false }),
    control: true,
    confirm: {
      title: "console.confirm.record_stop_title",
      text: "console.confirm.record_stop_text",
      ok: "console.action.record_stop",
    },
  },
  {
    // A connection test of one hall now (the readiness board's "Kiểm tra lại"): a hall not
    // on the line cannot be tested (one still connecting can: its media path is the first
    // check); the bridge refuses one already testing.
    name: "test_run",
    scope: "site",
    label: "console.readiness.retest",
    permission: "readiness.test",
    when: (site, board) => board.ready && live(site),
    message: siteMessage("test_run"),
    control: true,
  },
  {
    // Every connected hall's test ("Kiểm tra tất cả"): a rehearsal with all who are there.
    name: "test_run_all",
    scope: "session",
    label: "console.readiness.test_all",
    permission: "readiness.test",
    when: ready,
    message: sessionMessage("test_run"),
    control: true,
  },
  { name: "help", scope: "view", keys: ["?"], help: "console.keys.help" },
  { name: "unselect", scope: "view", keys: ["Escape"], help: "console.keys.unselect" },
];

/** Live video previews of every site: not a button, but a permission all the same. */
export const PREVIEWS_PERMISSION = "console.previews";

const BY_NAME = new Map(ACTIONS.map((a) => [a.name, a]));

export function action(name) {
  const found = BY_NAME.get(name);
  if (!found) throw new Error(`unknown console action: ${name}`);
  return found;
}

/** May this account take it? `allowed` null (a bridge that does not say): everything. */
export function permitted(name, allowed) {
  const { permission } = action(name);
  return !permission || !Array.isArray(allowed) || allowed.includes(permission);
}

export function mayPreview(allowed) {
  return !Array.isArray(allowed) || allowed.includes(PREVIEWS_PERMISSION);
}

/** Whether its control is enabled: permitted, and it makes sense for this site now. */
export function enabled(name, site, board, allowed) {
  const entry = action(name);
  if (!permitted(name, allowed)) return false;
  if (entry.scope === "site" && !site) return false;
  return entry.when ? entry.when(site, board) : true;
}

/** What a control stands for now: the mute button of a muted site unmutes it. */
export function resolve(name, site) {
  const entry = action(name);
  return entry.resolve ? entry.resolve(site) : name;
}

/** The action a key press stands for, or null. */
export function actionForKey(key) {
  const wanted = key.length === 1 ? key.toLowerCase() : key;
  return ACTIONS.find((a) => a.keys && a.keys.includes(wanted))?.name ?? null;
}

/** The entries the help dialog lists, in its order. */
export const shortcuts = () => ACTIONS.filter((a) => a.keys);

/** The raised hands, who asked first first. */
export function handQueue(sites) {
  return sites
    .filter((s) => s.hand_raised)
    .sort((a, b) => (a.hand_seq ?? 0) - (b.hand_seq ?? 0));
}

/** Where `next_hand` gives the floor: the first in the queue who is still connected. */
export function nextHand(sites) {
  return handQueue(sites).find((s) => s.state !== "offline") ?? null;
}
