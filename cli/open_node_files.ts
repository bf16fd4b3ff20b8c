/**
 * How a node that resumes gets its TLS material: the certificate must still be valid (an expired
 * one can't be renewed: the node is told to join anew), and a private key encrypted at rest
 * (autolock) is opened with the unlock key that `swarm unlock` gives the locked node.
 *
 * @module
 */
import {
  LockedError,
  nodeFilePaths,
  type NodeFiles,
  readNodeCertificate,
  readNodeFiles,
  WrongUnlockKeyError,
} from "../pki/mod.ts";
import { ago } from "./human_time.ts";
import { StateDirError } from "./node_state.ts";
import { waitForUnlock } from "./locked_node.ts";

/** The node's own certificate has expired: the cluster no longer accepts it. */
export class NodeCertificateExpiredError extends Error {
  override readonly name = "NodeCertificateExpiredError";
  /** When the certificate stopped being valid. */
  readonly notAfter: Date;

  constructor(notAfter: Date, now: Date, createdBy: "init" | "join") {
    const rejoin = "join it again with a fresh state directory and a current token (print one " +
      "with `swarm join-token worker` or `swarm join-token manager` on a manager, then run " +
      "`swarm join --token TOKEN -d NEW_STATE_DIR MANAGER_HOST:PORT`)";
    super(
      `This node's certificate expired at ${notAfter.toISOString()} (${ago(notAfter, now)}): ` +
        "the cluster no longer accepts it, and it cannot be renewed. " +
        (createdBy === "join"
          ? `To bring this host back, ${rejoin}`
          : `If another manager of the cluster runs, ${rejoin}; if this was the only manager, ` +
            "the cluster cannot be recovered: start a new one with `swarm init -d NEW_STATE_DIR`"),
    );
    this.notAfter = notAfter;
  }
}

/** Options of {@link openNodeFiles}. */
export interface OpenNodeFilesOptions {
  readonly stateDir: string;
  /** How the node came to be (decides the advice for an expired certificate). */
  readonly createdBy: "init" | "join";
  /** The control socket a locked node serves `swarm unlock` on. */
  readonly controlSocket: string;
  /** Resolves when the node must stop (while it waits to be unlocked). */
  readonly shutdown: Promise<void>;
  readonly log: (message: string) => void;
  /** @default the system clock */
  readonly now?: () => Date;
}

/** What {@link openNodeFiles} found. */
export interface OpenedNodeFiles {
  readonly files: NodeFiles;
  /** The unlock key the key file is encrypted with; undefined when it is not encrypted. */
  readonly unlockKey?: Uint8Array;
}

/**
 * Reads the node's certificate, key and root CA; waits for `swarm unlock` when the key is
 * encrypted. Resolves undefined when the node was stopped while locked.
 *
 * @throws {NodeCertificateExpiredError} when the node's certificate has expired.
 * @throws {StateDirError} when the files are missing.
 */
export async function openNodeFiles(o: OpenNodeFilesOptions): Promise<OpenedNodeFiles | undefined> {
  const now = (o.now ?? (() => new Date()))();
  let certPem: string;
  try {
    certPem = await Deno.readTextFile(nodeFilePaths(o.stateDir).cert);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    throw missing(o.stateDir);
  }
  const { notAfter } = readNodeCertificate(certPem);
  if (notAfter.getTime() <= now.getTime()) {
    throw new NodeCertificateExpiredError(notAfter, now, o.createdBy);
  }
  try {
    const files = await readNodeFiles(o.stateDir);
    if (files === null) throw missing(o.stateDir);
    return { files: { certPem: files.certPem, keyPem: files.keyPem, rootPem: files.rootPem } };
  } catch (e) {
    if (!(e instanceof LockedError)) throw e;
  }
  const unlocked = await waitForUnlock({
    socket: o.controlSocket,
    shutdown: o.shutdown,
    log: o.log,
    open: async (kek) => {
      try {
        const files = await readNodeFiles(o.stateDir, { kek });
        if (files === null) throw missing(o.stateDir);
        return { certPem: files.certPem, keyPem: files.keyPem, rootPem: files.rootPem };
      } catch (e) {
        if (e instanceof WrongUnlockKeyError) return undefined;
        throw e;
      }
    },
  });
  if (unlocked === undefined) return undefined;
  o.log("this manager was unlocked: it goes on starting");
  return { files: unlocked.opened, unlockKey: unlocked.key };
}

function missing(stateDir: string): StateDirError {
  return new StateDirError(
    `The certificates under ${stateDir}/certificates are missing: the state directory is damaged`,
  );
}
