/**
 * A locked node's control socket, over real gRPC on a unix socket: only `Unlock` works, a wrong
 * key keeps it locked, the right one ends the wait and frees the socket.
 */
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { CA, GetUnlockKeyRequestSchema } from "../proto/gen/swarm/v1/ca_pb.ts";
import { Control, ListNodesRequestSchema } from "../proto/gen/swarm/v1/control_pb.ts";
import { NodeLock, UnlockRequestSchema } from "../proto/gen/swarm/v1/nodelock_pb.ts";
import { Health } from "../proto/gen/swarm/v1/health_pb.ts";
import { ManagedChannel } from "../proto/connection.ts";
import { isGrpcStatusError, Status } from "../proto/grpc_status.ts";
import { ServingStatus } from "../proto/grpc_health.ts";
import { LOCKED_MESSAGE, waitForUnlock, WRONG_KEY_MESSAGE } from "./locked_node.ts";

const KEY = new Uint8Array(32).fill(7);

async function socketExists(path: string): Promise<boolean> {
  try {
    return (await Deno.lstat(path)).isSocket === true;
  } catch {
    return false;
  }
}

Deno.test("a locked node serves only Unlock until the right key arrives", async () => {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/swarm.sock`;
  const log: string[] = [];
  const tried: number[] = [];
  const waiting = waitForUnlock({
    socket,
    shutdown: new Promise(() => {}),
    log: (m) => log.push(m),
    open: (key) => {
      tried.push(key[0]!);
      return Promise.resolve(key.every((b, i) => b === KEY[i]) ? "the files" : undefined);
    },
  });
  await waitUntil(() => socketExists(socket));
  const channel = new ManagedChannel({ address: `unix:${socket}`, retry: false });
  try {
    const locked = (e: unknown) =>
      isGrpcStatusError(e, Status.FAILED_PRECONDITION) && e.message === LOCKED_MESSAGE;
    await assert.rejects(
      channel.client(Control).listNodes(create(ListNodesRequestSchema)),
      locked,
    );
    await assert.rejects(
      channel.client(CA).getUnlockKey(create(GetUnlockKeyRequestSchema)),
      locked,
    );
    assert.equal(
      (await channel.client(Health).check({ service: "" })).status,
      ServingStatus.NOT_SERVING,
    );
    const nodeLock = channel.client(NodeLock);
    await assert.rejects(
      nodeLock.unlock(create(UnlockRequestSchema, { unlockKey: new Uint8Array(32).fill(1) })),
      (e) => isGrpcStatusError(e, Status.INVALID_ARGUMENT) && e.message === WRONG_KEY_MESSAGE,
    );
    await assert.rejects(
      nodeLock.unlock(create(UnlockRequestSchema, { unlockKey: new Uint8Array(5) })),
      (e) => isGrpcStatusError(e, Status.INVALID_ARGUMENT) && /32 bytes, got 5/.test(e.message),
    );
    assert.deepEqual(tried, [1], "a key of the wrong size is not tried");
    await nodeLock.unlock(create(UnlockRequestSchema, { unlockKey: KEY }));
    assert.deepEqual(await waiting, { key: KEY, opened: "the files" });
    assert.equal(await socketExists(socket), false, "the socket is free for the manager");
    assert.match(log[0] ?? "", /this manager is locked .*swarm unlock -s /);
    assert.match(log[1] ?? "", /unlock refused: wrong unlock key/);
  } finally {
    channel.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a node stopped while locked stops waiting", async () => {
  const dir = await Deno.makeTempDir();
  let stop: () => void = () => {};
  const result = await Promise.all([
    waitForUnlock({
      socket: `${dir}/swarm.sock`,
      shutdown: new Promise<void>((r) => stop = r),
      log: () => {},
      open: () => Promise.resolve("never"),
    }),
    (async () => {
      await waitUntil(() => socketExists(`${dir}/swarm.sock`));
      stop();
    })(),
  ]);
  assert.equal(result[0], undefined);
  await Deno.remove(dir, { recursive: true });
});

async function waitUntil(fn: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("timed out");
}
