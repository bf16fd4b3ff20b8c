/**
 * `swarm service ps`: the tasks of services, history included.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import {
  ListNodesRequestSchema,
  ListTasksRequestSchema,
} from "../../../proto/gen/swarm/v1/control_pb.ts";
import { TaskSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { printIds, printMessages, printTable } from "../../output.ts";
import { resolveServices } from "../../resolve.ts";
import { sortTasks, TASK_HEADER, taskRows } from "../task/view.ts";

/** `swarm service ps`. */
export const servicePs: Command = {
  name: "ps",
  summary: "List the tasks of services",
  usage: "swarm service ps [OPTIONS] SERVICE [SERVICE...]",
  options: `  -q, --quiet             Only print task IDs
      --format FORMAT     table or json (default table)
`,
  flags: { quiet: { type: "boolean", short: "q" } },
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const refs = expectPositionals(args, 1, Infinity, "SERVICE (a name or ID)");
    const api = ctx.api();
    const services = await resolveServices(api, refs);
    const { tasks } = await api.listTasks(create(ListTasksRequestSchema, {
      filters: { serviceIds: [...new Set(services.map((s) => s.id))] },
    }));
    const serviceNames = new Map(services.map((s) => [s.id, s.spec?.annotations?.name ?? ""]));
    if (args.flags.bool("quiet")) {
      printIds(ctx, sortTasks(tasks, { serviceNames, nodes: new Map() }).map((t) => t.id));
      return 0;
    }
    if (ctx.format === "json") {
      printMessages(ctx, TaskSchema, sortTasks(tasks, { serviceNames, nodes: new Map() }));
      return 0;
    }
    const { nodes } = await api.listNodes(create(ListNodesRequestSchema));
    const lookup = { serviceNames, nodes: new Map(nodes.map((n) => [n.id, n])) };
    printTable(ctx, TASK_HEADER, taskRows(tasks, lookup, ctx.now()));
    return 0;
  },
};
