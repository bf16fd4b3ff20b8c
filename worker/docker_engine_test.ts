import assert from "node:assert/strict";
import { DockerApiError, DockerUnreachableError, isDockerStatus } from "./docker_engine.ts";
import { ExecutorError, isTemporary } from "./executor.ts";

Deno.test("DockerApiError carries the engine's HTTP status", () => {
  const e = new DockerApiError(409, "Conflict: name in use");
  assert.ok(e instanceof ExecutorError);
  assert.equal(e.name, "DockerApiError");
  assert.equal(e.status, 409);
  assert.equal(isDockerStatus(e, 404, 409), true);
  assert.equal(isDockerStatus(e, 404), false);
  assert.equal(isDockerStatus(new Error("x"), 409), false);
  assert.equal(isTemporary(e), false);
});

Deno.test("DockerUnreachableError says where and what to do, and is temporary", () => {
  const e = new DockerUnreachableError("unix:///var/run/docker.sock", "connection refused");
  assert.equal(e.name, "DockerUnreachableError");
  assert.equal(e.endpoint, "unix:///var/run/docker.sock");
  assert.equal(
    e.message,
    "Docker engine unreachable at unix:///var/run/docker.sock: connection refused: start the " +
      "Docker daemon (dockerd), or point DOCKER_HOST at a running one " +
      "(unix:///path/to/docker.sock or tcp://HOST:PORT)",
  );
  assert.equal(isTemporary(e), true, "a task step meeting it keeps its state and retries");
});
