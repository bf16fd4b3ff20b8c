/**
 * Test and benchmark support for Raft over gRPC: one member = Deno KV storage, a {@link RaftNode},
 * a {@link GrpcRaftTransport} and a gRPC server with mutual TLS serving {@link raftService}.
 * Used by `grpc_transport_test.ts` and `bench/raft_grpc_bench.ts`. Not part of the public API.
 *
 * @module
 */
import { addService, type CallContext } from "../proto/grpc_server.ts";
import { type RunningServer, startServer, stopServer } from "../proto/grpc_listen.ts";
import { permissionDenied, unauthenticated } from "../proto/grpc_status.ts";
import { Raft } from "../proto/gen/swarm/v1/raft_pb.ts";
import {
  authorize,
  clientChannelOptions,
  clientCredentials,
  createServerTls,
  peerIdentity,
} from "../pki/mod.ts";
import { GrpcRaftTransport, type GrpcRaftTransportOptions } from "./grpc_transport.ts";
import { raftService } from "./grpc_service.ts";
import { KvRaftStorage } from "./kv_storage.ts";
import { RaftNode } from "./node.ts";
import type { RaftNodeOptions } from "./node_options.ts";
import type { MemberId } from "./types.ts";

/** A manager's TLS material (what `TestPki.issue` returns, or files read back). */
export interface MemberTls {
  readonly rootPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * Authorizes Raft callers as the manager does: a manager certificate of `clusterId`, not
 * revoked; the caller's member ID is its node ID.
 */
export function managerAuthorizer(
  clusterId: string,
  isRevoked: (nodeId: string) => boolean = () => false,
): (ctx: CallContext) => MemberId {
  return (ctx) => {
    const identity = peerIdentity({ getAuthContext: () => ctx.authContext() });
    const error = authorize(identity, ["manager"], clusterId, isRevoked);
    if (error === null && identity !== null) return identity.nodeId;
    const message = error?.message ?? "no identity";
    throw error?.grpcStatus === "PERMISSION_DENIED"
      ? permissionDenied(message)
      : unauthenticated(message);
  };
}

/** Options of {@link startGrpcMember}. */
export interface GrpcMemberOptions {
  readonly id: MemberId;
  /** The member's KV file. */
  readonly kvPath: string;
  readonly clusterId: string;
  readonly tls: MemberTls;
  /** Where to listen: `127.0.0.1:0` for any port. */
  readonly listen: string;
  /** Founding voters (omit when restarting: the storage holds the membership). */
  readonly bootstrap?: readonly MemberId[];
  /** Extra node options (timers, snapshot interval…). */
  readonly node?: Partial<RaftNodeOptions>;
  readonly transport?: Partial<GrpcRaftTransportOptions>;
  /** Called for each applied normal entry, after it was recorded. */
  readonly onApply?: (data: Uint8Array, index: number) => void;
  readonly log?: (message: string) => void;
  /** Encryption at rest, as a manager's storage has it (see `KvRaftStorageOptions`). */
  readonly encryption?: { readonly kek: Uint8Array | null };
}

/** A running member; `node` is not started until {@link GrpcMember.startNode}. */
export interface GrpcMember {
  readonly id: MemberId;
  /** The server's real address (`127.0.0.1:<port>`). */
  readonly addr: string;
  readonly node: RaftNode;
  readonly transport: GrpcRaftTransport;
  readonly server: RunningServer;
  readonly storage: KvRaftStorage;
  /** Applied normal entries as text, in order (restored from snapshots too). */
  readonly applied: () => readonly string[];
  /** How many snapshots were restored into the state machine. */
  readonly restores: () => number;
  startNode(): Promise<void>;
  /** Stops the node, closes the transport and the storage. The server keeps running: stop it
   * with {@link stopServer} (see the GOAWAY policy in `grpc_listen.ts`). */
  stopNode(): Promise<void>;
}

/** Opens storage, builds node and transport, and starts the server (see the module doc). */
export async function startGrpcMember(o: GrpcMemberOptions): Promise<GrpcMember> {
  const storage = await KvRaftStorage.open(o.kvPath, {
    memberId: o.id,
    clusterId: o.clusterId,
    ...(o.encryption ? { encryption: o.encryption } : {}),
  });
  const transport = new GrpcRaftTransport({
    selfId: o.id,
    credentials: clientCredentials(o.tls),
    channelOptions: clientChannelOptions(),
    ...(o.log !== undefined ? { log: o.log } : {}),
    ...o.transport,
  });
  let items: string[] = [];
  let restores = 0;
  const dec = new TextDecoder();
  const enc = new TextEncoder();
  const node = new RaftNode({
    id: o.id,
    storage,
    transport,
    apply: (e) => {
      items.push(dec.decode(e.data));
      o.onApply?.(e.data, e.index);
    },
    takeSnapshot: () => enc.encode(JSON.stringify(items)),
    restoreSnapshot: (data) => {
      items = JSON.parse(dec.decode(data));
      restores++;
    },
    ...(o.bootstrap !== undefined ? { bootstrap: o.bootstrap } : {}),
    ...(o.log !== undefined ? { onFatal: (e: Error) => o.log?.(`raft fatal: ${e.message}`) } : {}),
    ...o.node,
  });
  let server: RunningServer;
  try {
    server = await startServer({
      address: o.listen,
      credentials: createServerTls(o.tls).credentials,
      register: (s) =>
        addService(
          s,
          Raft,
          raftService({
            selfId: o.id,
            receive: (m) => node.receive(m),
            authorize: managerAuthorizer(o.clusterId),
          }),
        ),
    });
  } catch (e) {
    transport.close();
    storage.close();
    throw e;
  }
  return {
    id: o.id,
    addr: server.address,
    node,
    transport,
    server,
    storage,
    applied: () => items,
    restores: () => restores,
    startNode: () => node.start(),
    async stopNode() {
      await node.stop();
      transport.close();
      storage.close();
    },
  };
}

/** Tells every member where the others are. */
export function connectAll(members: readonly GrpcMember[]): void {
  for (const a of members) {
    for (const b of members) if (a !== b) a.transport.setPeer(b.id, b.addr);
  }
}

/** Resolves once `cond()` holds, polling every 10 ms; throws after `timeoutMs`. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 8_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The member every running member agrees is the leader. */
export async function agreedLeader(
  members: readonly GrpcMember[],
  timeoutMs = 8_000,
): Promise<GrpcMember> {
  let leader: GrpcMember | undefined;
  await waitFor("an agreed leader", () => {
    const running = members.filter((m) => m.node.status().state === "running");
    leader = running.find((m) => m.node.isLeader);
    return leader !== undefined && running.every((m) => m.node.leader === leader?.id);
  }, timeoutMs);
  return leader as GrpcMember;
}

/** Stops a server in a single-process test, after its clients were closed (no live peer gets
 * a GOAWAY, see `grpc_listen.ts`). */
export async function forceStopServer(server: RunningServer): Promise<void> {
  await stopServer(server, { mode: "force" });
}
