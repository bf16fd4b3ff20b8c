import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ServiceSpecSchema } from "../../../proto/gen/swarm/v1/specs_pb.ts";
import { ValidationError } from "../../../manager/validate/mod.ts";
import { parseCommandArgs } from "../../args.ts";
import { UsageError } from "../../usage_error.ts";
import {
  addConstraints,
  applySharedFlags,
  asUsage,
  removeEnv,
  runtimeOf,
  setEnv,
} from "./apply_flags.ts";
import { SHARED_SPEC_FLAGS } from "./spec_flags.ts";

const CMD = "swarm service create";

Deno.test("setEnv replaces by key and removeEnv removes by key or entry", () => {
  assert.deepEqual(setEnv(["A=1", "B=2"], ["A=3", "C="], CMD), ["B=2", "A=3", "C="]);
  assert.throws(() => setEnv([], ["X"], CMD), UsageError);
  assert.deepEqual(removeEnv(["A=1", "B=2", "C=3"], ["A", "C=3"]), ["B=2"]);
});

Deno.test("addConstraints checks and skips duplicates", () => {
  const list = ["node.role==worker"];
  addConstraints(list, ["node.role==worker", "node.id!=x"], CMD);
  assert.deepEqual(list, ["node.role==worker", "node.id!=x"]);
  assert.throws(() => addConstraints(list, ["bad"], CMD), UsageError);
});

Deno.test("asUsage turns validation errors into usage errors", () => {
  assert.equal(asUsage(CMD, () => 1), 1);
  assert.throws(
    () =>
      asUsage(CMD, () => {
        throw new ValidationError("bad");
      }),
    (err: unknown) => err instanceof UsageError && err.command === CMD && err.message === "bad",
  );
  assert.throws(() =>
    asUsage(CMD, () => {
      throw new TypeError("other");
    }), TypeError);
});

Deno.test("runtimeOf needs a runtime", () => {
  assert.throws(() => runtimeOf(create(ServiceSpecSchema), CMD), /no command to change/);
});

Deno.test("applySharedFlags leaves a spec alone when no flag is given", () => {
  const spec = create(ServiceSpecSchema, {
    task: { runtime: { case: "process", value: { command: "x" } } },
  });
  const before = create(ServiceSpecSchema, spec);
  applySharedFlags(spec, parseCommandArgs(CMD, [], SHARED_SPEC_FLAGS).flags);
  assert.deepEqual(spec.task?.restart, before.task?.restart);
  assert.equal(spec.task?.placement, undefined);
  assert.equal(spec.task?.resources, undefined);
  assert.equal(spec.update, undefined);
});
