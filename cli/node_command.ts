/**
 * `swarm init` and `swarm up`: create (or resume) a cluster's first node and run it in the
 * foreground — a manager plus an agent that reaches the manager's dispatcher over mutual TLS,
 * exactly as a remote worker will.
 *
 * Running the same command on the same state directory resumes the node with its state. A
 * directory that belongs to another kind of node, or that a running node holds, is refused.
 *
 * `--autolock` creates the cluster with autolock on: an unlock key is made, recorded in the
 * cluster object, printed once in the banner, and this manager's private key and Raft log are
 * encrypted with it at rest. When such a node restarts it waits, locked, for `swarm unlock`
 * (`open_node_files.ts`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  createRootCA,
  generateJoinToken,
  generateKeyAndCSR,
  generateUnlockKey,
  type NodeFiles,
  rootCADigest,
  signNodeCSR,
  writeNodeFiles,
} from "../pki/mod.ts";
import { StorageKeyError } from "../raft/kv_storage.ts";
import type { Manager } from "../manager/manager.ts";
import { newId } from "../manager/identity.ts";
import { runNodeRuntime } from "./node_runtime.ts";
import { AddressInUseError } from "../proto/grpc_listen.ts";
import { DEFAULT_STATE_DIR, SOCKET_NAME } from "./role_paths.ts";
import { NODE_FLAG_OPTIONS, type NodeFlags, nodeFlags, UsageError } from "./node_flags.ts";
import {
  lockStateDir,
  type NodeState,
  readNodeState,
  StateDirError,
  writeNodeState,
} from "./node_state.ts";
import { SAMPLE_SERVICE, sampleServiceSpec } from "./sample_service.ts";
import { NodeCertificateExpiredError } from "./open_node_files.ts";
import { resumeNode } from "./resume_node.ts";
import { autolockNotice } from "./autolock_notice.ts";
import { NodeExecutorError, type NodeExecutorFactory, openNodeExecutor } from "./node_executor.ts";

export interface NodeIO {
  stdout(text: string): void;
  stderr(text: string): void;
  env(name: string): string | undefined;
  /** Resolves when the node must stop (SIGINT/SIGTERM). */
  readonly shutdown: Promise<void>;
}

const USAGE = `Usage: swarm init [options]
Create a new cluster and run its first node (a manager and a worker) in the foreground.
Running it again on the same state directory resumes the node.

Options:
  -d, --state-dir DIR            Where the node keeps its state (default: $SWARM_STATE_DIR or ${DEFAULT_STATE_DIR})
      --listen-remote-api ADDR   Address for the remote API, host:port (default: 127.0.0.1:4242)
      --advertise-addr ADDR      Address other nodes reach this one at (default: the listen address)
      --listen-control-api PATH  Control socket (default: <state-dir>/${SOCKET_NAME})
      --hostname NAME            Node name (default: this host's name)
      --heartbeat-period MS      Dispatcher heartbeat period in milliseconds (default: 5000)
      --autolock                 Encrypt the managers' keys at rest: a restarted manager stays
                                 locked until 'swarm unlock' gives it the key printed now
      --executor KIND            Run tasks as local processes (process, the default) or as
                                 containers (docker: the engine at $DOCKER_HOST, else
                                 /var/run/docker.sock)
  -h, --help                     Show this help`;

interface InitFlags extends NodeFlags {
  readonly autolock: boolean;
}

export function parseInitFlags(
  args: string[],
  env: (n: string) => string | undefined,
  hostname: () => string,
): InitFlags | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { ...NODE_FLAG_OPTIONS, autolock: { type: "boolean" } },
    });
  } catch (e) {
    throw new UsageError(`${e instanceof Error ? e.message : e}\n\n${USAGE}`);
  }
  const v = parsed.values;
  if (v.help) return "help";
  return {
    ...nodeFlags(v, env, hostname),
    autolock: v.autolock ?? false,
  };
}

/** The message for a listen address another process holds. */
export function addressInUse(e: AddressInUseError): string {
  return `another process already listens on ${e.address}: stop it, or choose another address with --listen-remote-api (or --listen-control-api for the socket)`;
}

