/**
 * `swarm join-token worker|manager`: prints the command that joins a node to the swarm, or just
 * the token (`-q`), and rotates the token first with `--rotate`.
 *
 * The address in the printed command is the leader's advertised address (any manager's when the
 * leader is not known), as the node objects report it.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import {
  ListNodesRequestSchema,
  UpdateClusterRequestSchema,
} from "../../proto/gen/swarm/v1/control_pb.ts";
import type { Cluster, Node } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeRole } from "../../proto/gen/swarm/v1/types_pb.ts";
import type { ParsedArgs } from "../args.ts";
import { expectPositionals } from "../args.ts";
import type { Command } from "../command.ts";
import type { Context } from "../context.ts";
import type { ControlApi } from "../control_api.ts";
import { resolveCluster } from "../resolve.ts";
import { UsageError } from "../usage_error.ts";

const ROLES = { worker: "worker", manager: "manager" } as const;
type JoinRole = keyof typeof ROLES;

/** Stands in for the address when no manager has reported one. */
export const UNKNOWN_ADDR = "MANAGER-ADDR";

/** `swarm join-token`. */
export const joinTokenCommand: Command = {
  name: "join-token",
  summary: "Print or rotate the token that joins workers or managers",
  usage: "swarm join-token [OPTIONS] worker|manager",
  options: `  -q, --quiet             Only print the token
      --rotate            Replace the token with a new one first (the old one stops working
                          for new joins; nodes already in the swarm are not affected)
      --format FORMAT     table or json (default table)
`,
  flags: {
    quiet: { type: "boolean", short: "q" },
    rotate: { type: "boolean" },
  },
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const [roleText] = expectPositionals(args, 1, 1, "worker or manager");
    if (!Object.hasOwn(ROLES, roleText!)) {
      throw new UsageError(
        `invalid role ${JSON.stringify(roleText)}: use worker or manager`,
        args.flags.command,
      );
    }
    const role = roleText as JoinRole;
    const quiet = args.flags.bool("quiet");
    const api = ctx.api();
    let cluster = await resolveCluster(api);
    if (args.flags.bool("rotate")) {
      const { cluster: rotated } = await api.updateCluster(
        create(UpdateClusterRequestSchema, {
          clusterId: cluster.id,
          ...(cluster.meta?.version ? { clusterVersion: cluster.meta.version } : {}),
          ...(cluster.spec ? { spec: cluster.spec } : {}),
          rotation: { workerJoinToken: role === "worker", managerJoinToken: role === "manager" },
        }),
      );
      cluster = rotated ?? await resolveCluster(api);
      if (!quiet && ctx.format !== "json") {
        ctx.out(`Successfully rotated ${role} join token.\n\n`);
      }
    }
    const token = tokenOf(cluster, role);
    if (quiet) {
      ctx.out(`${token}\n`);
      return 0;
    }
    const addr = await managerAddr(api);
    if (ctx.format === "json") {
      ctx.json({ role, token, managerAddr: addr ?? null });
      return 0;
    }
    ctx.out(
      `To add a ${role} to this swarm, run the following command:\n\n` +
        `    swarm join --token ${token} ${addr ?? UNKNOWN_ADDR}\n`,
    );
    if (addr === undefined) {
      ctx.err(
        `Note: no manager has reported its address yet: replace ${UNKNOWN_ADDR} with a ` +
          "manager's --advertise-addr\n",
      );
    }
    return 0;
  },
};

function tokenOf(cluster: Cluster, role: JoinRole): string {
  const token = cluster.rootCa?.joinTokens?.[role] ?? "";
  if (token === "") {
    throw new Error(
      `the cluster has no ${role} join token: rotate one in with 'swarm join-token --rotate ${role}'`,
    );
  }
  return token;
}

/** The leader's advertised address, else any manager's; undefined when none is known. */
async function managerAddr(api: ControlApi): Promise<string | undefined> {
  const { nodes } = await api.listNodes(create(ListNodesRequestSchema));
  const managers = nodes.filter((n: Node) =>
    n.role === NodeRole.MANAGER && (n.managerStatus?.addr ?? "") !== ""
  );
  const leader = managers.find((n) => n.managerStatus?.leader);
  return (leader ?? managers[0])?.managerStatus?.addr;
}
