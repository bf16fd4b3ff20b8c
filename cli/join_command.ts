/**
 * `swarm join --token TOKEN MANAGER_HOST:PORT`: turn this host into a node of an existing cluster,
 * and run it in the foreground.
 *
 * A fresh join pins the cluster's root CA by the digest in the token (a manager presenting another
 * CA is refused before anything is sent), sends a CSR with the token, and receives a certificate
 * whose role the token decides: a worker runs an agent; a manager also becomes a Raft voter.
 * `node.json` is written as soon as the certificate is on disk, so running the same command again
 * resumes the node (the token is then not needed, nor used).
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  fetchPinnedRootCA,
  MalformedJoinTokenError,
  type NodeFiles,
  parseJoinToken,
  PkiError,
  readNodeCertificate,
  requestNodeCertificate,
  writeNodeFiles,
} from "../pki/mod.ts";
import { isGrpcStatusError } from "../proto/grpc_status.ts";
import { DEFAULT_STATE_DIR, SOCKET_NAME } from "./role_paths.ts";
import {
  lockStateDir,
  type NodeState,
  readNodeState,
  StateDirError,
  writeNodeState,
} from "./node_state.ts";
import { addressInUse, type NodeIO } from "./node_command.ts";
import {
  checkHostPort,
  NODE_FLAG_OPTIONS,
  type NodeFlags,
  nodeFlags,
  UsageError,
} from "./node_flags.ts";
import { AddressInUseError } from "../proto/grpc_listen.ts";
import { runNodeRuntime } from "./node_runtime.ts";
import { NodeCertificateExpiredError } from "./open_node_files.ts";
import { resumeNode } from "./resume_node.ts";
import { StorageKeyError } from "../raft/kv_storage.ts";
import { NodeExecutorError, type NodeExecutorFactory, openNodeExecutor } from "./node_executor.ts";

const USAGE = `Usage: swarm join --token TOKEN [options] MANAGER_HOST:PORT
Join the cluster a manager belongs to, as a worker or a manager (the token decides), and run the
node in the foreground. Running it again on the same state directory resumes the node.

Options:
      --token TOKEN              Join token from 'swarm join-token worker|manager' on a manager
  -d, --state-dir DIR            Where the node keeps its state (default: $SWARM_STATE_DIR or ${DEFAULT_STATE_DIR})
      --listen-remote-api ADDR   Managers: address for the remote API, host:port (default: 127.0.0.1:4242)
      --advertise-addr ADDR      Managers: address other nodes reach this one at (default: the listen address)
      --listen-control-api PATH  Managers: control socket (default: <state-dir>/${SOCKET_NAME})
      --hostname NAME            Node name (default: this host's name)
      --heartbeat-period MS      Used if this node becomes the dispatcher (default: 5000)
      --executor KIND            Run tasks as local processes (process, the default) or as
                                 containers (docker: the engine at $DOCKER_HOST, else
                                 /var/run/docker.sock)
  -h, --help                     Show this help`;

interface JoinFlags extends NodeFlags {
  readonly token: string | undefined;
  readonly manager: string;
}

export function parseJoinFlags(
  args: string[],
  env: (n: string) => string | undefined,
  hostname: () => string,
): JoinFlags | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { ...NODE_FLAG_OPTIONS, token: { type: "string" } },
    });
  } catch (e) {
    throw new UsageError(`${e instanceof Error ? e.message : e}\n\n${USAGE}`);
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      `swarm join needs exactly one manager address (HOST:PORT), got ${parsed.positionals.length}\n\n${USAGE}`,
    );
  }
  const manager = parsed.positionals[0]!;
  checkHostPort(manager, "The manager address");
  if (v.token !== undefined) {
    try {
      parseJoinToken(v.token);
    } catch (e) {
      if (e instanceof MalformedJoinTokenError) throw new UsageError(e.message);
      throw e;
    }
  }
  return { ...nodeFlags(v, env, hostname), token: v.token, manager };
}

/** `swarm join`. */
export async function runJoin(args: string[], io: NodeIO): Promise<number> {
  let flags: JoinFlags | "help";
  try {
    flags = parseJoinFlags(args, io.env, () => Deno.hostname());
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
      return await joinAndRun(flags, executor, io, log);
    } finally {
      await unlock();
    }
  } catch (e) {
    if (
      e instanceof StateDirError || e instanceof UsageError || e instanceof PkiError ||
      e instanceof StorageKeyError || e instanceof NodeCertificateExpiredError ||
      e instanceof NodeExecutorError
    ) {
      io.stderr(`Error: ${e.message}\n`);
      return 1;
    }
    if (e instanceof AddressInUseError) {
      io.stderr(`Error: ${addressInUse(e)}\n`);
      return 1;
    }
    if (isGrpcStatusError(e)) {
      io.stderr(`Error: the manager at ${flags.manager} refused the join: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

async function joinAndRun(
  flags: JoinFlags,
  executor: NodeExecutorFactory,
  io: NodeIO,
  log: (m: string) => void,
): Promise<number> {
  let state = await readNodeState(flags.stateDir);
  if (state && state.createdBy !== "join") {
    throw new StateDirError(
      `State directory ${flags.stateDir} holds the node that created cluster ${state.clusterId}: resume it with 'swarm init', or use another --state-dir`,
    );
  }
  const fresh = state === undefined;
  let files: NodeFiles | undefined;
  let unlockKey: Uint8Array | undefined;
  if (!state) {
    if (flags.token === undefined) {
      throw new UsageError(
        "swarm join needs --token TOKEN to join a cluster: print one on a manager with 'swarm join-token worker' (or 'manager')",
      );
    }
    for (const leftover of ["raft", "certificates", "tasks"]) {
      await Deno.remove(`${flags.stateDir}/${leftover}`, { recursive: true }).catch(() => {});
    }
    const rootPem = await fetchPinnedRootCA(flags.manager, flags.token);
    const issued = await requestNodeCertificate({
      addr: flags.manager,
      token: flags.token,
      rootPem,
      hostname: flags.hostname,
      advertiseAddr: flags.advertiseAddr,
    });
    files = { certPem: issued.certPem, keyPem: issued.keyPem, rootPem: issued.rootPem };
    // A joined manager's key is encrypted once it learns the cluster's autolock setting.
    await writeNodeFiles(flags.stateDir, files);
    const info = readNodeCertificate(issued.certPem);
    state = {
      format: 1,
      createdBy: "join",
      nodeId: info.nodeId,
      clusterId: info.clusterId,
      role: info.role,
      hostname: flags.hostname,
      listenAddr: flags.listenAddr,
      advertiseAddr: flags.advertiseAddr,
      managers: [flags.manager],
    };
    await writeNodeState(flags.stateDir, state);
  } else {
    const resumed = await resumeNode({ state, flags, shutdown: io.shutdown, log });
    if (resumed === undefined) return 0; // stopped while locked
    state = resumed.state;
    files = resumed.files;
    unlockKey = resumed.unlockKey;
  }
  const joined: NodeState = state;
  return await runNodeRuntime({
    stateDir: flags.stateDir,
    state: joined,
    tls: files,
    controlSocket: flags.controlSocket,
    heartbeatPeriodMs: flags.heartbeatPeriodMs,
    executor,
    ...(unlockKey ? { unlockKey } : {}),
    banner: (s) => banner(s, flags, fresh),
    stdout: io.stdout,
    shutdown: io.shutdown,
    log,
  });
}

function banner(state: NodeState, flags: JoinFlags, fresh: boolean): string {
  const lines = [
    fresh
      ? `This node (${state.nodeId}) joined cluster ${state.clusterId} as a ${state.role}.`
      : `Swarm node ${state.nodeId} resumed (cluster ${state.clusterId}, ${state.role}).`,
  ];
  if (state.role === "manager") {
    lines.push(`Remote API: ${state.advertiseAddr}   Control socket: ${flags.controlSocket}`);
  }
  lines.push(
    "Press Ctrl-C to stop the node (its tasks stop with it; running the same command resumes it).",
  );
  return lines.join("\n") + "\n";
}
