/**
 * `swarm task ls`: tasks across services, current ones unless --all.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import {
  ListNodesRequestSchema,
  ListServicesRequestSchema,
  ListTasksRequestSchema,
} from "../../../proto/gen/swarm/v1/control_pb.ts";
import { TaskSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../../proto/gen/swarm/v1/types_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { printIds, printMessages, printTable } from "../../output.ts";
import { nodeIdentity, resolveRef, serviceIdentity } from "../../resolve.ts";
import { sortTasks, TASK_HEADER, taskRows } from "./view.ts";

/** `swarm task ls`. */
export const taskLs: Command = {
  name: "ls",
  aliases: ["list"],
  summary: "List tasks",
  usage: "swarm task ls [OPTIONS]",
  options: `  -a, --all               Include tasks that are shut down or removed
      --service SERVICE   Only the tasks of this service
      --node NODE         Only the tasks on this node
  -q, --quiet             Only print IDs
      --format FORMAT     table or json (default table)
`,
  flags: {
    all: { type: "boolean", short: "a" },
    service: { type: "string" },
    node: { type: "string" },
    quiet: { type: "boolean", short: "q" },
  },
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    expectPositionals(args, 0, 0, "");
    const { flags } = args;
    const api = ctx.api();
    const { services } = await api.listServices(create(ListServicesRequestSchema));
    const { nodes } = await api.listNodes(create(ListNodesRequestSchema));
    const serviceRef = flags.string("service");
    const nodeRef = flags.string("node");
    const serviceIds = serviceRef === undefined
      ? []
      : [resolveRef("service", serviceRef, services, serviceIdentity).id];
    const nodeIds = nodeRef === undefined
      ? []
      : [resolveRef("node", nodeRef, nodes, nodeIdentity).id];
    const { tasks } = await api.listTasks(
      create(ListTasksRequestSchema, { filters: { serviceIds, nodeIds } }),
    );
    const shown = flags.bool("all")
      ? tasks
      : tasks.filter((t) => t.desiredState <= TaskState.COMPLETE); // a job's: COMPLETE
    const lookup = {
      serviceNames: new Map(services.map((s) => [s.id, s.spec?.annotations?.name ?? ""])),
      nodes: new Map(nodes.map((n) => [n.id, n])),
    };
    const sorted = sortTasks(shown, lookup);
    if (flags.bool("quiet")) printIds(ctx, sorted.map((t) => t.id));
    else if (ctx.format === "json") printMessages(ctx, TaskSchema, sorted);
    else printTable(ctx, TASK_HEADER, taskRows(sorted, lookup, ctx.now()));
    return 0;
  },
};
