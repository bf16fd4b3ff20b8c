import assert from "node:assert/strict";
import { parseConstraint, parseConstraints } from "./constraints.ts";

Deno.test("parseConstraint splits key, operator and value", () => {
  assert.deepEqual(parseConstraint("node.role==manager"), {
    key: "node.role",
    operator: "==",
    value: "manager",
  });
  assert.deepEqual(parseConstraint(" node.labels.zone != east "), {
    key: "node.labels.zone",
    operator: "!=",
    value: "east",
  });
  assert.deepEqual(parseConstraint("node.ip==10.0.0.0/8"), {
    key: "node.ip",
    operator: "==",
    value: "10.0.0.0/8",
  });
  assert.deepEqual(parseConstraint("_x==a b"), { key: "_x", operator: "==", value: "a b" });
  assert.equal(parseConstraint("engine.labels.os==Linux*").value, "Linux*");
});

Deno.test("parseConstraint splits at == before !=, like SwarmKit", () => {
  assert.throws(() => parseConstraint("node.id!=a==b"), /key "node.id!=a"/);
  assert.throws(() => parseConstraint("node.id==a!=b"), /value "a!=b"/);
});

Deno.test("parseConstraint rejects a missing operator", () => {
  for (const expr of ["node.role=manager", "node.role", "", "a<b", "a=!b"]) {
    assert.throws(() => parseConstraint(expr), {
      name: "ValidationError",
      message: new RegExp(`use key==value or key!=value`),
    }, expr);
  }
});

Deno.test("parseConstraint rejects bad keys", () => {
  for (const expr of ["==x", "a==x", "1a==x", "node role==x", "nöde.role==x", "-a==x"]) {
    assert.throws(() => parseConstraint(expr), /invalid constraint .*: key/, expr);
  }
});

Deno.test("parseConstraint rejects bad values", () => {
  for (
    const expr of ["node.role==", "node.role==  ", "node.role==a,b", "node.role==é", "kk==a=b"]
  ) {
    assert.throws(() => parseConstraint(expr), /invalid constraint .*: value/, expr);
  }
});

Deno.test("parseConstraints parses a list and stops at the first bad one", () => {
  assert.equal(parseConstraints(["node.role==worker", "node.id!=abc"]).length, 2);
  assert.deepEqual(parseConstraints([]), []);
  assert.throws(() => parseConstraints(["node.role==worker", "bad"]), /invalid constraint "bad"/);
});
