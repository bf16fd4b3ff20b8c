import assert from "node:assert/strict";
import { Notifier } from "./notifier.ts";

Deno.test("notifications before a wait coalesce into one wake-up; abort ends the wait", async () => {
  const n = new Notifier();
  const ac = new AbortController();
  n.notify();
  n.notify();
  assert.equal(await n.wait(ac.signal), true);
  const waiting = n.wait(ac.signal);
  ac.abort();
  assert.equal(await waiting, false);
});
