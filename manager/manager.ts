/**
 * A manager: the Raft member, the store it feeds, and the services around them.
 *
 * - Raft (durable on Deno KV under `<stateDir>/raft`) replicates store transactions; applying a
 *   committed entry is the only way the store changes, on every manager alike.
 * - On the leader only: the reconcile loop (orchestrator, allocator, scheduler, reaper) and the
 *   dispatcher's heartbeat bookkeeping, as in SwarmKit.
 * - The remote API (mutual TLS, per-RPC authorization): Dispatcher for nodes, Control for
 *   managers, Health.
 * - The local control socket (a unix socket in a 0700 directory, mode 0600): Control, trusted.
 *
 * @module
 */
import type * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { ClusterSchema, NodeSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import { Control, CreateServiceRequestSchema } from "../proto/gen/swarm/v1/control_pb.ts";
import { Dispatcher } from "../proto/gen/swarm/v1/dispatcher_pb.ts";
import {
  NodeSpec_Availability,
  NodeSpec_Membership,
  type ServiceSpec,
} from "../proto/gen/swarm/v1/specs_pb.ts";
import {
  NodeRole,
  NodeStatus_State,
  RaftMemberStatus_Reachability,
} from "../proto/gen/swarm/v1/types_pb.ts";
import { addService, type CallContext, type ServiceImpl } from "../proto/grpc_server.ts";
import type { DescService } from "@bufbuild/protobuf";
import { type RunningServer, startServer, stopServer } from "../proto/grpc_listen.ts";
import { addHealthService, HealthRegistry, ServingStatus } from "../proto/grpc_health.ts";
import { createServerTls } from "../pki/mod.ts";
import { RaftNode } from "../raft/node.ts";
import { KvRaftStorage } from "../raft/kv_storage.ts";
import { MemoryStore } from "./store/memory_store.ts";
import { Reconciler } from "./reconciler.ts";
import { DispatcherService } from "./dispatcher/dispatcher_server.ts";
import { controlServer } from "./controlapi/control_server.ts";
import { authenticate } from "./auth.ts";
import { durationFromMs } from "./duration.ts";
import { unavailable } from "../proto/grpc_status.ts";

export interface ManagerOptions {
  readonly stateDir: string;
  readonly nodeId: string;
  readonly clusterId: string;
  readonly hostname: string;
  /** Where the remote API listens: `host:port`. */
  readonly listenAddr: string;
  /** Where other nodes reach this manager: `host:port`. */
  readonly advertiseAddr: string;
  /** The control socket path. */
  readonly controlSocket: string;
  readonly tls: { readonly rootPem: string; readonly certPem: string; readonly keyPem: string };
  /** Root CA material, written into the cluster object when the cluster is created. */
  readonly rootCA?: {
    readonly certPem: string;
    readonly keyPem: string;
    readonly digest: string;
    readonly joinTokens: { readonly worker: string; readonly manager: string };
  };
  readonly version: string;
  readonly newId: () => string;
  readonly now?: () => Date;
  readonly log?: (message: string) => void;
  /** @default 5000 */
  readonly heartbeatPeriodMs?: number;
}

export class Manager {
  readonly store: MemoryStore;
  readonly #o: ManagerOptions;
  readonly #raft: RaftNode;
  readonly #storage: KvRaftStorage;
  readonly #dispatcher: DispatcherService;
  readonly #health = new HealthRegistry();
  #reconciler: Reconciler | undefined;
  #remote: RunningServer | undefined;
  #local: RunningServer | undefined;
  #leader = false;
  readonly #control: ServiceImpl<typeof Control>;

  private constructor(o: ManagerOptions, storage: KvRaftStorage) {
    this.#o = o;
    this.#storage = storage;
    const now = o.now ?? (() => new Date());
    // The store proposes through Raft, and Raft applies into the store: one of them is made first.
    const proposer = { raft: undefined as RaftNode | undefined };
    this.store = new MemoryStore({
      proposer: {
        propose: async (data) => {
          if (!proposer.raft) throw unavailable("The manager is starting: retry in a moment");
          await proposer.raft.propose(data);
        },
      },
      now,
      newRequestId: o.newId,
    });
    const raft = new RaftNode({
      id: o.nodeId,
      storage,
      // A single manager has no peers; multi-manager transport arrives with joining.
      transport: { send: () => {} },
      apply: (entry) => {
        if (entry.kind === "normal" && entry.data.length > 0) {
          this.store.apply(entry.data, BigInt(entry.index));
        }
      },
      takeSnapshot: () => this.store.snapshot(),
      restoreSnapshot: (data, meta) => this.store.restore(data, BigInt(meta.index)),
      onLeaderChange: (leader) => this.#onLeaderChange(leader === o.nodeId),
      onFatal: (e) => o.log?.(`raft: fatal: ${e.message}`),
      bootstrap: [o.nodeId],
    });
    proposer.raft = raft;
    this.#raft = raft;
    this.#control = controlServer({
      store: this.store,
      newId: o.newId,
      version: { version: o.version, nodeId: o.nodeId },
    });
    this.#dispatcher = new DispatcherService({
      store: this.store,
      clusterId: o.clusterId,
      managerId: o.nodeId,
      now,
      newId: o.newId,
      heartbeatPeriodMs: o.heartbeatPeriodMs ?? 5_000,
      managers: () => [{ nodeId: o.nodeId, addr: o.advertiseAddr }],
      ...(o.log ? { log: o.log } : {}),
    });
  }

  /** Opens the Raft log (replaying snapshot and entries into the store) and starts serving. */
  static async start(o: ManagerOptions): Promise<Manager> {
    const storage = await KvRaftStorage.open(`${o.stateDir}/raft`, {
      memberId: o.nodeId,
      clusterId: o.clusterId,
    });
    const m = new Manager(o, storage);
    await m.#raft.start();
    await m.#waitForLeadership();
    await m.#raft.readIndex(); // Everything committed before the restart is applied now.
    await m.#bootstrapObjects();
    await m.#serve();
    return m;
  }

  /** Creates a service as the control API would (used by `swarm up` for its sample). */
  async createService(spec: ServiceSpec): Promise<void> {
    await this.#control.createService(
      create(CreateServiceRequestSchema, { spec }),
      undefined as never,
    );
  }

  get leader(): boolean {
    return this.#leader;
  }

  async stop(): Promise<void> {
    this.#health.set("", ServingStatus.NOT_SERVING);
    await this.#reconciler?.stop();
    this.#dispatcher.stop();
    if (this.#local) await stopServer(this.#local);
    if (this.#remote) await stopServer(this.#remote);
    await this.#raft.stop();
    this.#storage.close();
  }

  async #waitForLeadership(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!this.#raft.isLeader) {
      if (Date.now() > deadline) {
        throw new Error("This manager did not become the Raft leader within 30 s");
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  #onLeaderChange(isLeader: boolean): void {
    this.#leader = isLeader;
    if (isLeader) {
      this.#reconciler ??= new Reconciler({
        store: this.store,
        now: this.#o.now ?? (() => new Date()),
        newId: this.#o.newId,
        ...(this.#o.log ? { log: this.#o.log } : {}),
      });
      this.#reconciler.start();
    } else {
      this.#reconciler?.stop();
    }
  }

  /** The cluster object and this node's object, created once, on the first start. */
  async #bootstrapObjects(): Promise<void> {
    const o = this.#o;
    const cluster = this.store.get("cluster", o.clusterId);
    const node = this.store.get("node", o.nodeId);
    if (cluster && node) return;
    await this.store.update((tx) => {
      if (!cluster) {
        if (!o.rootCA) {
          throw new Error("The cluster object is missing and no root CA was given to create it");
        }
        tx.create(
          "cluster",
          create(ClusterSchema, {
            id: o.clusterId,
            spec: {
              annotations: { name: "default" },
              orchestration: { taskHistoryRetentionLimit: 5n },
              raft: {
                snapshotInterval: 10_000n,
                logEntriesForSlowFollowers: 500n,
                heartbeatTick: 1,
                electionTick: 8,
              },
              dispatcher: { heartbeatPeriod: durationFromMs(o.heartbeatPeriodMs ?? 5_000) },
              caConfig: { nodeCertExpiry: durationFromMs(90 * 24 * 3600 * 1000) },
            },
            rootCa: {
              caCert: new TextEncoder().encode(o.rootCA.certPem),
              caKey: new TextEncoder().encode(o.rootCA.keyPem),
              caCertHash: o.rootCA.digest,
              joinTokens: o.rootCA.joinTokens,
            },
          }),
        );
      }
      if (!node) {
        tx.create(
          "node",
          create(NodeSchema, {
            id: o.nodeId,
            spec: {
              desiredRole: NodeRole.MANAGER,
              membership: NodeSpec_Membership.ACCEPTED,
              availability: NodeSpec_Availability.ACTIVE,
            },
            description: { hostname: o.hostname },
            status: { state: NodeStatus_State.UNKNOWN },
            role: NodeRole.MANAGER,
            managerStatus: {
              raftId: o.nodeId,
              addr: o.advertiseAddr,
              leader: true,
              reachability: RaftMemberStatus_Reachability.REACHABLE,
            },
          }),
        );
      }
    });
  }

  async #serve(): Promise<void> {
    const o = this.#o;
    const control = this.#control;
    const tls = createServerTls(o.tls);
    this.#remote = await startServer({
      address: o.listenAddr,
      credentials: tls.credentials,
      register: (server) => {
        addService(server, Dispatcher, this.#dispatcher.impl());
        addService(
          server,
          Control,
          managersOnly(control, (ctx) => authenticate(this.store, o.clusterId, ctx, ["manager"])),
        );
        addHealthService(server, this.#health);
      },
    });
    this.#local = await startServer({
      address: `unix:${o.controlSocket}`,
      register: (server: grpc.Server) => {
        addService(server, Control, control);
        addHealthService(server, this.#health);
      },
    });
    this.#health.set("", ServingStatus.SERVING);
  }
}

/** Wraps every handler of `impl` with an authorization check on the call context. */
function managersOnly<S extends DescService>(
  impl: ServiceImpl<S>,
  check: (ctx: CallContext) => void,
): ServiceImpl<S> {
  const out: Record<string, unknown> = {};
  for (
    const [name, fn] of Object.entries(
      impl as Record<string, (req: unknown, ctx: CallContext) => unknown>,
    )
  ) {
    out[name] = (req: unknown, ctx: CallContext) => {
      check(ctx);
      return fn(req, ctx);
    };
  }
  return out as ServiceImpl<S>;
}
