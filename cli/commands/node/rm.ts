/**
 * `swarm node rm`: removes nodes from the swarm. The manager refuses a manager (demote it
 * first) and a node that is not down (unless `--force`); a removed node's certificate is refused
 * from then on, so it can't come back without joining again. Each refusal is printed with the
 * node it concerns, and the other nodes are still removed.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { RemoveNodeRequestSchema } from "../../../proto/gen/swarm/v1/control_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { isConnectionFailure } from "../../context.ts";
import { rpcMessage } from "../../control_api.ts";
import { resolveNode } from "../../resolve.ts";

/** `swarm node rm`. */
export const nodeRm: Command = {
  name: "rm",
  aliases: ["remove"],
  summary: "Remove nodes from the swarm",
  usage: "swarm node rm [OPTIONS] NODE [NODE...]",
  options: `  -f, --force             Remove a node even if it is not down (a manager must still be
                          demoted first)
`,
  flags: { force: { type: "boolean", short: "f" } },
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const refs = expectPositionals(args, 1, Infinity, "NODE (an ID or hostname)");
    const api = ctx.api();
    let failed = false;
    for (const ref of refs) {
      try {
        const node = await resolveNode(api, ref);
        await api.removeNode(
          create(RemoveNodeRequestSchema, { nodeId: node.id, force: args.flags.bool("force") }),
        );
        ctx.out(`${ref}\n`);
      } catch (err) {
        if (isConnectionFailure(err)) throw err;
        ctx.err(`Error: ${ref}: ${rpcMessage(err)}\n`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};
