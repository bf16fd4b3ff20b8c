import assert from "node:assert/strict";
import { ago, humanDuration } from "./human_time.ts";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

Deno.test("humanDuration matches Docker's wording", () => {
  const cases: [number, string][] = [
    [0, "Less than a second"],
    [999, "Less than a second"],
    [S, "1 second"],
    [5 * S, "5 seconds"],
    [59 * S, "59 seconds"],
    [60 * S, "About a minute"],
    [119 * S, "About a minute"],
    [2 * M, "2 minutes"],
    [59 * M, "59 minutes"],
    [60 * M, "About an hour"],
    [89 * M, "About an hour"],
    [91 * M, "2 hours"],
    [47 * H, "47 hours"],
    [48 * H, "2 days"],
    [13 * D, "13 days"],
    [14 * D, "2 weeks"],
    [59 * D, "8 weeks"],
    [60 * D, "2 months"],
    [729 * D, "24 months"],
    [730 * D, "2 years"],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
});

Deno.test("ago says how long ago, never negative", () => {
  const now = new Date("2024-01-01T00:00:10Z");
  assert.equal(ago(new Date("2024-01-01T00:00:05Z"), now), "5 seconds ago");
  assert.equal(ago(new Date("2024-01-01T00:01:00Z"), now), "Less than a second ago");
});
