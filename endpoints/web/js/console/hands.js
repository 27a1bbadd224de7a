/*
 * hands.js — the hands queue beside the board, who asked first at the top: give the floor
 * or lower the hand. Each name in full (wrapped, never cut), its unit as a tag.
 */

import { element } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { applyControl } from "./controls.js";
import { dom } from "./elements.js";
import { hands } from "./model.js";
import { parseHallName } from "./names.js";
import { unitLabel } from "./roster.js";

export function renderHands() {
  const queue = hands();
  dom.handsPanel.dataset.count = String(queue.length);
  dom.handsCount.textContent = String(queue.length);
  dom.handsEmpty.hidden = queue.length > 0;
  dom.handList.replaceChildren(
    ...queue.map((site, i) => {
      const place = element("span", { className: "hand", text: String(i + 1) });
      const unit = unitLabel(site);
      const name = element(
        "span",
        { className: "hand-name", title: site.name },
        ...(unit ? [element("span", { className: "unit-tag", text: unit }), " "] : []),
        parseHallName(site.name).display,
      );
      const floor = element("button", {
        type: "button",
        className: "button button-small button-floor",
        dataset: { action: "give_floor", siteId: String(site.id) },
        text: t("console.action.give_floor_short"), // leave the name room
        attrs: { "aria-label": t("console.action.give_floor_site", { name: site.name }) },
      });
      applyControl(floor, "give_floor", site);
      const lower = element("button", {
        type: "button",
        className: "button button-small button-lower",
        dataset: { action: "lower_hand", siteId: String(site.id) },
        text: t("console.action.lower_hand_short"),
        attrs: { "aria-label": t("console.action.lower_hand_site", { name: site.name }) },
      });
      applyControl(lower, "lower_hand", site);
      return element("li", { dataset: { siteId: String(site.id) } }, place, name, floor, lower);
    }),
  );
}
