/**
 * What every node runs once its identity is settled (by `swarm init` or `swarm join`): its
 * executor — processes or Docker containers, see `node_executor.ts` — (after reaping what a killed
 * predecessor left), the manager when the node is one, and
 * the agent that reaches the dispatcher over mutual TLS — then waits for the stop signal and
 * shuts down in order: agent, tasks, manager.
 *
 * A worker's agent knows several managers: the one it joined through, then the list every
 * dispatcher session sends, which it keeps in `node.json` so a restarted worker finds its
 * cluster even when that first manager is gone.
 *
 * Roles change at run time. The session shows the node's desired role: on a promotion the node
 * renews its certificate (the CA issues the desired role) and starts a manager that joins Raft;
 * on a demotion it waits until the leader took it out of Raft (its observed role is WORKER and
 * its manager status is gone), renews, and stops its manager. Tasks keep running throughout:
 * only the agent's connection moves.
 *
 * Certificates are renewed on schedule (`cert_renewal.ts`): the new files are written atomically
 * and swapped in place — the agent's channel dials with them from then on (its open session
 * carries on), and a manager presents them to new connections and dials its peers with them.
 * Nothing restarts. A renewal and a role change never overlap.
 *
 * Autolock: while the cluster wants it, a manager's key file is encrypted with the cluster's
 * unlock key; the manager tells the runtime when that key changes, and every write of the key
 * file (renewal, role change) uses the current one. A worker's key is never encrypted.
 *
 * @module
 */
import { create } from "@bufbuild/protobuf";
import { LogBroker } from "../proto/gen/swarm/v1/logs_pb.ts";
import { Dispatcher, type SessionMessage } from "../proto/gen/swarm/v1/dispatcher_pb.ts";
import { NodeDescriptionSchema, NodeRole } from "../proto/gen/swarm/v1/types_pb.ts";
import { FailoverChannel } from "../proto/failover_channel.ts";
import {
  clientChannelOptions,
  clientCredentials,
  renewNodeCertificate,
  writeNodeFiles,
} from "../pki/mod.ts";
import { Manager, type ManagerOptions } from "../manager/manager.ts";
import { newId } from "../manager/identity.ts";
import { Agent } from "../worker/agent.ts";
import { type NodeExecutorFactory, processNodeExecutor } from "./node_executor.ts";
import { type NodeState, writeNodeState } from "./node_state.ts";
import { CertRenewer } from "./cert_renewal.ts";
import { VERSION } from "../version.ts";

export interface NodeRuntimeOptions {
  readonly stateDir: string;
  readonly state: NodeState;
  readonly tls: { readonly rootPem: string; readonly certPem: string; readonly keyPem: string };
  readonly controlSocket: string;
  readonly heartbeatPeriodMs: number;
  /** Builds the node's executor (`--executor`). @default the process executor */
  readonly executor?: NodeExecutorFactory;
  /** Given to found a cluster (see {@link ManagerOptions.rootCA}). */
  readonly rootCA?: ManagerOptions["rootCA"];
  /** Runs once the node is up (before the banner): e.g. `swarm up` creates its sample. */
  readonly onStarted?: (manager: Manager | undefined) => Promise<void>;
  /** Printed once the node is up. */
  readonly banner: (state: NodeState) => string;
  readonly stdout: (text: string) => void;
  readonly shutdown: Promise<void>;
  readonly log: (message: string) => void;
  /** The unlock key the node's key file is encrypted with (autolock): from `swarm unlock`, or
   * `swarm init --autolock`. @default undefined (not encrypted) */
  readonly unlockKey?: Uint8Array;
}

