/**
 * What a node records in its state directory about itself (`node.json`), and the lock that keeps
 * two node processes off one state directory.
 *
 * `node.json` is written last during `swarm init`, so its presence means the directory holds a
 * complete node: running the same command again resumes it.
 *
 * @module
 */
export const NODE_STATE_FILE = "node.json";
export const LOCK_FILE = "swarm.lock";
const FORMAT = 1;

export interface NodeState {
  readonly format: number;
  /** How the node came to be: it created the cluster, or joined one. */
  readonly createdBy: "init" | "join";
  readonly nodeId: string;
  readonly clusterId: string;
  readonly role: "manager" | "worker";
  readonly hostname: string;
  readonly listenAddr: string;
  readonly advertiseAddr: string;
  /** Managers' addresses, as last learned (a worker dials these; a joining manager joins
   * through them). */
  readonly managers?: readonly string[];
}

export class StateDirError extends Error {
  override readonly name = "StateDirError";
}

export async function readNodeState(stateDir: string): Promise<NodeState | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${stateDir}/${NODE_STATE_FILE}`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  let state: NodeState;
  try {
    state = JSON.parse(text);
  } catch {
    throw new StateDirError(
      `${stateDir}/${NODE_STATE_FILE} is not valid JSON: the state directory is damaged`,
    );
  }
  if (state.format !== FORMAT || !state.nodeId || !state.clusterId) {
    throw new StateDirError(
      `${stateDir}/${NODE_STATE_FILE} has an unknown format: it was written by another version of swarm, or is damaged`,
    );
  }
  return state;
}

export async function writeNodeState(
  stateDir: string,
  state: Omit<NodeState, "format">,
): Promise<void> {
  const path = `${stateDir}/${NODE_STATE_FILE}`;
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify({ format: FORMAT, ...state }, null, 2) + "\n", {
    mode: 0o600,
  });
  await Deno.rename(tmp, path);
}

/**
 * Takes the state directory's lock for this process. Refuses when another live process holds it;
 * a lock left by a process that died (kill -9) is taken over.
 */
export async function lockStateDir(stateDir: string): Promise<() => Promise<void>> {
  const path = `${stateDir}/${LOCK_FILE}`;
  try {
    const pid = Number((await Deno.readTextFile(path)).trim());
    if (pid > 0 && pid !== Deno.pid && await processAlive(pid)) {
      throw new StateDirError(
        `State directory ${stateDir} is in use by a running swarm node (pid ${pid}): stop it first, or use another --state-dir`,
      );
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  await Deno.writeTextFile(path, `${Deno.pid}\n`, { mode: 0o600 });
  return async () => {
    await Deno.remove(path).catch(() => {});
  };
}

async function processAlive(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/cmdline`);
    return stat.length > 0;
  } catch {
    return false;
  }
}
