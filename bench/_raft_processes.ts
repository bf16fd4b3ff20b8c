/**
 * Three Raft members as three OS processes on loopback, for the gRPC benchmarks.
 *
 * The parent generates a test PKI, writes each member's TLS material to a file in a temp dir and
 * spawns `Deno.execPath()` on the benchmark script itself with `--member <id>` (see
 * {@link runMember}). Each member opens KvRaftStorage in the temp dir, serves the Raft service
 * with mutual TLS on 127.0.0.1 (any port) and talks to the parent in JSON lines: commands on its
 * stdin, events on its stdout (stderr is left to diagnostics).
 *
 * Members stop by exiting their process (after stopping the node): no server ever sends a
 * GOAWAY to a live peer (see `proto/grpc_listen.ts`).
 *
 * Diagnostics: `BENCH_VERBOSE=1` prints the members' transport logs on stderr;
 * `BENCH_MEMBER_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` adds Deno flags to every member.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createTestPki } from "../pki/testing.ts";
import { type GrpcMember, type MemberTls, startGrpcMember } from "../raft/_grpc_testing.ts";
import { NotLeaderError } from "../raft/types.ts";

/** Commands from the parent. */
export type Command =
  | { readonly cmd: "peers"; readonly peers: Readonly<Record<string, string>> }
  | {
    readonly cmd: "load";
    readonly proposers: number;
    readonly entries: number;
    readonly size: number;
    readonly warmup: number;
  }
  | { readonly cmd: "commit" }
  | { readonly cmd: "exit" };

/** What the leader measured under load. */
export interface LoadResult {
  readonly entries: number;
  readonly proposers: number;
  readonly elapsedMs: number;
  readonly entriesPerSec: number;
  readonly p50: number;
  readonly p99: number;
  /** The leader process' CPU time (user + system) per committed entry, µs. */
  readonly cpuUsPerEntry: number;
  /** Transport counters at the leader during the measured part. */
  readonly calls: number;
  readonly messages: number;
}

/** Events to the parent. */
export type MemberEvent =
  | { readonly event: "listening"; readonly id: string; readonly addr: string }
  | {
    readonly event: "leader";
    readonly id: string;
    readonly leader: string;
    readonly term: number;
  }
  | { readonly event: "load"; readonly id: string; readonly result: LoadResult }
  | { readonly event: "committed"; readonly id: string; readonly index: number }
  | { readonly event: "error"; readonly id: string; readonly message: string };

const enc = new TextEncoder();

function emit(e: MemberEvent): void {
  Deno.stdout.writeSync(enc.encode(JSON.stringify(e) + "\n"));
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : ((s[mid - 1]! + s[mid]!) / 2);
}

// ---- the member process ----

/** Runs one member until the parent says `exit` (or closes its stdin). */
export async function runMember(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      member: { type: "string" },
      dir: { type: "string" },
      ids: { type: "string" },
      window: { type: "string" },
      encrypt: { type: "boolean" },
    },
    strict: false,
  });
  const id = String(values.member);
  const dir = String(values.dir);
  const ids = String(values.ids).split(",");
  const tls = JSON.parse(await Deno.readTextFile(`${dir}/tls/${id}.json`)) as MemberTls;
  const verbose = Deno.env.get("BENCH_VERBOSE") === "1";
  const m: GrpcMember = await startGrpcMember({
    id,
    kvPath: `${dir}/${id}/raft.kv`,
    clusterId: "bench",
    tls,
    listen: "127.0.0.1:0",
    bootstrap: ids,
    node: {
      // Default timers (tick 100 ms, election after 8–16 ticks), as a manager runs them.
      onLeaderChange: (leader, term) => emit({ event: "leader", id, leader, term }),
      onFatal: (e) => emit({ event: "error", id, message: e.message }),
    },
    ...(verbose ? { log: (s: string) => console.error(`${id}: ${s}`) } : {}),
    ...(values.window !== undefined
      ? { transport: { maxInflightCalls: Number(values.window) } }
      : {}),
    // A manager always seals its entries (autolock or not): measure that cost with --encrypt.
    ...(values.encrypt ? { encryption: { kek: null } } : {}),
  });
  emit({ event: "listening", id, addr: m.addr });
  for await (const line of lines(Deno.stdin.readable)) {
    const c = JSON.parse(line) as Command;
    switch (c.cmd) {
      case "peers":
        for (const [peer, addr] of Object.entries(c.peers)) {
          if (peer !== id) m.transport.setPeer(peer, addr);
        }
        await m.startNode();
        break;
      case "load":
        load(m, c).then(
          (result) => emit({ event: "load", id, result }),
          (e) => emit({ event: "error", id, message: String(e) }),
        );
        break;
      case "commit":
        void commitOne(m);
        break;
      case "exit":
        await m.stopNode();
        Deno.exit(0);
    }
  }
  // The parent went away: leave without ceremony (the process exit closes every socket).
  Deno.exit(0);
}

