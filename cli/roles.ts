/**
 * Permissions by role. `main.ts` decides from the command line which role a command plays and
 * runs it in a Worker that holds only that role's Deno permissions:
 *
 * - `client` (service, node, task, cluster, secret, config, join-token, version): dial the
 *   control socket (read+write on that one path, which is how a unix socket is reached), the
 *   network (remote administration with `--host`), and the environment; read exactly the files
 *   the command line names for reading (`--tls-cert/--tls-key/--tls-ca` or SWARM_CERT_PATH's
 *   three files with `--host`, `secret|config create -f FILE`). No process spawning, no other
 *   file reads or writes, no FFI, no system info.
 * - `node` (init, up, join, leave): every permission. A node spawns task processes, serves and
 *   dials the network, writes its state, and reads `/proc/<pid>/stat` of its tasks (to record and later reap their
 *   processes safely), and Deno grants `/proc` reads only to a fully privileged program
 *   ("Requires all access"). Scoping the node down further waits on Deno allowing that read.
 *
 * Role selection and the permission sets are pure, so they are tested without spawning.
 *
 * @module
 */

export type Role = "client" | "node";

export interface RolePaths {
  /** The node's state directory (node role). */
  readonly stateDir?: string;
  /** The control socket (both roles; none for a client dialing a remote manager). */
  readonly socket?: string;
  /** Files a client command reads (`secret create -f FILE`, the `--tls-*` files). */
  readonly clientReads?: readonly string[];
}

/** The shape of Deno's Worker `deno.permissions` option. */
export interface WorkerPermissions {
  readonly env: boolean;
  readonly ffi: boolean;
  readonly import: boolean;
  readonly net: boolean;
  readonly read: boolean | string[];
  readonly run: boolean;
  readonly sys: boolean;
  readonly write: boolean | string[];
}

const NODE_COMMANDS = new Set(["init", "up", "join", "leave"]);

export function roleOf(argv: readonly string[]): Role {
  const command = argv.find((a) => !a.startsWith("-"));
  return command !== undefined && NODE_COMMANDS.has(command) ? "node" : "client";
}

export function rolePermissions(role: Role, paths: RolePaths): WorkerPermissions {
  const socket = paths.socket ? [paths.socket] : [];
  if (role === "client") {
    return {
      env: true,
      ffi: false,
      import: false,
      net: true,
      read: [...socket, ...(paths.clientReads ?? [])],
      run: false,
      sys: false,
      write: socket,
    };
  }
  return {
    env: true,
    ffi: true,
    import: true,
    net: true,
    read: true,
    run: true,
    sys: true,
    write: true,
  };
}