/** Runs the node until `shutdown` resolves; returns the exit code. */
export async function runNodeRuntime(o: NodeRuntimeOptions): Promise<number> {
  let state = o.state;
  const log = o.log;
  // Tasks a killed node left behind go first: they may hold its old sockets open.
  const tasks = (o.executor ?? processNodeExecutor)({
    stateDir: `${o.stateDir}/tasks`,
    nodeId: state.nodeId,
    hostname: state.hostname,
  });
  const executor = tasks.executor;
  const reaped = await tasks.reapOrphans();
  if (reaped.length > 0) {
    log(
      `stopped ${reaped.length} task(s) left running by the previous run (${tasks.kind} executor)`,
    );
  }

  let tls = o.tls;
  let unlockKey = o.unlockKey;
  // Every write of the node's files goes through one queue, with the latest material and key.
  let filesWritten: Promise<void> = Promise.resolve();
  const persistFiles = () =>
    filesWritten = filesWritten.catch(() => {}).then(() =>
      writeNodeFiles(o.stateDir, tls, unlockKey ? { kek: unlockKey } : {})
    );
  // Certificate renewals and role changes take turns.
  let certTurn: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = certTurn.catch(() => {}).then(fn);
    certTurn = run;
    return run;
  };
  // A worker the cluster refuses (removed, revoked) stops; a manager keeps serving its peers.
  let refusedBy: (e: Error) => void = () => {};
  const refused = new Promise<Error>((resolve) => refusedBy = resolve);
  const startManager = () =>
    Manager.start({
      stateDir: o.stateDir,
      nodeId: state.nodeId,
      clusterId: state.clusterId,
      hostname: state.hostname,
      listenAddr: state.listenAddr,
      advertiseAddr: state.advertiseAddr,
      controlSocket: o.controlSocket,
      tls,
      ...(o.rootCA ? { rootCA: o.rootCA } : {}),
      join: (state.managers ?? []).filter((a) => a !== state.advertiseAddr),
      version: VERSION,
      newId: () => newId(),
      heartbeatPeriodMs: o.heartbeatPeriodMs,
      log,
      ...(unlockKey ? { unlockKey } : {}),
      onUnlockKeyChange: async (key) => {
        unlockKey = key;
        await persistFiles();
      },
    });
  let manager = state.role === "manager" ? await startManager() : undefined;
  const channelDefaults = () => ({
    credentials: clientCredentials(tls),
    channelOptions: clientChannelOptions(),
  });

  // A manager's agent talks to its own manager, which forwards to the leader when it must.
  const channel = new FailoverChannel(
    state.role === "manager" ? [state.advertiseAddr] : state.managers ?? [],
    channelDefaults(),
  );
  const saveState = (next: NodeState) => {
    state = next;
    writeNodeState(o.stateDir, state).catch((e) => log(`recording the node state failed: ${e}`));
  };

  /** Follows the role the cluster wants this node to have (see the module doc). */
  let switching = false;
  const followRole = (message: SessionMessage) => {
    const node = message.node;
    if (switching || !node?.spec) return;
    const promote = state.role === "worker" && node.spec.desiredRole === NodeRole.MANAGER;
    // The leader clears `managerStatus` once this node is out of Raft (`role_manager.ts`).
    const demote = state.role === "manager" && node.spec.desiredRole === NodeRole.WORKER &&
      node.role === NodeRole.WORKER && !node.managerStatus;
    if (!promote && !demote) return;
    switching = true;
    const others = message.managers.map((m) => m.addr).filter((a) =>
      a !== "" && a !== state.advertiseAddr
    );
    exclusive(async () => {
      const issued = await renewNodeCertificate({ addrs: channel.addresses, current: tls });
      if (issued.role !== (promote ? "manager" : "worker")) return; // not yet: next message
      tls = { rootPem: issued.rootPem, certPem: issued.certPem, keyPem: issued.keyPem };
      await persistFiles();
      renewer.reset(issued.certPem);
      if (promote) {
        saveState({ ...state, role: "manager", managers: others });
        manager = await startManager();
        channel.setAddresses([state.advertiseAddr]);
        log("this node was promoted: it is now a manager");
      } else {
        channel.setAddresses(others);
        saveState({ ...state, role: "worker", managers: others });
        await manager?.stop();
        manager = undefined;
        if (unlockKey !== undefined) {
          unlockKey = undefined; // a worker's key is never encrypted
          await persistFiles();
        }
        await Deno.remove(`${o.stateDir}/raft`, { recursive: true }).catch(() => {});
        log("this node was demoted: it is now a worker");
      }
      channel.setDefaults(channelDefaults());
    }).catch((e) => log(`changing this node's role failed (will retry): ${e}`)).finally(() =>
      switching = false
    );
  };
  const renewer = new CertRenewer({
    certPem: tls.certPem,
    renew: () =>
      exclusive(async () => {
        const issued = await renewNodeCertificate({ addrs: channel.addresses, current: tls });
        if (issued.role !== state.role) {
          // The cluster wants another role: the role change renews once the switch is ready.
          throw new Error(
            `the cluster wants this ${state.role} to be a ${issued.role}: its role change ` +
              "renews the certificate",
          );
        }
        tls = { rootPem: issued.rootPem, certPem: issued.certPem, keyPem: issued.keyPem };
        await persistFiles();
        channel.setDefaults(channelDefaults());
        manager?.updateTls(tls);
        return issued.certPem;
      }),
    log,
  });
  const agent = new Agent({
    dispatcher: channel.client(Dispatcher),
    logBroker: channel.client(LogBroker),
    executor,
    describe: async () => {
      const d = await executor.describe();
      return create(NodeDescriptionSchema, {
        hostname: state.hostname,
        platform: { os: d.platform.os, architecture: d.platform.architecture },
        resources: {
          nanoCpus: BigInt(d.resources.nanoCPUs),
          memoryBytes: BigInt(d.resources.memoryBytes),
        },
        engine: { engineVersion: `swarm ${VERSION}`, executors: [d.executor ?? tasks.kind] },
      });
    },
    onRefused: (e) => {
      if (state.role === "worker") refusedBy(e);
    },
    onSessionMessage: (message) => {
      followRole(message);
      if (switching) return;
      // A manager remembers the others (for `swarm leave --force`); its agent stays local.
      const addrs = message.managers.map((m) => m.addr).filter((a) =>
        a !== "" && (state.role === "worker" || a !== state.advertiseAddr)
      );
      if (addrs.length === 0 || sameSet(addrs, state.managers ?? [])) return;
      if (state.role === "worker") channel.setAddresses(addrs);
      saveState({ ...state, managers: addrs });
    },
    initialStatuses: new Map(reaped.map((id) => [id, {
      state: 704, // FAILED
      message: "node restarted",
      err: tasks.kind === "docker"
        ? "the task's container was removed when its node restarted"
        : "the task's process was stopped when its node stopped",
      timestamp: Date.now(),
    }])),
    log,
  });
  agent.start();
  renewer.start();

  let code = 0;
  try {
    await o.onStarted?.(manager);
    o.stdout(o.banner(state));
    const refusal = await Promise.race([o.shutdown, refused]);
    if (refusal instanceof Error) {
      log(
        `Error: the managers refuse this node: ${refusal.message}. To run it again, join anew ` +
          "with a fresh state directory and a current token",
      );
      code = 1;
    }
  } finally {
    renewer.stop();
    log("stopping: shutting tasks down");
    await agent.stop();
    // The agent leaves tasks as they are; a stopping node takes its tasks with it.
    const stopped = await tasks.shutdownAll();
    log(`stopped ${stopped.length} task(s)`);
    await manager?.stop();
    channel.close();
  }
  return code;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
