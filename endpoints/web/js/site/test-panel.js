/*
 * test-panel.js — the connection test on the hall's screen, drawn from
 * `bridgeSite.connectionTest` (connection-test.js):
 *
 *   - the "Kiểm tra kết nối" button in the corner: there while no test runs, pressable while
 *     connected;
 *   - while a test runs, "Đang kiểm tra kết nối… (n giây)" and a bar, in the middle of the
 *     screen (a test takes at most 20 s);
 *   - a short note with the banners when a test stopped, or the bridge refused to start one;
 *   - the verdict over everything: the state in large type and colour, every reason with its
 *     advice in the page's language, "test again" and "close". It is read from the back of a
 *     hall, so its type starts large and is made smaller, step by step, only until the whole
 *     panel fits the screen (many reasons on a small screen; two columns from four reasons):
 *     nothing is cut and nothing scrolls.
 */

import { currentLang, t } from "../common/i18n.js";
import { element } from "../common/dom.js";
import { dom } from "./elements.js";
import { progress, resultView } from "./test-report.js";
import { diag, isFinal } from "./state.js";

const EXPECTED_MS = 20_000;
const TWO_COLUMNS_FROM = 4;
// Type scales tried in turn until the panel fits (the last one is used regardless).
const SCALES = [1, 0.9, 0.8, 0.72, 0.65, 0.58, 0.52, 0.47, 0.42, 0.38, 0.34];

let drawnKey = null;

export function renderTest() {
  const ct = diag.connectionTest;
  const live = !isFinal(diag.state) && Boolean(diag.site);
  const running = ct.phase === "running";

  dom.testButton.hidden = !live || running;
  dom.testButton.disabled = diag.state !== "connected" || ct.phase === "starting";

  dom.testProgress.hidden = !live || !running;
  if (running) {
    const p = progress(Date.now() - (ct.startedAt || Date.now()), EXPECTED_MS);
    dom.testProgressText.textContent = t("site.test.running", { seconds: p.seconds });
    dom.testBar.style.transform = `scaleX(${p.share})`;
  }

  const note = live && ct.note ? ct.note : null;
  dom.testNote.hidden = !note;
  dom.testNote.textContent = note ? t(`site.test.note.${note}`) : "";

  const showing = live && ct.phase === "result" && Boolean(ct.result);
  const wasHidden = dom.testResult.hidden;
  dom.testResult.hidden = !showing;
  if (!showing) {
    drawnKey = null;
    if (!wasHidden && dom.testResult.contains(document.activeElement)) {
      document.activeElement.blur();
    }
    return;
  }
  drawResult(ct.result);
  // Focused, so a TV remote's OK closes it.
  if (wasHidden) dom.testDismiss.focus();
}

function drawResult(result) {
  const lang = currentLang();
  const key = `${lang}|${innerWidth}x${innerHeight}`;
  if (drawnKey && drawnKey.result === result && drawnKey.key === key) return;
  drawnKey = { result, key };
  const view = resultView(result, lang);
  dom.testResult.dataset.state = view.state;
  dom.testResult.dataset.many = String(view.reasons.length >= TWO_COLUMNS_FROM);
  dom.testResultState.textContent = t(`site.test.state.${view.state}`);
  dom.testResultSummary.textContent = t(
    view.reasons.length ? `site.test.summary.${view.state}` : "site.test.summary.clear",
  );
  dom.testReasons.replaceChildren(
    ...view.reasons.map((r) =>
      element(
        "li",
        { className: "site-test-reason", dataset: { severity: r.severity, code: r.code } },
        element("span", { className: "site-test-mark", text: "!", attrs: { "aria-hidden": "true" } }),
        element(
          "span",
          { className: "site-test-reason-body" },
          element("span", { className: "site-test-reason-text", text: r.text }),
          r.advice ? element("span", { className: "site-test-reason-advice", text: r.advice }) : "",
        ),
      ),
    ),
  );
  fit();
}

/** The largest type at which the whole panel is on screen. */
function fit() {
  const box = dom.testResultBox;
  for (const scale of SCALES) {
    box.style.setProperty("--test-scale", String(scale));
    if (box.scrollHeight <= box.clientHeight + 1 && box.scrollWidth <= box.clientWidth + 1) {
      return;
    }
  }
}

/** The screen changed size: fit the panel again. */
export function refitTest() {
  drawnKey = null;
  renderTest();
}
