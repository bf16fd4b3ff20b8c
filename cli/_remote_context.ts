/**
 * Test helper: a client {@linkcode Context} aimed at a remote manager (`--host 10.0.0.5:4242`,
 * TLS files `/tls/cert.pem`, `/tls/key.pem`, `/tls/ca.pem` read from `files`). Its dials are
 * recorded and answered by a {@linkcode FakeControlApi}; the control socket must not be dialed.
 *
 * @module
 */

import type { RemoteTarget } from "./client_io.ts";
import { Context } from "./context.ts";
import { FakeControlApi } from "./fake_control_api.ts";

/** Options of {@linkcode remoteContext}. */
export interface RemoteContextOptions {
  /** Answers the calls. @default a new one */
  readonly api?: FakeControlApi;
  /** The client's clock. @default the system clock */
  readonly now?: () => Date;
}

/** A context for `--host` with the given TLS files (path → content; a missing one is NotFound). */
export function remoteContext(files: Record<string, string>, options: RemoteContextOptions = {}) {
  const api = options.api ?? new FakeControlApi();
  const dialed: RemoteTarget[] = [];
  const ctx = new Context(
    {
      stdout: () => {},
      stderr: () => {},
      env: () => undefined,
      connect: () => {
        throw new Error("the socket must not be dialed");
      },
      connectRemote: (target) => {
        dialed.push(target);
        return api;
      },
      readFile: (path) =>
        files[path] === undefined
          ? Promise.reject(new Deno.errors.NotFound(`open '${path}'`))
          : Promise.resolve(new TextEncoder().encode(files[path])),
      ...(options.now ? { now: options.now } : {}),
    },
    {
      host: "10.0.0.5:4242",
      tlsCert: "/tls/cert.pem",
      tlsKey: "/tls/key.pem",
      tlsCa: "/tls/ca.pem",
    },
    "table",
  );
  return { ctx, dialed, api };
}
