import assert from "node:assert/strict";
import { authorize, requireAuthorized } from "./authorize.ts";
import { PermissionDeniedError, UnauthenticatedError } from "./errors.ts";
import type { NodeIdentity } from "./verify.ts";

const worker: NodeIdentity = { nodeId: "w1", role: "worker", clusterId: "c1" };
const manager: NodeIdentity = { nodeId: "m1", role: "manager", clusterId: "c1" };
const notRevoked = () => false;

Deno.test("an identified caller with an allowed role, of this cluster, not revoked, passes", () => {
  assert.equal(authorize(worker, ["worker", "manager"], "c1", notRevoked), null);
  assert.equal(authorize(manager, ["manager"], "c1", notRevoked), null);
  assert.equal(requireAuthorized(worker, ["worker"], "c1", notRevoked), worker);
});

Deno.test("no identity is UNAUTHENTICATED", () => {
  const err = authorize(null, ["worker"], "c1", notRevoked);
  assert.ok(err instanceof UnauthenticatedError);
  assert.equal(err.grpcStatus, "UNAUTHENTICATED");
  assert.throws(() => requireAuthorized(null, ["worker"], "c1", notRevoked), UnauthenticatedError);
});

Deno.test("wrong role, wrong cluster and revoked nodes are PERMISSION_DENIED", () => {
  const role = authorize(worker, ["manager"], "c1", notRevoked);
  assert.ok(role instanceof PermissionDeniedError);
  assert.equal(role.grpcStatus, "PERMISSION_DENIED");
  assert.match(role.message, /role worker of node w1 may not make this call \(allowed: manager\)/);
  const cluster = authorize(manager, ["manager"], "c2", notRevoked);
  assert.match(cluster?.message ?? "", /belongs to cluster c1, not c2/);
  const revoked = authorize(worker, ["worker"], "c1", (id) => id === "w1");
  assert.ok(revoked instanceof PermissionDeniedError);
  assert.match(revoked.message, /was removed from the cluster/);
  assert.ok(authorize(manager, [], "c1", notRevoked) instanceof PermissionDeniedError);
  assert.throws(
    () => requireAuthorized(worker, ["manager"], "c1", notRevoked),
    PermissionDeniedError,
  );
});
