import assert from "node:assert/strict";
import { TaskRejectedError } from "./executor.ts";
import { stopSettings } from "./stop_settings.ts";

Deno.test("stop settings default to SIGTERM and 10 s, and keep valid ones", () => {
  assert.deepEqual(stopSettings({}), { stopSignal: "SIGTERM", stopGracePeriodMs: 10_000 });
  assert.deepEqual(stopSettings({ stopSignal: "SIGINT", stopGracePeriodMs: 0 }), {
    stopSignal: "SIGINT",
    stopGracePeriodMs: 0,
  });
});

Deno.test("invalid stop settings reject the task, saying what would work", () => {
  assert.throws(
    () => stopSettings({ stopGracePeriodMs: -1 }),
    (e) => e instanceof TaskRejectedError && /grace period: -1 ms/.test(e.message),
  );
  assert.throws(
    () => stopSettings({ stopSignal: "SIGNOPE" as Deno.Signal }),
    (e) => e instanceof TaskRejectedError && /such as SIGTERM/.test(e.message),
  );
});
