// The site page's grid shapes (endpoints/web/js/site/grid-shape.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { cellCount, gridShape, normalLayout } from "../../../endpoints/web/js/site/grid-shape.js";

test("full draws nothing, inset one cell, a grid of n sites n - 1 cells, at most 8", () => {
  assert.equal(cellCount("full", 4), 0);
  assert.equal(cellCount("inset", 9), 1);
  assert.deepEqual([2, 4, 6, 9].map((n) => cellCount("grid", n)), [1, 3, 5, 8]);
  assert.equal(cellCount("grid", 40), 8);
  assert.equal(cellCount("grid", undefined), 3);
});

test("the shape follows the number of cells", () => {
  assert.deepEqual([1, 3, 4, 5, 6, 8].map(gridShape), ["side", "side", "three", "three", "four", "four"]);
});

test("an unknown layout is drawn full screen", () => {
  assert.equal(normalLayout("mosaic"), "full");
  assert.equal(normalLayout("grid"), "grid");
});
