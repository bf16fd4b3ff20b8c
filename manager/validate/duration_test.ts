import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { durationNanos, formatDuration, formatNanos, validateDuration } from "./duration.ts";

const dur = (seconds: bigint, nanos = 0) => create(DurationSchema, { seconds, nanos });

Deno.test("durationNanos adds seconds and nanos", () => {
  assert.equal(durationNanos(dur(2n, 5)), 2_000_000_005n);
  assert.equal(durationNanos(dur(-1n, -500)), -1_000_000_500n);
});

Deno.test("formatNanos writes Go-style durations", () => {
  const cases: [bigint, string][] = [
    [0n, "0s"],
    [5n, "5ns"],
    [1_500n, "1.5µs"],
    [500_000_000n, "500ms"],
    [5_000_000_000n, "5s"],
    [90_000_000_000n, "1m30s"],
    [3_600_000_000_000n, "1h0m0s"],
    [3_723_500_000_000n, "1h2m3.5s"],
    [-5_000_000_000n, "-5s"],
  ];
  for (const [n, s] of cases) assert.equal(formatNanos(n), s);
  assert.equal(formatDuration(dur(10n)), "10s");
});

Deno.test("validateDuration accepts unset, zero and positive durations", () => {
  validateDuration(undefined, "delay");
  validateDuration(dur(0n), "delay");
  validateDuration(dur(5n, 1), "delay");
});

Deno.test("validateDuration rejects negative durations", () => {
  assert.throws(() => validateDuration(dur(-5n), "restart delay"), {
    name: "ValidationError",
    message: "invalid restart delay -5s: must not be negative",
  });
  assert.throws(() => validateDuration(dur(0n, -1), "update monitor"), /must not be negative/);
});

Deno.test("validateDuration rejects malformed durations", () => {
  assert.throws(() => validateDuration(dur(1n, -1), "delay"), /malformed duration/);
  assert.throws(() => validateDuration(dur(-1n, 1), "delay"), /malformed duration/);
  assert.throws(() => validateDuration(dur(0n, 1_000_000_000), "delay"), /malformed duration/);
});

Deno.test("validateDuration enforces a minimum", () => {
  const hour = 3_600_000_000_000n;
  validateDuration(dur(3600n), "node certificate expiry", { minNanos: hour });
  assert.throws(
    () => validateDuration(dur(60n), "node certificate expiry", { minNanos: hour, minText: "1h" }),
    { message: "invalid node certificate expiry 1m0s: must be at least 1h" },
  );
});
