/**
 * `swarm node inspect`: one node as JSON.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { GetNodeRequestSchema } from "../../../proto/gen/swarm/v1/control_pb.ts";
import { NodeSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { printMessage } from "../../output.ts";
import { resolveNode } from "../../resolve.ts";

/** `swarm node inspect`. */
export const nodeInspect: Command = {
  name: "inspect",
  summary: "Show a node as JSON",
  usage: "swarm node inspect NODE",
  options: "",
  flags: {},
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const [ref] = expectPositionals(args, 1, 1, "NODE (an ID or hostname)");
    const api = ctx.api();
    const found = await resolveNode(api, ref!);
    const { node } = await api.getNode(create(GetNodeRequestSchema, { nodeId: found.id }));
    printMessage(ctx, NodeSchema, node ?? found);
    return 0;
  },
};
