import assert from "node:assert/strict";
import { demuxDockerLogs } from "./docker_logs.ts";

function frame(stream: number, text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + payload.length);
  out[0] = stream;
  new DataView(out.buffer).setUint32(4, payload.length);
  out.set(payload, 8);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

Deno.test("demuxDockerLogs: frames go to their stream, in order", () => {
  const data = concat(frame(2, "err\n"), frame(1, "out "), frame(1, "put\n"), frame(2, "é\n"));
  assert.deepEqual(demuxDockerLogs(data), { stdout: "out put\n", stderr: "err\né\n" });
});

Deno.test("demuxDockerLogs: empty, a header only, and a truncated last frame", () => {
  assert.deepEqual(demuxDockerLogs(new Uint8Array()), { stdout: "", stderr: "" });
  assert.deepEqual(demuxDockerLogs(frame(1, "").subarray(0, 5)), { stdout: "", stderr: "" });
  const whole = concat(frame(1, "a\n"), frame(1, "bcdef"));
  assert.deepEqual(demuxDockerLogs(whole.subarray(0, whole.length - 2)), {
    stdout: "a\nbcd",
    stderr: "",
  });
});

Deno.test("demuxDockerLogs: a view into a larger buffer", () => {
  const data = concat(new Uint8Array([9, 9, 9]), frame(1, "x"));
  assert.deepEqual(demuxDockerLogs(data.subarray(3)), { stdout: "x", stderr: "" });
});
