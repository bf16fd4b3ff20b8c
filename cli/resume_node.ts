/**
 * How `swarm init` and `swarm join` resume a node from its state directory: `node.json` takes the
 * listen and advertise addresses given now, then the node's TLS material is opened (waiting for
 * `swarm unlock` when its key is encrypted at rest).
 *
 * @module
 */
import { type NodeState, writeNodeState } from "./node_state.ts";
import { type OpenedNodeFiles, openNodeFiles } from "./open_node_files.ts";

/** Where the resumed node runs, as given on its command line now. */
export interface ResumeFlags {
  readonly stateDir: string;
  readonly listenAddr: string;
  readonly advertiseAddr: string;
  /** The control socket a locked node serves `swarm unlock` on. */
  readonly controlSocket: string;
}

/** Options of {@link resumeNode}. */
export interface ResumeNodeOptions {
  /** `node.json` as read from the state directory. */
  readonly state: NodeState;
  readonly flags: ResumeFlags;
  /** Resolves when the node must stop (while it waits to be unlocked). */
  readonly shutdown: Promise<void>;
  readonly log: (message: string) => void;
}

/** What {@link resumeNode} found: the node's state as it now is, and its TLS material. */
export interface ResumedNode extends OpenedNodeFiles {
  readonly state: NodeState;
}

/**
 * Records changed listen or advertise addresses in `node.json`, then opens the node's files
 * (see {@link openNodeFiles}). Resolves undefined when the node was stopped while locked.
 *
 * @throws {NodeCertificateExpiredError} when the node's certificate has expired.
 * @throws {StateDirError} when the files are missing.
 */
export async function resumeNode(o: ResumeNodeOptions): Promise<ResumedNode | undefined> {
  const { flags } = o;
  let state = o.state;
  if (state.listenAddr !== flags.listenAddr || state.advertiseAddr !== flags.advertiseAddr) {
    state = { ...state, listenAddr: flags.listenAddr, advertiseAddr: flags.advertiseAddr };
    await writeNodeState(flags.stateDir, state);
  }
  const opened = await openNodeFiles({
    stateDir: flags.stateDir,
    createdBy: state.createdBy,
    controlSocket: flags.controlSocket,
    shutdown: o.shutdown,
    log: o.log,
  });
  return opened === undefined ? undefined : { state, ...opened };
}
