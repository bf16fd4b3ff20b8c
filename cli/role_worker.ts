/**
 * Runs a module in a Worker with the given permissions and waits for its result: the one way
 * `main.ts` runs a role, and the way tests check what a role may do.
 *
 * The module receives one message (the input) and answers with `{ result }` or `{ error }`.
 * The main thread forwards SIGINT/SIGTERM to it as `{ signal }` messages.
 *
 * @module
 */
import type { WorkerPermissions } from "./roles.ts";

export interface RoleWorker<R> {
  readonly result: Promise<R>;
  post(message: unknown): void;
}

export function startWorker<R>(
  module: URL,
  permissions: WorkerPermissions,
  input: unknown,
): RoleWorker<R> {
  const worker = new Worker(module, {
    type: "module",
    // `deno.permissions` needs --unstable-worker-options; every key is given so none inherits.
    deno: { permissions },
  } as WorkerOptions);
  const result = new Promise<R>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<{ result?: R; error?: string }>) => {
      worker.terminate();
      if (e.data.error !== undefined) reject(new Error(e.data.error));
      else resolve(e.data.result as R);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      worker.terminate();
      reject(new Error(e.message));
    };
  });
  worker.postMessage(input);
  return { result, post: (m) => worker.postMessage(m) };
}

export function runInWorker<R>(
  module: URL,
  permissions: WorkerPermissions,
  input: unknown,
): Promise<R> {
  return startWorker<R>(module, permissions, input).result;
}
