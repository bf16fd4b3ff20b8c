/**
 * `swarm cluster inspect` and `swarm cluster ls`; `swarm cluster update` is in `update.ts`.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import {
  GetClusterRequestSchema,
  ListClustersRequestSchema,
} from "../../../proto/gen/swarm/v1/control_pb.ts";
import { ClusterSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command, CommandGroup } from "../../command.ts";
import type { Context } from "../../context.ts";
import { printIds, printMessage, printMessages, printTable } from "../../output.ts";
import { resolveCluster } from "../../resolve.ts";
import { clusterUpdate } from "./update.ts";

/** `swarm cluster inspect`. */
export const clusterInspect: Command = {
  name: "inspect",
  summary: "Show the cluster as JSON (keys are redacted by the manager)",
  usage: "swarm cluster inspect [CLUSTER]",
  options: "",
  flags: {},
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const [ref] = expectPositionals(args, 0, 1, "CLUSTER");
    const api = ctx.api();
    const found = await resolveCluster(api, ref);
    const { cluster } = await api.getCluster(
      create(GetClusterRequestSchema, { clusterId: found.id }),
    );
    printMessage(ctx, ClusterSchema, cluster ?? found);
    return 0;
  },
};

/** `swarm cluster ls`. */
export const clusterLs: Command = {
  name: "ls",
  aliases: ["list"],
  summary: "List clusters",
  usage: "swarm cluster ls [OPTIONS]",
  options: `  -q, --quiet             Only print IDs
      --format FORMAT     table or json (default table)
`,
  flags: { quiet: { type: "boolean", short: "q" } },
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    expectPositionals(args, 0, 0, "");
    const { clusters } = await ctx.api().listClusters(create(ListClustersRequestSchema));
    if (args.flags.bool("quiet")) printIds(ctx, clusters.map((c) => c.id));
    else if (ctx.format === "json") printMessages(ctx, ClusterSchema, clusters);
    else {
      printTable(
        ctx,
        ["ID", "NAME"],
        clusters.map((c) => [c.id, c.spec?.annotations?.name ?? ""]),
      );
    }
    return 0;
  },
};

/** `swarm cluster`. */
export const clusterGroup: CommandGroup = {
  name: "cluster",
  summary: "Look at or change the cluster",
  commands: [clusterInspect, clusterLs, clusterUpdate],
};
