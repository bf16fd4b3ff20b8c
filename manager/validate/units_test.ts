import assert from "node:assert/strict";
import { formatBytes, formatCpus } from "./units.ts";

Deno.test("formatCpus writes decimal CPUs", () => {
  assert.equal(formatCpus(0n), "0");
  assert.equal(formatCpus(1_000_000_000n), "1");
  assert.equal(formatCpus(500_000_000n), "0.5");
  assert.equal(formatCpus(1_000_000n), "0.001");
  assert.equal(formatCpus(1n), "0.000000001");
  assert.equal(formatCpus(-2_500_000_000n), "-2.5");
});

Deno.test("formatBytes uses binary units", () => {
  assert.equal(formatBytes(0n), "0B");
  assert.equal(formatBytes(100n), "100B");
  assert.equal(formatBytes(1024n), "1KiB");
  assert.equal(formatBytes(1536n), "1.5KiB");
  assert.equal(formatBytes(64n * 1024n * 1024n), "64MiB");
  assert.equal(formatBytes(4n * 1024n * 1024n - 1n), "3.99MiB");
  assert.equal(formatBytes(3n * 1024n ** 3n), "3GiB");
  assert.equal(formatBytes(2n * 1024n ** 6n), "2048PiB");
  assert.equal(formatBytes(-2048n), "-2KiB");
});
