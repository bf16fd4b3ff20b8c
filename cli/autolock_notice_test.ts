import assert from "node:assert/strict";
import { formatUnlockKey } from "../pki/mod.ts";
import { autolockNotice } from "./autolock_notice.ts";

Deno.test("the autolock notice shows the key once, indented, with a warning", () => {
  const key = new Uint8Array(32).fill(3);
  const lines = autolockNotice(key);
  assert.equal(lines.filter((l) => l.includes("SWMKEY-1-")).length, 1);
  assert.ok(lines.includes(`    ${formatUnlockKey(key)}`));
  assert.match(lines.join("\n"), /Store it safely/);
  assert.match(lines.join("\n"), /swarm unlock-key/);
});
