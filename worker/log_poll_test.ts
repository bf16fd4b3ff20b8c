import assert from "node:assert/strict";
import type { TaskLogs } from "./executor.ts";
import { pollLogs, splitLines } from "./log_poll.ts";

const lines = async (it: AsyncIterable<{ stream: string; data: string }>, n = Infinity) => {
  const out: string[] = [];
  for await (const l of it) {
    out.push(`${l.stream}:${l.data}`);
    if (out.length >= n) break;
  }
  return out;
};

Deno.test("splitLines drops only the final line break", () => {
  assert.deepEqual(splitLines(""), []);
  assert.deepEqual(splitLines("a\n\nb\n"), ["a", "", "b"]);
  assert.deepEqual(splitLines("a\nb"), ["a", "b"]);
});

Deno.test("pollLogs gives stdout then stderr, tail per stream, a partial line at the end", async () => {
  const read = () => Promise.resolve({ stdout: "1\n2\n3", stderr: "e1\ne2\n" });
  const signal = new AbortController().signal;
  assert.deepEqual(await lines(pollLogs(read, { follow: false, signal })), [
    "stdout:1",
    "stdout:2",
    "stdout:3",
    "stderr:e1",
    "stderr:e2",
  ]);
  assert.deepEqual(await lines(pollLogs(read, { follow: false, signal, tail: 1 })), [
    "stdout:3",
    "stderr:e2",
  ]);
  assert.deepEqual(await lines(pollLogs(read, { follow: false, signal, tail: 0 })), []);
});

Deno.test("pollLogs follows new complete lines until aborted", async () => {
  const logs: { stdout: string; stderr: string } = { stdout: "old\npart", stderr: "" };
  const read = (): Promise<TaskLogs> => Promise.resolve({ ...logs });
  const ac = new AbortController();
  const it = pollLogs(read, { follow: true, signal: ac.signal, pollMs: 5 });
  const got = lines(it, 3);
  await new Promise((r) => setTimeout(r, 20));
  logs.stdout += "ial\nnew\n";
  logs.stderr = "oops\n";
  assert.deepEqual(await got, ["stdout:old", "stdout:partial", "stdout:new"]);
  ac.abort();
  const rest = pollLogs(read, { follow: true, signal: ac.signal, tail: 0, pollMs: 5 });
  assert.deepEqual(await lines(rest), []);
});
