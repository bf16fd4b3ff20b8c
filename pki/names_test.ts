import assert from "node:assert/strict";
import { isNodeRole, MANAGER_SERVER_NAME, ouForRole, roleFromOU } from "./names.ts";

Deno.test("roles map to OUs and back", () => {
  assert.equal(ouForRole("manager"), "swarm-manager");
  assert.equal(ouForRole("worker"), "swarm-worker");
  assert.equal(roleFromOU("swarm-manager"), "manager");
  assert.equal(roleFromOU("swarm-worker"), "worker");
  assert.equal(roleFromOU("swarm-ca"), null);
  assert.equal(roleFromOU("SWARM-WORKER"), null);
  assert.equal(MANAGER_SERVER_NAME, "swarm-manager");
});

Deno.test("isNodeRole", () => {
  assert.ok(isNodeRole("manager"));
  assert.ok(isNodeRole("worker"));
  assert.ok(!isNodeRole("admin"));
  assert.ok(!isNodeRole(undefined));
});
