/**
 * `swarm node rm`: removes nodes from the swarm.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { RemoveNodeRequestSchema } from "../../../proto/gen/swarm/v1/control_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { UnreachableError } from "../../context.ts";
import { rpcMessage } from "../../control_api.ts";
import { resolveNode } from "../../resolve.ts";

/** `swarm node rm`. */
export const nodeRm: Command = {
  name: "rm",
  aliases: ["remove"],
  summary: "Remove nodes from the swarm",
  usage: "swarm node rm [OPTIONS] NODE [NODE...]",
  options: "  -f, --force             Remove a node even if it is still up\n",
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
        if (err instanceof UnreachableError) throw err;
        ctx.err(`Error: ${ref}: ${rpcMessage(err)}\n`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};
