import assert from "node:assert/strict";
import { COMMON_FLAGS } from "../../args.ts";
import { commandHelp } from "../../command.ts";
import { serviceCreate } from "./create.ts";
import { serviceUpdate } from "./update.ts";
import { CREATE_FLAGS, SHARED_SPEC_FLAGS, SHARED_SPEC_HELP, UPDATE_FLAGS } from "./spec_flags.ts";

Deno.test("create and update share the spec flags", () => {
  for (const name of Object.keys(SHARED_SPEC_FLAGS)) {
    assert.ok(name in CREATE_FLAGS && name in UPDATE_FLAGS, name);
    assert.ok(!(name in COMMON_FLAGS), name);
  }
  assert.ok("name" in CREATE_FLAGS && !("name" in UPDATE_FLAGS));
  assert.ok("mode" in CREATE_FLAGS && !("mode" in UPDATE_FLAGS));
  assert.ok("force" in UPDATE_FLAGS && !("force" in CREATE_FLAGS));
});

Deno.test("the help of create and update mentions every flag", () => {
  for (const cmd of [serviceCreate, serviceUpdate]) {
    const help = commandHelp(cmd);
    for (const name of Object.keys(cmd.flags)) {
      assert.ok(help.includes(`--${name}`), `${cmd.name} --${name}`);
    }
  }
  assert.ok(SHARED_SPEC_HELP.includes("--rollback-..."));
  assert.match(commandHelp(serviceUpdate), /Any update resumes a paused one/);
});
