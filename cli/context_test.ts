import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ListNodesRequestSchema } from "../proto/gen/swarm/v1/control_pb.ts";
import { parseCommandArgs } from "./args.ts";
import { Context, parseFormat, UnreachableError } from "./context.ts";
import { FakeControlApi } from "./fake_control_api.ts";
import { UsageError } from "./usage_error.ts";

function context(connect: () => FakeControlApi) {
  let connects = 0;
  const ctx = new Context(
    {
      stdout: () => {},
      stderr: () => {},
      env: () => undefined,
      connect: () => {
        connects++;
        return connect();
      },
    },
    "/s.sock",
    "table",
  );
  return { ctx, connects: () => connects };
}

Deno.test("Context connects once, on first use", async () => {
  const api = new FakeControlApi();
  const { ctx, connects } = context(() => api);
  assert.equal(connects(), 0);
  await ctx.api().listNodes(create(ListNodesRequestSchema));
  await ctx.api().listNodes(create(ListNodesRequestSchema));
  assert.equal(connects(), 1);
  assert.equal(api.calls.length, 2);
});

Deno.test("Context turns connection failures into UnreachableError", async () => {
  const api = new FakeControlApi();
  api.unreachable = true;
  const { ctx } = context(() => api);
  await assert.rejects(
    () => ctx.api().listNodes(create(ListNodesRequestSchema)),
    (err: unknown) => {
      assert.ok(err instanceof UnreachableError);
      assert.equal(err.socket, "/s.sock");
      assert.match(
        err.message,
        /^cannot reach the swarm manager at \/s\.sock: is a node running\?/,
      );
      return true;
    },
  );
  const failing = context(() => {
    throw new Error("dial failed");
  });
  assert.throws(() => failing.ctx.api(), UnreachableError);
});

Deno.test("Context keeps other errors as they are", async () => {
  const api = new FakeControlApi();
  api.failNext("listNodes", new Error("boom"));
  const { ctx } = context(() => api);
  await assert.rejects(() => ctx.api().listNodes(create(ListNodesRequestSchema)), {
    message: "boom",
  });
});

Deno.test("applyCommonFlags overrides socket and format", () => {
  const { ctx } = context(() => new FakeControlApi());
  ctx.applyCommonFlags(
    parseCommandArgs("swarm x", ["-s", "/o.sock", "--format", "JSON"], {}).flags,
  );
  assert.equal(ctx.socket, "/o.sock");
  assert.equal(ctx.format, "json");
  assert.throws(() => parseFormat("csv", "swarm x"), UsageError);
  assert.ok(ctx.now() instanceof Date);
});
