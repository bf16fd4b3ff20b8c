/**
 * A manager: the Raft member, the store it feeds, and the services around them.
 *
 * - Raft (durable on Deno KV under `<stateDir>/raft`) replicates store transactions between the
 *   managers over gRPC with mutual TLS; applying a committed entry is the only way the store
 *   changes, on every manager alike.
 * - On the leader only: the reconcile loop (orchestrator, allocator, scheduler, reaper), the
 *   dispatcher, certificate issuance and membership changes, as in SwarmKit. Followers forward
 *   such calls to the leader (`forward.ts`), so any manager serves every client.
 * - The remote API (mutual TLS, per-RPC authorization): Raft between managers, Dispatcher and
 *   LogBroker for nodes, Control and Logs for managers, NodeCA/CA open (issuance is
 *   token-gated), Health.
 * - The local control socket (a unix socket in a 0700 directory, mode 0600): Control, trusted;
 *   also `CA.GetUnlockKey` (for `swarm unlock-key`) and `NodeLock` (which says it is not locked).
 * - Autolock: the Raft log is encrypted at rest (`raft/kv_cipher.ts`), its data key wrapped by the
 *   cluster's unlock key while autolock is on; the manager follows changes of that key through
 *   the store (`autolock.ts`), rewrapping its Raft storage and asking its node to re-encrypt
 *   the key file (`onUnlockKeyChange`).
 * - Certificate renewal: {@link Manager.updateTls} swaps the certificate in place, for the
 *   server (new connections) and for the clients to peers and the leader.
 *
 * A manager starts in one of three ways: it founds a cluster (`rootCA` given: a single voter that
 * elects itself), it joins one (`join` given: it asks the leader to make it a voter), or it
 * resumes from its Raft log.
 *
 * @module
 */
import type * as grpc from "@grpc/grpc-js";
import { create, type DescService } from "@bufbuild/protobuf";
import { Control, CreateServiceRequestSchema } from "../proto/gen/swarm/v1/control_pb.ts";
import { Dispatcher } from "../proto/gen/swarm/v1/dispatcher_pb.ts";
import { Raft, RaftMembership } from "../proto/gen/swarm/v1/raft_pb.ts";
import { CA, NodeCA } from "../proto/gen/swarm/v1/ca_pb.ts";
import { NodeLock } from "../proto/gen/swarm/v1/nodelock_pb.ts";
import { LogBroker, Logs } from "../proto/gen/swarm/v1/logs_pb.ts";
import type { ServiceSpec } from "../proto/gen/swarm/v1/specs_pb.ts";
import { addService, type CallContext, type ServiceImpl } from "../proto/grpc_server.ts";
import { type Client, createClient } from "../proto/grpc_client.ts";
import { ChannelPool, type ManagedChannel } from "../proto/connection.ts";
import { FailoverChannel } from "../proto/failover_channel.ts";
import { type RunningServer, startServer, stopServer } from "../proto/grpc_listen.ts";
import { addHealthService, HealthRegistry, ServingStatus } from "../proto/grpc_health.ts";
import {
  failedPrecondition,
  isGrpcStatusError,
  Status,
  unavailable,
} from "../proto/grpc_status.ts";
import {
  clientChannelOptions,
  clientCredentials,
  createServerTls,
  type ServerTls,
  type ServerTlsMaterial,
} from "../pki/mod.ts";
import { RaftNode } from "../raft/node.ts";
import { KvRaftStorage } from "../raft/kv_storage.ts";
import { GrpcRaftTransport } from "../raft/grpc_transport.ts";
import { raftService } from "../raft/grpc_service.ts";
import { MemoryStore } from "./store/memory_store.ts";
import { Reconciler } from "./reconciler.ts";
import { DispatcherService } from "./dispatcher/dispatcher_server.ts";
import { LogBrokerService } from "./logbroker/logbroker_server.ts";
import { controlServer } from "./controlapi/control_server.ts";
import { caService, nodeCAService } from "./ca/mod.ts";
import { authenticate, withCheck } from "./auth.ts";
import { forwardToLeader } from "./forward.ts";
import { Membership } from "./raft_membership.ts";
import { foundingManagerNode, newClusterObject } from "./cluster_objects.ts";
import { managerStatusChanges } from "./manager_status.ts";
import { RoleManager } from "./role_manager.ts";
import { clusterUnlockKey, UnlockKeyFollower } from "./autolock.ts";

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
  /** Root CA material: given only to found a new cluster (written into the cluster object). */
  readonly rootCA?: {
    readonly certPem: string;
    readonly keyPem: string;
    readonly digest: string;
    readonly joinTokens: { readonly worker: string; readonly manager: string };
  };
  /** Managers of an existing cluster to join through (`host:port`); used while this member's
   * Raft log is empty. */
  readonly join?: readonly string[];
  readonly version: string;
  readonly newId: () => string;
  readonly now?: () => Date;
  readonly log?: (message: string) => void;
  /** @default 5000 */
  readonly heartbeatPeriodMs?: number;
  /**
   * The unlock key this manager's files are encrypted with (it was unlocked with it), which
   * opens its Raft storage. When founding a cluster (`rootCA` given), turns autolock on with
   * this key. @default undefined (not encrypted with a key)
   */
  readonly unlockKey?: Uint8Array;
  /**
   * Called when the cluster's unlock key changes (or autolock is turned on or off), after the
   * Raft storage was rewrapped: re-encrypt the node's key file with `key` (undefined: write it
   * unencrypted). @default nothing else is re-encrypted
   */
  readonly onUnlockKeyChange?: (key: Uint8Array | undefined) => Promise<void>;
}

