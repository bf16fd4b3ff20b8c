/**
 * `swarm leave [--force]`: take this host out of its cluster for good — its identity, Raft data
 * and task records are deleted, so the next `swarm init`/`swarm join` starts afresh.
 *
 * The node must be stopped first (its foreground process holds the state directory). A manager
 * is refused unless `--force`: demoting it first keeps the managers' quorum arithmetic right. With
 * `--force` it asks the other managers to take it out of Raft before it goes (when they can).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { RaftMembership } from "../proto/gen/swarm/v1/raft_pb.ts";
import { FailoverChannel } from "../proto/failover_channel.ts";
import { clientChannelOptions, clientCredentials, readNodeFiles } from "../pki/mod.ts";
import { DEFAULT_STATE_DIR } from "./role_paths.ts";
import { lockStateDir, NODE_STATE_FILE, readNodeState, StateDirError } from "./node_state.ts";
import type { NodeIO } from "./node_command.ts";
import { absolute, UsageError } from "./node_flags.ts";

const USAGE = `Usage: swarm leave [options]
Leave the cluster: delete this node's identity and state. Stop the node first.

Options:
  -d, --state-dir DIR   The node's state directory (default: $SWARM_STATE_DIR or ${DEFAULT_STATE_DIR})
  -f, --force           Leave even though this node is a manager (demote it first instead)
  -h, --help            Show this help`;

/** What `swarm leave` deletes: everything a node writes into its state directory. */
const NODE_FILES = [NODE_STATE_FILE, "certificates", "raft", "tasks"];

export async function runLeave(args: string[], io: NodeIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        "state-dir": { type: "string", short: "d" },
        force: { type: "boolean", short: "f" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    io.stderr(`Error: ${e instanceof Error ? e.message : e}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE + "\n");
    return 0;
  }
  const stateDir = absolute(values["state-dir"] ?? io.env("SWARM_STATE_DIR") ?? DEFAULT_STATE_DIR);
  try {
    const state = await readNodeState(stateDir);
    if (!state) {
      throw new UsageError(`${stateDir} holds no swarm node: there is nothing to leave`);
    }
    const unlock = await lockStateDir(stateDir);
    try {
      if (state.role === "manager") {
        if (!values.force) {
          throw new UsageError(
            `This node (${state.nodeId}) is a manager: demote it first with 'swarm node demote ${state.nodeId}' on a manager, then leave; or leave with --force (the remaining managers must still make a quorum)`,
          );
        }
        await leaveRaft(stateDir, state.managers ?? [], io);
      }
      for (const name of NODE_FILES) {
        await Deno.remove(`${stateDir}/${name}`, { recursive: true }).catch((e) => {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        });
      }
    } finally {
      await unlock();
    }
    io.stdout(
      `Node ${state.nodeId} left the swarm.\n` +
        `The managers list it as Down until it is removed: 'swarm node rm ${state.nodeId}'.\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof StateDirError) {
      io.stderr(`Error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** Asks the other managers to take this one out of Raft; warns (and goes on) when they cannot. */
async function leaveRaft(stateDir: string, managers: readonly string[], io: NodeIO) {
  const files = await readNodeFiles(stateDir);
  if (!files || managers.length === 0) {
    io.stderr("Warning: no other manager is known: the cluster's Raft membership is unchanged\n");
    return;
  }
  const channel = new FailoverChannel(managers, {
    credentials: clientCredentials(files),
    channelOptions: clientChannelOptions(),
  });
  try {
    await channel.client(RaftMembership).leave({}, { timeoutMs: 10_000 });
  } catch (e) {
    io.stderr(
      `Warning: the other managers could not take this one out of Raft (${
        e instanceof Error ? e.message : e
      }); remove it there once they have a quorum\n`,
    );
  } finally {
    channel.close();
  }
}
