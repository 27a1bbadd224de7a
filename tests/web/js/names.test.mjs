// The console's hall-name rule (endpoints/web/js/console/names.js): "Điểm cầu" dropped,
// the administrative unit found once, the rest of the name kept whole.
import assert from "node:assert/strict";
import { test } from "node:test";

import { fold, levelOf, parseHallName } from "../../../endpoints/web/js/console/names.js";

const parts = (name) => {
  const { unit, body, place, context, display } = parseHallName(name);
  return { unit, body, place, context, display };
};

test("the five Quảng provinces come apart once the prefix is gone", () => {
  const names = ["Quảng Trị", "Quảng Ninh", "Quảng Bình", "Quảng Nam", "Quảng Ngãi"];
  for (const place of names) {
    assert.deepEqual(parts(`Điểm cầu tỉnh ${place}`), {
      unit: "province",
      body: "",
      place,
      context: "",
      display: place,
    });
  }
});

test("each unit word is found, the longest spelling first", () => {
  const cases = [
    ["Điểm cầu thành phố Hà Nội", "city", "Hà Nội"],
    ["Điểm cầu huyện Hướng Hóa", "district", "Hướng Hóa"],
    ["Điểm cầu quận Hoàn Kiếm", "urban_district", "Hoàn Kiếm"],
    ["Điểm cầu thị xã Quảng Trị", "town", "Quảng Trị"],
    ["Điểm cầu xã Vĩnh Linh", "commune", "Vĩnh Linh"],
    ["Điểm cầu phường Đông Lễ", "ward", "Đông Lễ"],
    ["Điểm cầu thị trấn Khe Sanh", "township", "Khe Sanh"],
    ["Điểm cầu TP. Hồ Chí Minh", "city", "Hồ Chí Minh"],
    ["Điểm cầu TP Hồ Chí Minh", "city", "Hồ Chí Minh"],
    ["Xã Bát Xát – điểm cầu số 07", "commune", "Bát Xát – điểm cầu số 07"],
    ["ĐIỂM CẦU TỈNH CÀ MAU", "province", "CÀ MAU"],
  ];
  for (const [name, unit, place] of cases) {
    const got = parseHallName(name);
    assert.equal(got.unit, unit, name);
    assert.equal(got.place, place, name);
  }
});

test("a body before the unit and the context after a comma stay in the name", () => {
  assert.deepEqual(parts("Điểm cầu UBND tỉnh Quảng Trị"), {
    unit: "province",
    body: "UBND",
    place: "Quảng Trị",
    context: "",
    display: "UBND Quảng Trị",
  });
  assert.equal(parts("Điểm cầu Sở Y tế tỉnh Quảng Trị").display, "Sở Y tế Quảng Trị");
  // "Xã hội" is society, not a commune: the unit is the one before a capitalised place
  const labour = parts("Điểm cầu Sở Lao động – Thương binh và Xã hội tỉnh Quảng Trị");
  assert.equal(labour.unit, "province");
  assert.equal(labour.display, "Sở Lao động – Thương binh và Xã hội Quảng Trị");
  // …unless no unit is: "huyện đảo" (island district)
  assert.equal(parts("Điểm cầu huyện đảo Cồn Cỏ").unit, "district");
  assert.equal(parts("Điểm cầu huyện đảo Cồn Cỏ").place, "đảo Cồn Cỏ");
  assert.deepEqual(parts("Điểm cầu huyện Hướng Hóa, tỉnh Quảng Trị"), {
    unit: "district",
    body: "",
    place: "Hướng Hóa",
    context: "tỉnh Quảng Trị",
    display: "Hướng Hóa, tỉnh Quảng Trị",
  });
});

test("a name without a unit is kept whole (less the hall word)", () => {
  assert.equal(parts("Hội trường Trung ương").unit, null);
  assert.equal(parts("Hội trường Trung ương").display, "Hội trường Trung ương");
  assert.equal(parts("Điểm cầu Sở Nội vụ").display, "Sở Nội vụ");
  assert.equal(parts("Hall 7").display, "Hall 7");
  // a unit word with nothing after it, or inside a word, is part of the name
  assert.equal(parts("Điểm cầu trung tâm tỉnh").unit, null);
  assert.equal(parts("Trường Xuân").unit, null);
  assert.equal(parts("").display, "");
});

test("no name loses a letter: body, unit word, place and context make the whole", () => {
  const names = [
    "Điểm cầu tỉnh Quảng Trị",
    "Điểm cầu UBND huyện Đakrông, tỉnh Quảng Trị",
    "Điểm cầu   xã  A Ngo",
    "Điểm cầu Sở Tài chính thành phố Đà Nẵng",
    "Hội trường Trung ương",
  ];
  const squash = (s) => s.replace(/[\s,]/gu, "");
  for (const name of names) {
    const p = parseHallName(name);
    const rebuilt = [p.body, p.word, p.place, p.context].join("");
    assert.equal(squash(rebuilt), squash(name.replace(/^Điểm cầu/u, "")), name);
    assert.ok(p.display.includes(p.place), name);
  }
});

test("the level is the data model's, or the one the name implies", () => {
  assert.equal(levelOf({ name: "Điểm cầu thành phố Đông Hà", level: "district" }), "district");
  assert.equal(levelOf({ name: "Điểm cầu huyện Cam Lộ" }), "district");
  assert.equal(levelOf({ name: "Điểm cầu phường 1" }), "commune");
  assert.equal(levelOf({ name: "Hội trường" }), null);
});

test("fold drops case and diacritics, đ included", () => {
  assert.equal(fold("Điểm cầu tỉnh Quảng Trị"), "diem cau tinh quang tri");
  assert.equal(fold("  ĐăkRông  "), "dakrong");
});

test("every unit the rule can find has its tag in both catalogues", async () => {
  const { readFile } = await import("node:fs/promises");
  const names = [
    "tỉnh A", "thành phố A", "huyện A", "quận A", "thị xã A", "xã A", "phường A", "thị trấn A",
  ];
  const units = new Set(names.map((n) => parseHallName(n).unit));
  assert.equal(units.size, names.length);
  for (const lang of ["vi", "en"]) {
    const url = new URL(`../../../endpoints/web/i18n/${lang}.json`, import.meta.url);
    const catalogue = JSON.parse(await readFile(url, "utf-8"));
    for (const unit of units) assert.ok(catalogue[`console.unit.${unit}`], `${lang} ${unit}`);
    for (const key of ["total", "connected", "connecting", "offline", "no_media", "muted", "hands"])
      assert.ok(catalogue[`console.summary.${key}`], `${lang} summary ${key}`);
  }
});
