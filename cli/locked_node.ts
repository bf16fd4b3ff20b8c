/**
 * A locked manager: its keys are encrypted at rest (autolock) and it restarted, so it cannot
 * read its private key nor open its Raft log. Until someone gives the unlock key it serves
 * nothing but its local control socket, and there only `NodeLock.Unlock` works: every Control
 * and CA call fails with FAILED_PRECONDITION saying the node is locked and how to unlock it,
 * and Health answers NOT_SERVING. No remote API, no Raft.
 *
 * A key that does not open the node's files is refused (INVALID_ARGUMENT) and the node stays
 * locked; the right key ends the wait, and the node goes on starting with it.
 *
 * @module
 */
import type { DescService } from "@bufbuild/protobuf";
import { CA } from "../proto/gen/swarm/v1/ca_pb.ts";
import { Control } from "../proto/gen/swarm/v1/control_pb.ts";
import { NodeLock } from "../proto/gen/swarm/v1/nodelock_pb.ts";
import { addService, type ServiceImpl } from "../proto/grpc_server.ts";
import { startServer, stopServer } from "../proto/grpc_listen.ts";
import { addHealthService, HealthRegistry, ServingStatus } from "../proto/grpc_health.ts";
import { failedPrecondition, invalidArgument } from "../proto/grpc_status.ts";
import { UNLOCK_KEY_BYTES } from "../pki/mod.ts";

/** What calls on a locked node's control socket fail with. */
export const LOCKED_MESSAGE = "This manager is locked: autolock keeps its keys encrypted and " +
  "it restarted. Unlock it with `swarm unlock` (it reads the unlock key on standard input)";

/** What a wrong unlock key is refused with. */
export const WRONG_KEY_MESSAGE = "The unlock key is wrong: it does not decrypt this manager's " +
  "keys, and the manager stays locked. Give the key that was current when this manager " +
  "stopped (`swarm unlock-key` on another manager shows the current one; if it was rotated " +
  "since, use the one before)";

/** Options of {@link waitForUnlock}. */
export interface WaitForUnlockOptions<T> {
  /** The control socket path. */
  readonly socket: string;
  /** Opens the node's files with `key`: what they hold, or undefined when the key is wrong. */
  readonly open: (key: Uint8Array) => Promise<T | undefined>;
  /** Resolves when the node must stop. */
  readonly shutdown: Promise<void>;
  readonly log: (message: string) => void;
}

/**
 * Serves the locked control socket until the right key arrives (then resolves with what `open`
 * returned, and the socket is free again) or the node must stop (then resolves undefined).
 */
export async function waitForUnlock<T>(
  o: WaitForUnlockOptions<T>,
): Promise<{ readonly key: Uint8Array; readonly opened: T } | undefined> {
  let unlocked: (result: { key: Uint8Array; opened: T }) => void = () => {};
  const done = new Promise<{ key: Uint8Array; opened: T }>((resolve) => unlocked = resolve);
  let busy: Promise<unknown> = Promise.resolve();
  let finished = false;
  const health = new HealthRegistry();
  health.set("", ServingStatus.NOT_SERVING);
  const server = await startServer({
    address: `unix:${o.socket}`,
    register: (s) => {
      addService(s, NodeLock, {
        unlock: (req) => {
          // One attempt at a time: a right key ends the wait for everyone after it.
          const attempt = busy.then(async () => {
            if (finished) throw failedPrecondition("This node was just unlocked: it is starting");
            if (req.unlockKey.length !== UNLOCK_KEY_BYTES) {
              throw invalidArgument(
                `An unlock key is ${UNLOCK_KEY_BYTES} bytes, got ${req.unlockKey.length}: give ` +
                  "the SWMKEY-1-… key as `swarm unlock-key` prints it",
              );
            }
            const key = new Uint8Array(req.unlockKey);
            const opened = await o.open(key);
            if (opened === undefined) {
              o.log("unlock refused: wrong unlock key");
              throw invalidArgument(WRONG_KEY_MESSAGE);
            }
            finished = true;
            // The answer goes out first; then the socket is handed to the starting node.
            setTimeout(() => unlocked({ key, opened }), 0);
            return {};
          });
          busy = attempt.catch(() => {});
          return attempt;
        },
      });
      addService(s, Control, refuseAll(Control));
      addService(s, CA, refuseAll(CA));
      addHealthService(s, health);
    },
  });
  o.log(
    `this manager is locked (autolock): it serves nothing until it is unlocked. Run ` +
      `\`swarm unlock -s ${o.socket}\` and give it the cluster's unlock key`,
  );
  try {
    return await Promise.race([done, o.shutdown.then(() => undefined)]);
  } finally {
    await stopServer(server, { reason: "this node is starting: retry in a moment" });
  }
}

/** Handlers that all fail with {@link LOCKED_MESSAGE}. */
function refuseAll<S extends DescService>(desc: S): ServiceImpl<S> {
  const impl: Record<string, () => never> = {};
  for (const method of desc.methods) {
    impl[method.localName] = () => {
      throw failedPrecondition(LOCKED_MESSAGE);
    };
  }
  return impl as unknown as ServiceImpl<S>;
}
