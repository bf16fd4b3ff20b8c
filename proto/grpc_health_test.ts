import assert from "node:assert/strict";
import { startServer, stopServer } from "./grpc_listen.ts";
import { addHealthService, Health, HealthRegistry, ServingStatus } from "./grpc_health.ts";
import { ManagedChannel } from "./connection.ts";
import { isGrpcStatusError, Status } from "./grpc_status.ts";

Deno.test("Health.Check answers from the registry", async () => {
  const dir = await Deno.makeTempDir();
  const registry = new HealthRegistry();
  const s = await startServer({
    address: `unix:${dir}/h.sock`,
    register: (srv) => addHealthService(srv, registry),
  });
  const ch = new ManagedChannel({ address: s.address });
  try {
    const health = ch.client(Health);
    assert.equal((await health.check({ service: "" })).status, ServingStatus.SERVING);
    await assert.rejects(
      health.check({ service: "swarm.v1.Dispatcher" }),
      (e: unknown) => isGrpcStatusError(e, Status.NOT_FOUND),
    );
    registry.set("swarm.v1.Dispatcher", ServingStatus.NOT_SERVING);
    assert.equal(
      (await health.check({ service: "swarm.v1.Dispatcher" })).status,
      ServingStatus.NOT_SERVING,
    );
    registry.delete("swarm.v1.Dispatcher");
    registry.delete(""); // the server entry cannot be removed
    assert.equal(registry.get(""), ServingStatus.SERVING);
    assert.equal(registry.get("swarm.v1.Dispatcher"), undefined);
    // Check is declared NO_SIDE_EFFECTS, so it is retryable.
    assert.notEqual(Health.method.check.idempotency, 0);
  } finally {
    ch.close();
    await stopServer(s, { mode: "force" });
    await Deno.remove(dir, { recursive: true });
  }
});