/** Proposes until one entry commits here (retrying while this member is not the leader). */
async function commitOne(m: GrpcMember): Promise<void> {
  const data = enc.encode(`commit from ${m.id}`);
  for (;;) {
    if (m.node.isLeader) {
      try {
        const { index } = await m.node.propose(data);
        emit({ event: "committed", id: m.id, index });
        return;
      } catch (e) {
        if (!(e instanceof NotLeaderError)) {
          // e.g. a timeout while the old leader's term ends: try again.
          console.error(`${m.id}: proposal failed: ${String(e)}`);
        }
      }
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function load(
  m: GrpcMember,
  c: Extract<Command, { cmd: "load" }>,
): Promise<LoadResult> {
  const data = new Uint8Array(c.size).fill(0x61);
  // Warm up (JIT, connections, KV files) before measuring.
  await Promise.all(Array.from({ length: c.warmup }, () => m.node.propose(data)));
  const before = m.transport.stats();
  const cpuBefore = process.cpuUsage();
  const latencies: number[] = [];
  let started = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: c.proposers }, async () => {
    while (started < c.entries) {
      started++;
      const s = performance.now();
      await m.node.propose(data);
      latencies.push(performance.now() - s);
    }
  }));
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpuBefore);
  const after = m.transport.stats();
  latencies.sort((a, b) => a - b);
  return {
    entries: c.entries,
    proposers: c.proposers,
    elapsedMs,
    entriesPerSec: c.entries / (elapsedMs / 1000),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpuUsPerEntry: (cpu.user + cpu.system) / c.entries,
    calls: after.calls - before.calls,
    messages: after.messages - before.messages,
  };
}

// ---- the parent ----

/** One member process as the parent sees it. */
class MemberProcess {
  readonly id: string;
  readonly child: Deno.ChildProcess;
  addr = "";
  leader = "";
  term = 0;
  exited = false;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #events: MemberEvent[] = [];
  readonly #waiters: { pred: (e: MemberEvent) => boolean; resolve: (e: MemberEvent) => void }[] =
    [];
  readonly done: Promise<void>;

  constructor(id: string, child: Deno.ChildProcess) {
    this.id = id;
    this.child = child;
    this.#writer = child.stdin.getWriter();
    this.done = (async () => {
      for await (const line of lines(child.stdout)) this.#onEvent(JSON.parse(line) as MemberEvent);
    })().catch(() => {}).finally(() => this.exited = true);
  }

