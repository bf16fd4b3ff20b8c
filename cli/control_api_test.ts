import assert from "node:assert/strict";
import {
  GrpcCode,
  isConnectionError,
  MUTATING_METHODS,
  rpcCode,
  RpcError,
  rpcMessage,
} from "./control_api.ts";

Deno.test("RpcError looks like a grpc-js ServiceError", () => {
  const err = new RpcError(GrpcCode.NOT_FOUND, "service web not found");
  assert.equal(err.code, 5);
  assert.equal(err.details, "service web not found");
  assert.equal(err.message, "5 NOT_FOUND: service web not found");
  assert.equal(err.name, "RpcError");
});

Deno.test("rpcCode and rpcMessage read any error shape", () => {
  assert.equal(rpcCode(new RpcError(3, "bad")), 3);
  assert.equal(rpcCode(new Error("x")), undefined);
  assert.equal(rpcCode("x"), undefined);
  assert.equal(rpcMessage(new RpcError(3, "bad spec")), "bad spec");
  assert.equal(
    rpcMessage(Object.assign(new Error("3 INVALID_ARGUMENT: x"), { details: "" })),
    "3 INVALID_ARGUMENT: x",
  );
  assert.equal(rpcMessage("plain"), "plain");
});

Deno.test("isConnectionError knows UNAVAILABLE and socket errors", () => {
  assert.ok(isConnectionError(new RpcError(GrpcCode.UNAVAILABLE, "No connection established")));
  assert.ok(isConnectionError(Object.assign(new Error("connect ENOENT"), { code: "ENOENT" })));
  assert.ok(isConnectionError(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })));
  assert.ok(isConnectionError(new Deno.errors.ConnectionRefused("refused")));
  assert.ok(!isConnectionError(new RpcError(GrpcCode.NOT_FOUND, "x")));
  assert.ok(!isConnectionError(new Error("x")));
  assert.ok(!isConnectionError(undefined));
});

Deno.test("MUTATING_METHODS lists only writes", () => {
  for (const m of MUTATING_METHODS) assert.match(m, /^(create|update|remove)/);
});