/** How long `start` waits for a Raft leader before serving anyway (calls then fail UNAVAILABLE
 * until a quorum is back). */
const LEADER_WAIT_MS = 30_000;
/** How often the leader refreshes the managers' status in the store. */
const MANAGER_STATUS_PERIOD_MS = 1_000;

export class Manager {
  readonly store: MemoryStore;
  readonly #o: ManagerOptions;
  readonly #raft: RaftNode;
  readonly #storage: KvRaftStorage;
  readonly #transport: GrpcRaftTransport;
  readonly #dispatcher: DispatcherService;
  readonly #logs: LogBrokerService;
  readonly #membership: Membership;
  readonly #roles: RoleManager;
  readonly #health = new HealthRegistry();
  #peers: ChannelPool;
  readonly #leaderClients = new WeakMap<ManagedChannel, Map<string, unknown>>();
  #tls: ServerTlsMaterial;
  #serverTls: ServerTls | undefined;
  readonly #unlockKey: UnlockKeyFollower;
  /** Addresses learned from the Join answer, until the store has them. */
  readonly #addrHints = new Map<string, string>();
  #unwatch: (() => void) | undefined;
  #reconciler: Reconciler | undefined;
  #remote: RunningServer | undefined;
  #local: RunningServer | undefined;
  #leader = false;
  #stopped = false;
  #statusTimer: ReturnType<typeof setInterval> | undefined;
  readonly #control: ServiceImpl<typeof Control>;