  #onEvent(e: MemberEvent): void {
    if (e.event === "leader") {
      this.leader = e.leader;
      this.term = e.term;
      return;
    }
    if (e.event === "listening") this.addr = e.addr;
    if (e.event === "error") console.error(`member ${e.id}: ${e.message}`);
    const w = this.#waiters.findIndex((x) => x.pred(e));
    if (w >= 0) {
      const [waiter] = this.#waiters.splice(w, 1);
      waiter?.resolve(e);
    } else {
      this.#events.push(e);
    }
  }

  /** The next event matching `pred` (already received or still to come). */
  next<E extends MemberEvent>(pred: (e: MemberEvent) => e is E): Promise<E> {
    const i = this.#events.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.#events.splice(i, 1)[0] as E);
    return new Promise((resolve) => this.#waiters.push({ pred, resolve: (e) => resolve(e as E) }));
  }

  send(c: Command): void {
    this.#writer.write(enc.encode(JSON.stringify(c) + "\n")).catch(() => {});
  }
}

/** Rejects after `ms` unless `p` settles first. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Options of {@link ProcessCluster.start}. */
export interface ClusterOptions {
  /** The transport's calls in flight per peer. @default the transport's default */
  readonly window?: number;
  /** Seal entries at rest, as managers do. @default false */
  readonly encrypt?: boolean;
}

/** Three member processes of one cluster. */
export class ProcessCluster {
  readonly members: MemberProcess[];
  readonly dir: string;

  private constructor(members: MemberProcess[], dir: string) {
    this.members = members;
    this.dir = dir;
  }

  /** Spawns the members of `script` (which must call {@link runMember} on `--member`), tells
   * them about each other and waits until they agree on a leader. */
  static async start(
    script: string,
    ids: readonly string[],
    options: ClusterOptions = {},
  ): Promise<ProcessCluster> {
    const dir = await Deno.makeTempDir({ prefix: "raft_grpc_bench_" });
    await Deno.mkdir(`${dir}/tls`);
    const pki = await createTestPki({ clusterId: "bench" });
    for (const id of ids) {
      const { rootPem, certPem, keyPem } = await pki.issue({ role: "manager", nodeId: id });
      await Deno.writeTextFile(
        `${dir}/tls/${id}.json`,
        JSON.stringify({ rootPem, certPem, keyPem }),
        { mode: 0o600 },
      );
    }
    const members = ids.map((id) =>
      new MemberProcess(
        id,
        new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--no-prompt",
            "--unstable-kv",
            "-A",
            ...(Deno.env.get("BENCH_MEMBER_FLAGS")?.split(" ").filter((f) => f !== "") ?? []),
            script,
            "--member",
            id,
            "--dir",
            dir,
            "--ids",
            ids.join(","),
            ...(options.window !== undefined ? ["--window", String(options.window)] : []),
            ...(options.encrypt ? ["--encrypt"] : []),
          ],
          stdin: "piped",
          stdout: "piped",
          stderr: "inherit",
        }).spawn(),
      )
    );
    const c = new ProcessCluster(members, dir);
    try {
      await within(
        Promise.all(members.map((m) => m.next((e) => e.event === "listening"))),
        30_000,
        "members listening",
      );
      const peers = Object.fromEntries(members.map((m) => [m.id, m.addr]));
      for (const m of members) m.send({ cmd: "peers", peers });
      await c.agreedLeader(15_000);
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  get alive(): MemberProcess[] {
    return this.members.filter((m) => !m.exited);
  }

  /** The member all live members name as leader. */
  async agreedLeader(timeoutMs: number): Promise<MemberProcess> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const alive = this.alive;
      const leader = alive.find((m) => m.leader === m.id);
      if (leader !== undefined && alive.every((m) => m.leader === leader.id)) return leader;
      if (performance.now() > until) throw new Error(`No agreed leader within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Asks every live member to exit, kills those that do not, removes the temp dir. */
  async close(): Promise<void> {
    for (const m of this.alive) m.send({ cmd: "exit" });
    await Promise.all(this.members.map(async (m) => {
      const exited = await within(m.child.status, 10_000, `member ${m.id} exit`).catch(() => {
        try {
          m.child.kill("SIGKILL");
        } catch {
          // already gone
        }
        return undefined;
      });
      if (exited === undefined) await m.child.status;
      await m.done;
    }));
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
