/**
 * `swarm node ls`: nodes with their status, availability and manager status.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { ListNodesRequestSchema } from "../../../proto/gen/swarm/v1/control_pb.ts";
import { NodeSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { printIds, printMessages, printTable } from "../../output.ts";
import { hostnameText, NODE_HEADER, nodeRow } from "./view.ts";

/** `swarm node ls`. */
export const nodeLs: Command = {
  name: "ls",
  aliases: ["list"],
  summary: "List nodes",
  usage: "swarm node ls [OPTIONS]",
  options: `  -q, --quiet             Only print IDs
      --format FORMAT     table or json (default table)
`,
  flags: { quiet: { type: "boolean", short: "q" } },
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    expectPositionals(args, 0, 0, "");
    const { nodes } = await ctx.api().listNodes(create(ListNodesRequestSchema));
    nodes.sort((a, b) =>
      hostnameText(a).localeCompare(hostnameText(b)) || a.id.localeCompare(b.id)
    );
    if (args.flags.bool("quiet")) printIds(ctx, nodes.map((n) => n.id));
    else if (ctx.format === "json") printMessages(ctx, NodeSchema, nodes);
    else printTable(ctx, NODE_HEADER, nodes.map(nodeRow));
    return 0;
  },
};
