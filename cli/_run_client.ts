/**
 * Test helper: runs the client against a {@linkcode FakeControlApi} and captures its output.
 *
 * @module
 */

import { runClient } from "./client_main.ts";
import { FakeControlApi } from "./fake_control_api.ts";

/** The outcome of one run. */
export interface RunResult {
  code: number;
  out: string;
  err: string;
  api: FakeControlApi;
  /** The socket paths connect() was called with. */
  connects: string[];
}

/** Options of {@linkcode run}. */
export interface RunOptions {
  api?: FakeControlApi;
  env?: Record<string, string>;
  stdin?: string;
  files?: Record<string, string>;
  now?: Date;
}

/** The fixed "now" of the tests. */
export const NOW = new Date("2024-05-01T12:00:00Z");

/** Runs `swarm <argv>` against a fake control API. */
export async function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const api = options.api ?? new FakeControlApi({ now: () => options.now ?? NOW });
  let out = "";
  let err = "";
  const connects: string[] = [];
  const code = await runClient(argv, {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    env: (name) => options.env?.[name],
    connect: (path) => {
      connects.push(path);
      return api;
    },
    ...(options.stdin === undefined ? {} : { stdinText: () => Promise.resolve(options.stdin!) }),
    readFile: (path) => {
      const text = options.files?.[path];
      if (text === undefined) {
        return Promise.reject(new Deno.errors.NotFound(`No such file or directory: ${path}`));
      }
      return Promise.resolve(new TextEncoder().encode(text));
    },
    now: () => options.now ?? NOW,
  });
  return { code, out, err, api, connects };
}

/** Asserts a usage error: exit 2, the message on stderr, and nothing changed on the manager. */
export function assertUsageError(r: RunResult, message: string | RegExp): void {
  if (r.code !== 2) throw new Error(`want exit 2, got ${r.code}; stderr: ${r.err}`);
  const first = r.err.split("\n")[0] ?? "";
  const ok = typeof message === "string" ? first === `Error: ${message}` : message.test(first);
  if (!ok) throw new Error(`unexpected stderr: ${r.err}`);
  if (r.out !== "") throw new Error(`unexpected stdout: ${r.out}`);
  const mutating = r.api.mutatingCalls();
  if (mutating.length > 0) {
    throw new Error(`mutating calls were sent: ${mutating.map((c) => c.method).join(", ")}`);
  }
}
