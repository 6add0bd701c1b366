import { test } from "node:test";
import assert from "node:assert/strict";
import { count, fmt, fmtTenths } from "../../audiolab/ui/static/shared/format.js";

test("fmt writes m:ss.mmm under an hour and h:mm:ss.mmm above", () => {
  assert.equal(fmt(0), "0:00.000");
  assert.equal(fmt(61234), "1:01.234");
  assert.equal(fmt(3723004), "1:02:03.004");
  assert.equal(fmt(3723004, false), "1:02:03");
  assert.equal(fmt(59999.6), "1:00.000");  // rounded to the millisecond first
  assert.equal(fmt(-50), "0:00.000");
});

test("fmtTenths is the review tab's m:ss.s, minutes not wrapped", () => {
  assert.equal(fmtTenths(0), "0:00.0");
  assert.equal(fmtTenths(65430), "1:05.4");
  assert.equal(fmtTenths(3725000), "62:05.0");
  assert.equal(fmtTenths(-1), "0:00.0");
});

test("count", () => {
  assert.equal(count(1, "segment"), "1 segment");
  assert.equal(count(0, "change"), "0 changes");
  assert.equal(count(12, "segment"), "12 segments");
});
