/**
 * What the client commands need from the outside world, injected so that tests run without a
 * terminal, a socket or a clock.
 *
 * @module
 */

import type { ControlApi } from "./control_api.ts";
import type { TlsMaterial } from "./tls_material.ts";

/** A manager's remote API and the TLS material to dial it with (`--host` and `--tls-*`). */
export interface RemoteTarget extends TlsMaterial {
  /** `HOST:PORT` of the manager's remote API. */
  readonly host: string;
}

/** The client's window on the outside world. */
export interface ClientIO {
  /** Writes text to standard output as given; the commands include the newlines. */
  stdout(s: string): void;
  /** Writes text to standard error as given. */
  stderr(s: string): void;
  /** Reads an environment variable (SWARM_SOCKET, SWARM_HOST, SWARM_CERT_PATH). */
  env(name: string): string | undefined;
  /**
   * Opens the control API on a unix socket path. Called at most once (it or
   * {@linkcode connectRemote}), and only when needed.
   */
  connect(socketPath: string): ControlApi;
  /**
   * Opens the control API on a manager's remote API over mutual TLS. Without it, `--host` fails
   * with an error saying this client cannot dial remote managers.
   */
  connectRemote?(target: RemoteTarget): ControlApi;
  /** Reads all of standard input (secret and config data). */
  stdinText?(): Promise<string>;
  /** Reads one line of standard input (the unlock key), showing `prompt` first when standard
   * input is a terminal. */
  stdinLine?(prompt: string): Promise<string>;
  /** Reads a file (secret and config data, TLS files); defaults to `Deno.readFile`. */
  readFile?(path: string): Promise<Uint8Array>;
  /** The current time, for "5 seconds ago"; defaults to the system clock. */
  now?(): Date;
  /** Resolves when the user asks the client to stop (SIGINT/SIGTERM), for commands that run
   * until then (`service logs -f`). @default never */
  readonly shutdown?: Promise<void>;
}

/** The first line of a stream (without its line break); the rest is left unread. */
export async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text + decoder.decode();
      text += decoder.decode(value, { stream: true });
      const end = text.indexOf("\n");
      if (end >= 0) return text.slice(0, end).replace(/\r$/, "");
    }
  } finally {
    reader.releaseLock();
  }
}
