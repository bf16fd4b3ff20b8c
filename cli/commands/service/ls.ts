/**
 * `swarm service ls`: services with their mode, replica counts and command.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import {
  ListServicesRequestSchema,
  ListServiceStatusesRequestSchema,
} from "../../../proto/gen/swarm/v1/control_pb.ts";
import { ServiceSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { printIds, printMessages, printTable } from "../../output.ts";
import { SERVICE_HEADER, serviceRow } from "./view.ts";

/** `swarm service ls`. */
export const serviceLs: Command = {
  name: "ls",
  aliases: ["list"],
  summary: "List services",
  usage: "swarm service ls [OPTIONS]",
  options: `  -q, --quiet             Only print IDs
      --format FORMAT     table or json (default table)
`,
  flags: { quiet: { type: "boolean", short: "q" } },
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    expectPositionals(args, 0, 0, "");
    const api = ctx.api();
    const { services } = await api.listServices(create(ListServicesRequestSchema));
    services.sort((a, b) =>
      (a.spec?.annotations?.name ?? "").localeCompare(b.spec?.annotations?.name ?? "")
    );
    if (args.flags.bool("quiet")) {
      printIds(ctx, services.map((s) => s.id));
    } else if (ctx.format === "json") {
      printMessages(ctx, ServiceSchema, services);
    } else {
      const { statuses } = services.length === 0 ? { statuses: [] } : await api.listServiceStatuses(
        create(ListServiceStatusesRequestSchema, { services: services.map((s) => s.id) }),
      );
      const byId = new Map(statuses.map((s) => [s.serviceId, s]));
      printTable(ctx, SERVICE_HEADER, services.map((s) => serviceRow(s, byId.get(s.id))));
    }
    return 0;
  },
};
