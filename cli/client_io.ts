/**
 * What the client commands need from the outside world, injected so that tests run without a
 * terminal, a socket or a clock.
 *
 * @module
 */

import type { ControlApi } from "./control_api.ts";

/** The client's window on the outside world. */
export interface ClientIO {
  /** Writes text to standard output as given; the commands include the newlines. */
  stdout(s: string): void;
  /** Writes text to standard error as given. */
  stderr(s: string): void;
  /** Reads an environment variable (SWARM_SOCKET). */
  env(name: string): string | undefined;
  /** Opens the control API on a unix socket path. Called at most once, and only when needed. */
  connect(socketPath: string): ControlApi;
  /** Reads all of standard input (secret and config data). */
  stdinText?(): Promise<string>;
  /** Reads a file (secret and config data); defaults to `Deno.readFile`. */
  readFile?(path: string): Promise<Uint8Array>;
  /** The current time, for "5 seconds ago"; defaults to the system clock. */
  now?(): Date;
}