  private constructor(o: ManagerOptions, storage: KvRaftStorage) {
    this.#o = o;
    this.#storage = storage;
    this.#tls = o.tls;
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
    const credentials = clientCredentials(o.tls);
    this.#transport = new GrpcRaftTransport({
      selfId: o.nodeId,
      credentials,
      channelOptions: clientChannelOptions(),
      ...(o.log ? { log: o.log } : {}),
    });
    this.#peers = new ChannelPool({ credentials, channelOptions: clientChannelOptions() });
    const raft = new RaftNode({
      id: o.nodeId,
      storage,
      transport: this.#transport,
      apply: (entry) => {
        if (entry.kind === "normal" && entry.data.length > 0) {
          this.store.apply(entry.data, BigInt(entry.index));
        }
      },
      onConfChange: () => this.#syncPeers(),
      takeSnapshot: () => this.store.snapshot(),
      restoreSnapshot: (data, meta) => {
        this.store.restore(data, BigInt(meta.index));
        this.#syncPeers();
      },
      onLeaderChange: (leader) => this.#onLeaderChange(leader === o.nodeId),
      onFatal: (e) => o.log?.(`raft: fatal: ${e.message}`),
      ...(o.rootCA ? { bootstrap: [o.nodeId] } : {}),
    });
    proposer.raft = raft;
    this.#raft = raft;
    this.#membership = new Membership({ store: this.store, clusterId: o.clusterId, raft });
    this.#roles = new RoleManager({
      store: this.store,
      membership: this.#membership,
      raft,
      ...(o.log ? { log: o.log } : {}),
    });
    this.#control = controlServer({
      store: this.store,
      newId: o.newId,
      version: { version: o.version, nodeId: o.nodeId },
      now,
    });
    this.#unlockKey = new UnlockKeyFollower({
      current: o.unlockKey,
      wanted: () => clusterUnlockKey(this.store.get("cluster", o.clusterId)),
      apply: async (key) => {
        if (this.#storage.encrypted) await this.#storage.setKek(key ?? null);
        await o.onUnlockKeyChange?.(key);
        if (this.#storage.encrypted) await this.#storage.dropPreviousKek();
      },
      ...(o.log ? { log: o.log } : {}),
    });
    this.#logs = new LogBrokerService({
      store: this.store,
      clusterId: o.clusterId,
      newId: o.newId,
    });
    this.#dispatcher = new DispatcherService({
      store: this.store,
      clusterId: o.clusterId,
      managerId: o.nodeId,
      now,
      newId: o.newId,
      heartbeatPeriodMs: o.heartbeatPeriodMs ?? 5_000,
      managers: () => this.managers(),
      ...(o.log ? { log: o.log } : {}),
    });
  }

  /**
   * Opens the Raft log (replaying snapshot and entries into the store), starts serving, and
   * founds, joins or rejoins the cluster.
   */
  static async start(o: ManagerOptions): Promise<Manager> {
    const storage = await KvRaftStorage.open(`${o.stateDir}/raft`, {
      memberId: o.nodeId,
      clusterId: o.clusterId,
      encryption: { kek: o.unlockKey ?? null },
    });
    if (!storage.encrypted) {
      o.log?.("this manager's Raft log predates encryption at rest: it stays unencrypted");
    }
    const m = new Manager(o, storage);
    try {
      await m.#start();
    } catch (e) {
      await m.stop();
      throw e;
    }
    return m;
  }

  async #start(): Promise<void> {
    const o = this.#o;
    await this.#raft.start();
    this.#unwatch = this.store.watch((events, reset) => {
      if (reset || events.some((e) => e.kind === "node")) this.#syncPeers();
      if (reset || events.some((e) => e.kind === "cluster")) void this.#unlockKey.sync();
    });
    this.#syncPeers();
    // Peers must reach this member's Raft service before it can join or be elected.
    await this.#serve();
    const conf = this.#raft.status().conf;
    const member = conf.voters.includes(o.nodeId) || conf.learners.includes(o.nodeId);
    if (!member && o.join && o.join.length > 0) await this.#joinRaft(o.join);
    if (o.rootCA) {
      await this.#waitForLeader(LEADER_WAIT_MS, true);
      await this.#raft.readIndex(); // Everything committed before a restart is applied now.
      await this.#bootstrapObjects();
    } else if (await this.#waitForLeader(LEADER_WAIT_MS, false)) {
      await this.#raft.readIndex().catch(() => {});
    } else {
      o.log?.("no Raft leader yet: serving, but calls fail until a quorum of managers is back");
    }
    await this.#unlockKey.sync();
    this.#health.set("", ServingStatus.SERVING);
  }

  /**
   * Presents a renewed certificate from now on: to new connections on the remote API, and on
   * new connections to peers (Raft) and to the leader (forwarding). Connections already open
   * keep going; nothing restarts.
   */
  updateTls(tls: ServerTlsMaterial): void {
    if (this.#stopped) return;
    this.#tls = tls;
    this.#serverTls?.update(tls);
    const credentials = clientCredentials(tls);
    this.#transport.setCredentials(credentials);
    const old = this.#peers;
    this.#peers = new ChannelPool({ credentials, channelOptions: clientChannelOptions() });
    old.retire();
  }

  /** The unlock key this manager's files are encrypted with now (undefined: not encrypted). */
  get unlockKey(): Uint8Array | undefined {
    return this.#unlockKey.current;
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

  /** Where the remote API listens (with the real port when `listenAddr` asked for port 0). */
  get remoteAddress(): string {
    return this.#remote?.address ?? this.#o.listenAddr;
  }

  get raftStatus(): ReturnType<RaftNode["status"]> {
    return this.#raft.status();
  }

  /** Managers other nodes can reach: Raft members with a known address. */
  managers(): { nodeId: string; addr: string }[] {
    const conf = this.#raft.status().conf;
    const out: { nodeId: string; addr: string }[] = [];
    for (const id of conf.voters) {
      const addr = id === this.#o.nodeId ? this.#o.advertiseAddr : this.#addrOf(id);
      if (addr) out.push({ nodeId: id, addr });
    }
    return out;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#health.set("", ServingStatus.NOT_SERVING);
    this.#unwatch?.();
    await this.#unlockKey.stop();
    await this.#reconciler?.stop();
    this.#roles.stop();
    clearInterval(this.#statusTimer);
    this.#dispatcher.deactivate();
    this.#logs.deactivate();
    if (this.#local) await stopServer(this.#local);
    if (this.#remote) await stopServer(this.#remote);
    await this.#raft.stop();
    this.#transport.close();
    this.#peers.close();
    this.#storage.close();
  }

  /** Asks the cluster (through any of `addrs`) to make this manager a voter. */
  async #joinRaft(addrs: readonly string[]): Promise<void> {
    const o = this.#o;
    const channel = new FailoverChannel(addrs, {
      credentials: clientCredentials(this.#tls),
      channelOptions: clientChannelOptions(),
    });
    try {
      const client = channel.client(RaftMembership);
      const deadline = Date.now() + 120_000;
      while (true) {
        try {
          const res = await client.join({ addr: o.advertiseAddr }, { timeoutMs: 90_000 });
          for (const m of res.members) if (m.addr) this.#addrHints.set(m.raftId, m.addr);
          this.#syncPeers();
          return;
        } catch (e) {
          const retry = isGrpcStatusError(e, Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED);
          if (!retry || Date.now() > deadline) throw e;
          o.log?.(`joining Raft: ${e instanceof Error ? e.message : e}; retrying`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    } finally {
      channel.close();
    }
  }

  async #waitForLeader(ms: number, self: boolean): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (self ? !this.#raft.isLeader : this.#raft.leader === "") {
      if (Date.now() > deadline) {
        if (self) throw new Error(`This manager did not become the Raft leader within ${ms} ms`);
        return false;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  #addrOf(id: string): string | undefined {
    return this.store.get("node", id)?.managerStatus?.addr || this.#addrHints.get(id);
  }

  /** Points the Raft transport at every other member's current address. */
  #syncPeers(): void {
    if (this.#stopped) return;
    const conf = this.#raft.status().conf;
    for (const id of [...this.#addrHints.keys()]) {
      if (this.store.get("node", id)?.managerStatus?.addr) this.#addrHints.delete(id);
    }
    // Before its log arrives a joining member knows its peers only from the Join answer.
    const members = new Set([...conf.voters, ...conf.learners, ...this.#addrHints.keys()]);
    members.delete(this.#o.nodeId);
    for (const id of members) {
      const addr = this.#addrOf(id);
      if (addr) this.#transport.setPeer(id, addr);
    }
    for (const { id } of this.#transport.peers()) {
      if (!members.has(id)) this.#transport.removePeer(id);
    }
  }

  #onLeaderChange(isLeader: boolean): void {
    const was = this.#leader;
    this.#leader = isLeader;
    if (isLeader === was) return;
    if (isLeader) {
      this.#o.log?.("this manager is now the Raft leader");
      this.#dispatcher.activate();
      this.#logs.activate();
      this.#reconciler ??= new Reconciler({
        store: this.store,
        now: this.#o.now ?? (() => new Date()),
        newId: this.#o.newId,
        ...(this.#o.log ? { log: this.#o.log } : {}),
      });
      this.#reconciler.start();
      this.#roles.start();
      this.#statusTimer ??= setInterval(() => {
        this.#recordManagerStatus().catch((e) =>
          this.#o.log?.(`recording the managers' status failed: ${e}`)
        );
      }, MANAGER_STATUS_PERIOD_MS);
    } else {
      this.#dispatcher.deactivate();
      this.#logs.deactivate();
      this.#reconciler?.stop();
      this.#roles.stop();
      clearInterval(this.#statusTimer);
      this.#statusTimer = undefined;
    }
  }

  /** Leader: keeps every manager's `managerStatus` (leader flag, reachability) current. */
  async #recordManagerStatus(): Promise<void> {
    if (!this.#leader) return;
    const changed = managerStatusChanges(
      this.#o.nodeId,
      this.#raft.status().conf,
      (id) => this.store.get("node", id),
      (id) => this.#transport.reachable(id),
    );
    if (changed.length > 0 && this.#leader) {
      await this.store.update((tx) => changed.forEach((n) => tx.update("node", n)));
    }
  }

  /** The cluster object and this node's object, created once, on the first start. */
  async #bootstrapObjects(): Promise<void> {
    const o = this.#o;
    const cluster = this.store.get("cluster", o.clusterId);
    const node = this.store.get("node", o.nodeId);
    if (cluster && node) return;
    if (!cluster && !o.rootCA) {
      throw new Error("The cluster object is missing and no root CA was given to create it");
    }
    await this.store.update((tx) => {
      if (!cluster && o.rootCA) {
        tx.create(
          "cluster",
          newClusterObject({
            clusterId: o.clusterId,
            rootCA: o.rootCA,
            heartbeatPeriodMs: o.heartbeatPeriodMs ?? 5_000,
            ...(o.unlockKey ? { unlockKey: o.unlockKey } : {}),
          }),
        );
      }
      if (!node) tx.create("node", foundingManagerNode(o));
    });
  }

  /** A client of the current leader, for forwarding. */
  #leaderClient<S extends DescService>(desc: S) {
    const leader = this.#raft.leader;
    const addr = leader === "" ? undefined : this.#addrOf(leader);
    if (addr === undefined) {
      throw unavailable(
        "No Raft leader is known: a quorum of managers must be up; retry in a moment",
      );
    }
    // Forwarding is on the path of every follower call (heartbeats, status reports): build a
    // client once per channel, not per call. A new channel (after a TLS update) gets a new one.
    const channel = this.#peers.get(addr);
    let byService = this.#leaderClients.get(channel);
    if (byService === undefined) this.#leaderClients.set(channel, byService = new Map());
    let client = byService.get(desc.typeName) as Client<S> | undefined;
    if (client === undefined) byService.set(desc.typeName, client = createClient(desc, channel));
    return client;
  }

  #forwarding<S extends DescService>(
    desc: S,
    impl: ServiceImpl<S>,
    origin: "local" | "remote",
  ): ServiceImpl<S> {
    return forwardToLeader(desc, impl, {
      isLeader: () => this.#leader,
      leader: () => this.#leaderClient(desc),
      trustedForwarder: (ctx) => this.#isManager(ctx),
      origin,
    });
  }

  #isManager(ctx: CallContext): boolean {
    try {
      authenticate(this.store, this.#o.clusterId, ctx, ["manager"]);
      return true;
    } catch {
      return false;
    }
  }

  async #serve(): Promise<void> {
    const o = this.#o;
    const control = this.#control;
    const tls = createServerTls(this.#tls);
    this.#serverTls = tls;
    const managers = (ctx: CallContext) => authenticate(this.store, o.clusterId, ctx, ["manager"]);
    const nodeCA = nodeCAService({
      store: this.store,
      clusterId: o.clusterId,
      newId: o.newId,
      now: o.now ?? (() => new Date()),
    });
    this.#remote = await startServer({
      address: o.listenAddr,
      credentials: tls.credentials,
      register: (server) => {
        addService(
          server,
          Raft,
          raftService({
            selfId: o.nodeId,
            receive: (m) => this.#raft.receive(m),
            authorize: (ctx) => managers(ctx).nodeId,
          }),
        );
        addService(
          server,
          RaftMembership,
          this.#forwarding(RaftMembership, this.#membership.impl(), "remote"),
        );
        addService(
          server,
          Dispatcher,
          this.#forwarding(Dispatcher, this.#dispatcher.impl(), "remote"),
        );
        addService(
          server,
          Control,
          this.#forwarding(Control, withCheck(control, managers), "remote"),
        );
        addService(server, NodeCA, this.#forwarding(NodeCA, nodeCA, "remote"));
        const logs = withCheck(this.#logs.logs(), managers);
        addService(server, Logs, this.#forwarding(Logs, logs, "remote"));
        addService(server, LogBroker, this.#forwarding(LogBroker, this.#logs.broker(), "remote"));
        addService(server, CA, caService({ store: this.store, clusterId: o.clusterId }));
        addHealthService(server, this.#health);
      },
    });
    this.#local = await startServer({
      address: `unix:${o.controlSocket}`,
      register: (server: grpc.Server) => {
        addService(server, Control, this.#forwarding(Control, control, "local"));
        addService(server, Logs, this.#forwarding(Logs, this.#logs.logs(), "local"));
        addService(
          server,
          CA,
          caService({ store: this.store, clusterId: o.clusterId, trustedCallers: true }),
        );
        addService(server, NodeLock, {
          unlock: () => {
            throw failedPrecondition(
              "This node is not locked: it is running and serving (nothing to unlock)",
            );
          },
        });
        addHealthService(server, this.#health);
      },
    });
  }
}
