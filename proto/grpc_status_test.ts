import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import {
  alreadyExists,
  failedPrecondition,
  fromServiceError,
  GrpcStatusError,
  invalidArgument,
  isGrpcStatusError,
  notFound,
  permissionDenied,
  Status,
  statusName,
  toServiceError,
  unauthenticated,
  unavailable,
} from "./grpc_status.ts";

Deno.test("status helpers carry their codes and messages", () => {
  const cases: Array<[GrpcStatusError, Status]> = [
    [notFound("n"), Status.NOT_FOUND],
    [invalidArgument("n"), Status.INVALID_ARGUMENT],
    [permissionDenied("n"), Status.PERMISSION_DENIED],
    [unauthenticated("n"), Status.UNAUTHENTICATED],
    [failedPrecondition("n"), Status.FAILED_PRECONDITION],
    [alreadyExists("n"), Status.ALREADY_EXISTS],
    [unavailable("n"), Status.UNAVAILABLE],
  ];
  for (const [err, code] of cases) {
    assert.ok(err instanceof Error);
    assert.equal(err.code, code);
    assert.equal(err.message, "n");
    assert.equal(err.name, "GrpcStatusError");
    assert.equal(err.codeName, statusName(code));
  }
  assert.equal(String(notFound("x")), "GrpcStatusError NOT_FOUND: x");
  assert.equal(statusName(99), "CODE_99");
});

Deno.test("isGrpcStatusError filters by code", () => {
  assert.ok(isGrpcStatusError(notFound("x")));
  assert.ok(isGrpcStatusError(notFound("x"), Status.NOT_FOUND, Status.UNAVAILABLE));
  assert.ok(!isGrpcStatusError(notFound("x"), Status.UNAVAILABLE));
  assert.ok(!isGrpcStatusError(new Error("x")));
});

Deno.test("toServiceError keeps status errors and turns anything else into INTERNAL", () => {
  const md = new grpc.Metadata();
  md.set("k", "v");
  const withMd = new GrpcStatusError(Status.ABORTED, "conflict", { metadata: md });
  assert.deepEqual(toServiceError(withMd), {
    code: Status.ABORTED,
    details: "conflict",
    metadata: md,
  });
  assert.deepEqual(toServiceError(new TypeError("bad")), {
    code: Status.INTERNAL,
    details: "internal error: bad",
  });
  assert.deepEqual(toServiceError("str"), {
    code: Status.INTERNAL,
    details: "internal error: str",
  });
});

Deno.test("fromServiceError maps grpc-js errors and keeps the server's message", () => {
  const se = Object.assign(new Error("5 NOT_FOUND: node n1"), {
    code: Status.NOT_FOUND,
    details: "node n1",
    metadata: new grpc.Metadata(),
  });
  const e = fromServiceError(se);
  assert.equal(e.code, Status.NOT_FOUND);
  assert.equal(e.message, "node n1");
  assert.equal(e.cause, se);
  assert.ok(e.metadata instanceof grpc.Metadata);
  const same = notFound("x");
  assert.equal(fromServiceError(same), same);
  const sys = Object.assign(new Error("refused"), { code: "ECONNREFUSED" });
  assert.equal(fromServiceError(sys).code, Status.UNKNOWN);
  assert.equal(fromServiceError("weird").message, "weird");
});
