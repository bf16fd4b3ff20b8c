import assert from "node:assert/strict";
import { durationMs } from "@bufbuild/protobuf/wkt";
import {
  MAX_UINT32,
  parseBytes,
  parseChoice,
  parseCount,
  parseCpus,
  parseDuration,
  parseDurationNanos,
  parseKeyValue,
  parseRatio,
} from "./flag_values.ts";
import { UsageError } from "./usage_error.ts";

const src = { flag: "x", command: "swarm test" };

Deno.test("parseCount takes whole numbers within uint32", () => {
  assert.equal(parseCount(src, "0"), 0);
  assert.equal(parseCount(src, "3"), 3);
  assert.equal(parseCount(src, String(MAX_UINT32)), MAX_UINT32);
  for (const bad of ["-1", "1.5", "abc", "", " 1", "+1", "4294967296", "1e3", "0x10"]) {
    assert.throws(() => parseCount(src, bad), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal(
        err.message,
        `invalid value ${JSON.stringify(bad)} for --x: must be a whole number from 0 to 4294967295`,
      );
      assert.equal(err.command, "swarm test");
      return true;
    });
  }
});

Deno.test("parseDurationNanos reads Go-style durations", () => {
  const cases: [string, bigint][] = [
    ["0", 0n],
    ["0s", 0n],
    ["5s", 5_000_000_000n],
    ["1m30s", 90_000_000_000n],
    ["500ms", 500_000_000n],
    ["1.5h", 5_400_000_000_000n],
    ["2h45m", 9_900_000_000_000n],
    ["10us", 10_000n],
    ["10µs", 10_000n],
    ["7ns", 7n],
    ["+1s", 1_000_000_000n],
  ];
  for (const [text, want] of cases) assert.equal(parseDurationNanos(src, text), want, text);
  assert.equal(durationMs(parseDuration(src, "1m30.5s")), 90_500);
  const d = parseDuration(src, "1.000000001s");
  assert.equal(d.seconds, 1n);
  assert.equal(d.nanos, 1);
});

Deno.test("parseDurationNanos rejects bad durations with a hint", () => {
  assert.throws(() => parseDurationNanos(src, "5"), /add a unit, e.g. 5s/);
  assert.throws(() => parseDurationNanos(src, "-5s"), /must not be negative/);
  for (const bad of ["", "s", "5x", "5 s", "1m 30s", "abc", "5s!"]) {
    assert.throws(() => parseDurationNanos(src, bad), /use a duration such as/, bad);
  }
});

Deno.test("parseBytes reads sizes with binary units", () => {
  const MiB = 1024n * 1024n;
  const cases: [string, bigint][] = [
    ["0", 0n],
    ["1024", 1024n],
    ["512k", 512n * 1024n],
    ["64MiB", 64n * MiB],
    ["64m", 64n * MiB],
    ["64MB", 64n * MiB],
    ["64 MB", 64n * MiB],
    ["1g", 1024n * MiB],
    ["1.5G", 1536n * MiB],
    ["2t", 2n * 1024n ** 4n],
    ["100b", 100n],
  ];
  for (const [text, want] of cases) assert.equal(parseBytes(src, text), want, text);
  for (const bad of ["", "-1m", "1x", "m", "1..5m", "1mb2"]) {
    assert.throws(() => parseBytes(src, bad), /use a size such as 512k, 64MiB or 1g/, bad);
  }
});

Deno.test("parseCpus reads decimal CPUs as nano-CPUs", () => {
  assert.equal(parseCpus(src, "0.5"), 500_000_000n);
  assert.equal(parseCpus(src, "2"), 2_000_000_000n);
  assert.equal(parseCpus(src, "0.001"), 1_000_000n);
  assert.equal(parseCpus(src, "0.000000001"), 1n);
  for (const bad of ["", "-1", ".5", "1.", "1.0000000001", "abc"]) {
    assert.throws(() => parseCpus(src, bad), /use a number of CPUs/, bad);
  }
});

Deno.test("parseRatio keeps to [0, 1]", () => {
  assert.equal(parseRatio(src, "0"), 0);
  assert.equal(parseRatio(src, "0.25"), 0.25);
  assert.equal(parseRatio(src, "1"), 1);
  for (const bad of ["1.5", "-0.1", "x", ""]) {
    assert.throws(() => parseRatio(src, bad), /must be a number from 0 to 1/, bad);
  }
});

Deno.test("parseChoice maps words case-insensitively", () => {
  const choices = { none: 0, "on-failure": 1, any: 2 };
  assert.equal(parseChoice(src, "ON-FAILURE", choices), 1);
  assert.throws(
    () => parseChoice(src, "always", choices),
    { message: 'invalid value "always" for --x: use one of none, on-failure, any' },
  );
  assert.throws(() => parseChoice(src, "toString", choices), /use one of/);
});

Deno.test("parseKeyValue splits at the first '='", () => {
  assert.deepEqual(parseKeyValue(src, "a=b=c"), ["a", "b=c"]);
  assert.deepEqual(parseKeyValue(src, "a="), ["a", ""]);
  assert.deepEqual(parseKeyValue(src, "flag"), ["flag", ""]);
  assert.throws(() => parseKeyValue(src, "flag", false), /use key=value/);
  assert.throws(() => parseKeyValue(src, "=v"), /non-empty key/);
});