/** `swarm init` (and `swarm up`, which also creates a sample service on a new cluster). */
export async function runNode(command: "init" | "up", args: string[], io: NodeIO): Promise<number> {
  let flags: InitFlags | "help";
  try {
    flags = parseInitFlags(args, io.env, () => Deno.hostname());
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`Error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (flags === "help") {
    io.stdout(USAGE + "\n");
    return 0;
  }
  const log = (m: string) => io.stderr(`${new Date().toISOString()} ${m}\n`);
  try {
    // Before anything is created: an executor that cannot run here is an error at once.
    const executor = await openNodeExecutor(flags.executor, { env: io.env });
    await Deno.mkdir(flags.stateDir, { recursive: true, mode: 0o700 });
    const unlock = await lockStateDir(flags.stateDir);
    try {
      return await runInitNode(command, flags, executor, io, log);
    } finally {
      await unlock();
    }
  } catch (e) {
    if (
      e instanceof StateDirError || e instanceof UsageError || e instanceof StorageKeyError ||
      e instanceof NodeCertificateExpiredError || e instanceof NodeExecutorError
    ) {
      io.stderr(`Error: ${e.message}\n`);
      return 1;
    }
    if (e instanceof AddressInUseError) {
      io.stderr(`Error: ${addressInUse(e)}\n`);
      return 1;
    }
    throw e;
  }
}

async function runInitNode(
  command: "init" | "up",
  flags: InitFlags,
  executor: NodeExecutorFactory,
  io: NodeIO,
  log: (m: string) => void,
): Promise<number> {
  let state = await readNodeState(flags.stateDir);
  if (state && state.createdBy !== "init") {
    throw new StateDirError(
      `State directory ${flags.stateDir} belongs to a node that joined cluster ${state.clusterId}: resume it with 'swarm join', or use another --state-dir`,
    );
  }
  const fresh = state === undefined;
  let rootCA: Parameters<typeof Manager.start>[0]["rootCA"];
  let files: NodeFiles;
  let unlockKey: Uint8Array | undefined;
  if (!state) {
    // A directory without node.json holds at most a half-finished init: start it over.
    for (const leftover of ["raft", "certificates", "tasks"]) {
      await Deno.remove(`${flags.stateDir}/${leftover}`, { recursive: true }).catch(() => {});
    }
    const created = await createCluster(flags);
    state = created.state;
    rootCA = created.rootCA;
    files = created.files;
    unlockKey = created.unlockKey;
  } else {
    if (flags.autolock) {
      log("--autolock only applies when a cluster is created: this node resumes as it was");
    }
    const resumed = await resumeNode({ state, flags, shutdown: io.shutdown, log });
    if (resumed === undefined) return 0; // stopped while locked
    state = resumed.state;
    files = resumed.files;
    unlockKey = resumed.unlockKey;
  }

  return await runNodeRuntime({
    stateDir: flags.stateDir,
    state,
    tls: files,
    controlSocket: flags.controlSocket,
    heartbeatPeriodMs: flags.heartbeatPeriodMs,
    executor,
    ...(rootCA ? { rootCA } : {}),
    ...(unlockKey ? { unlockKey } : {}),
    onStarted: async (manager) => {
      if (fresh) await writeNodeState(flags.stateDir, state);
      if (command === "up" && manager && manager.store.list("service").length === 0) {
        await manager.createService(sampleServiceSpec());
      }
    },
    banner: (s) => banner(command, s, flags, fresh, fresh ? unlockKey : undefined),
    stdout: io.stdout,
    shutdown: io.shutdown,
    log,
  });
}

async function createCluster(flags: InitFlags) {
  const now = new Date();
  const clusterId = newId();
  const nodeId = newId();
  const ca = await createRootCA({ now });
  const digest = await rootCADigest(ca.certPem);
  const { keyPem, csrPem } = await generateKeyAndCSR();
  const cert = await signNodeCSR({ ca, csrPem, nodeId, role: "manager", clusterId, now });
  const files: NodeFiles = { certPem: cert.chainPem, keyPem, rootPem: ca.certPem };
  const unlockKey = flags.autolock ? generateUnlockKey() : undefined;
  await writeNodeFiles(flags.stateDir, files, unlockKey ? { kek: unlockKey } : {});
  const state: Omit<NodeState, "format"> & { format: number } = {
    format: 1,
    createdBy: "init",
    nodeId,
    clusterId,
    role: "manager",
    hostname: flags.hostname,
    listenAddr: flags.listenAddr,
    advertiseAddr: flags.advertiseAddr,
  };
  return {
    state: state as NodeState,
    files,
    ...(unlockKey ? { unlockKey } : {}),
    rootCA: {
      certPem: ca.certPem,
      keyPem: ca.keyPem,
      digest: [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
      joinTokens: { worker: generateJoinToken(digest), manager: generateJoinToken(digest) },
    },
  };
}

function banner(
  command: "init" | "up",
  state: NodeState,
  flags: InitFlags,
  fresh: boolean,
  unlockKey: Uint8Array | undefined,
): string {
  const socket = flags.controlSocket;
  const lines = [
    fresh
      ? `Swarm initialized: this node (${state.nodeId}) is now a manager of cluster ${state.clusterId}.`
      : `Swarm node ${state.nodeId} resumed (cluster ${state.clusterId}).`,
    `Remote API: ${state.advertiseAddr}   Control socket: ${socket}`,
  ];
  if (unlockKey !== undefined) lines.push(...autolockNotice(unlockKey));
  if (command === "up") {
    lines.push(
      `A sample service "${SAMPLE_SERVICE}" runs on it. In another terminal, try:`,
      `  export SWARM_SOCKET=${socket}`,
      `  swarm service ls`,
      `  swarm service ps ${SAMPLE_SERVICE}`,
      `  swarm service scale ${SAMPLE_SERVICE}=5`,
    );
  }
  lines.push(
    "Press Ctrl-C to stop the node (its tasks stop with it; running the same command resumes it).",
  );
  return lines.join("\n") + "\n";
}
