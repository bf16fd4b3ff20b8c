import assert from "node:assert/strict";
import { COMMON_FLAGS } from "../args.ts";
import { allNames } from "../command.ts";
import { GROUPS, TOP_COMMANDS } from "./mod.ts";

Deno.test("command and group names are unique", () => {
  const top = [...allNames(GROUPS), ...allNames(TOP_COMMANDS)];
  assert.equal(new Set(top).size, top.length);
  for (const g of GROUPS) {
    const names = allNames(g.commands);
    assert.equal(new Set(names).size, names.length, g.name);
  }
});

Deno.test("every command's usage starts with its path and its flags are well formed", () => {
  for (const g of GROUPS) {
    for (const c of g.commands) {
      assert.ok(c.usage.startsWith(`swarm ${g.name} ${c.name}`), `${g.name} ${c.name}`);
      assert.ok(c.summary.length > 0);
      for (const [name, def] of Object.entries(c.flags)) {
        assert.ok(!(name in COMMON_FLAGS), `${g.name} ${c.name} redefines --${name}`);
        assert.ok(def.short === undefined || def.short.length === 1);
      }
    }
  }
  for (const c of TOP_COMMANDS) assert.ok(c.usage.startsWith(`swarm ${c.name}`));
});

Deno.test("the service group has the documented commands and aliases", () => {
  const svc = GROUPS.find((g) => g.name === "service")!;
  assert.deepEqual(svc.aliases, ["svc", "services"]);
  assert.deepEqual(svc.commands.map((c) => c.name), [
    "create",
    "ls",
    "inspect",
    "ps",
    "logs",
    "scale",
    "update",
    "rm",
  ]);
});
