/**
 * Helpers for the tests that run swarm as real OS processes: the CLI as a user types it, a node
 * in the foreground, and polling until something holds.
 *
 * @module
 */
import assert from "node:assert/strict";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
/** `deno` arguments that run swarm's entry point. */
const FLAGS = ["run", "--no-prompt", "--unstable-kv", "--unstable-worker-options", "-A", MAIN];

/** How a swarm process ended, with its output. */
export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

const dec = new TextDecoder();

/** Runs `swarm ARGS` to the end; `stdin`, when given, is written to its standard input. */
export async function run(args: readonly string[], stdin?: string): Promise<Result> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...FLAGS, ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs the client command `swarm -s SOCKET ARGS`. */
export function swarm(socket: string, args: readonly string[], stdin?: string): Promise<Result> {
  return run(["-s", socket, ...args], stdin);
}

/** Runs `swarm -s SOCKET ARGS`, asserts that it succeeded, and gives its standard output. */
export async function ok(socket: string, ...args: string[]): Promise<string> {
  const r = await swarm(socket, args);
  assert.equal(r.code, 0, `swarm ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * Calls `fn` every quarter of a second until it gives a truthy value (which it resolves to) or
 * `timeoutMs` have passed (then it rejects, with the last value or error `fn` gave).
 */
export async function until<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 60_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `Timed out waiting for ${what} (last: ${
      last instanceof Error ? last.message : JSON.stringify(last)
    })`,
  );
}

/** A port for a test node's remote API, picked at random in 20000–39999. */
export function randomPort(): number {
  return 20000 + Math.floor(Math.random() * 20000);
}

/** A task as `swarm service ps --format json` shows it (the fields these tests read). */
export interface TaskJson {
  nodeId?: string;
  desiredState?: string;
  status?: { state?: string };
  spec?: { process?: { env?: string[] } };
}

/** The tasks of `service` that run and are meant to. */
export async function runningTasks(socket: string, service: string): Promise<TaskJson[]> {
  const tasks = JSON.parse(
    await ok(socket, "service", "ps", service, "--format", "json"),
  ) as TaskJson[];
  return tasks.filter((t) =>
    t.status?.state === "TASK_STATE_RUNNING" && t.desiredState === "TASK_STATE_RUNNING"
  );
}

/** Options of {@link NodeProcess}. */
export interface NodeProcessOptions {
  /** Names the node in what {@link NodeProcess.ready} reports. @default "the node" */
  readonly name?: string;
  /** How long {@link NodeProcess.ready} waits. @default 60_000 */
  readonly readyTimeoutMs?: number;
  /** When given, {@link NodeProcess.ready} fails at once if the output matches it. */
  readonly failOn?: RegExp;
  /** Environment variables set for the node, beside the test's own. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A swarm node running in the foreground (`swarm init`, `up` or `join`), output collected. */
export class NodeProcess {
  readonly name: string;
  readonly child: Deno.ChildProcess;
  /** Standard output and standard error so far, interleaved as they came. */
  output = "";
  readonly exited: Promise<Deno.CommandStatus>;
  readonly #readyTimeoutMs: number;
  readonly #failOn: RegExp | undefined;

  /** Starts `swarm ARGS`. */
  constructor(args: readonly string[], options: NodeProcessOptions = {}) {
    this.name = options.name ?? "the node";
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
    this.#failOn = options.failOn;
    this.child = new Deno.Command(Deno.execPath(), {
      args: [...FLAGS, ...args],
      ...(options.env ? { env: { ...options.env } } : {}),
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const collect = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s.pipeThrough(new TextDecoderStream())) this.output += chunk;
    };
    collect(this.child.stdout);
    collect(this.child.stderr);
    this.exited = this.child.status;
  }

  /** Resolves once the node runs (its banner says "Press Ctrl-C"). */
  ready(): Promise<boolean> {
    return until(`${this.name} to start`, () => {
      if (this.output.includes("Press Ctrl-C")) return true;
      if (this.#failOn?.test(this.output)) throw new Error(`${this.name} failed:\n${this.output}`);
      return false;
    }, this.#readyTimeoutMs);
  }

  /** Sends `signal` (unless the node has already exited) and resolves when it has exited. */
  kill(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    try {
      this.child.kill(signal);
    } catch { /* already gone */ }
    return this.exited;
  }
}

/** The `sleep` processes whose command line contains `marker`: the tasks of a test's services. */
export function sleepProcesses(marker: string): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      if (cmd[0]?.endsWith("sleep") && cmd.includes(marker)) pids.push(Number(e.name));
    } catch { /* exited meanwhile */ }
  }
  return pids;
}

/** Kills the processes {@link sleepProcesses} finds (those that have not exited meanwhile). */
export function killSleepProcesses(marker: string): void {
  for (const pid of sleepProcesses(marker)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* exited meanwhile */ }
  }
}

/** The arguments of a single-node `swarm init|up` on `stateDir`, remote API on 127.0.0.1:`port`,
 * with a 1 s heartbeat so that tests see node failures quickly. */
export function singleNodeArgs(command: "init" | "up", stateDir: string, port: number): string[] {
  return [
    command,
    "-d",
    stateDir,
    "--listen-remote-api",
    `127.0.0.1:${port}`,
    "--heartbeat-period",
    "1000",
  ];
}
