/**
 * `swarm service inspect`: one service as JSON, with defaults filled in, or for people with
 * `--pretty` (mode, update status, update and rollback settings).
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { GetServiceRequestSchema } from "../../../proto/gen/swarm/v1/control_pb.ts";
import { ServiceSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { printMessage } from "../../output.ts";
import { resolveService } from "../../resolve.ts";
import { alignColumns, prettyServiceLines } from "./inspect_pretty.ts";

/** `swarm service inspect`. */
export const serviceInspect: Command = {
  name: "inspect",
  summary: "Show a service as JSON, defaults included",
  usage: "swarm service inspect [OPTIONS] SERVICE",
  options: `      --pretty            Print a summary for people: mode, update status (state,
                          message), update and rollback settings
`,
  flags: { pretty: { type: "boolean" } },
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const [ref] = expectPositionals(args, 1, 1, "SERVICE (a name or ID)");
    const api = ctx.api();
    const svc = await resolveService(api, ref!);
    const { service } = await api.getService(
      create(GetServiceRequestSchema, { serviceId: svc.id, insertDefaults: true }),
    );
    if (args.flags.bool("pretty")) {
      ctx.out(alignColumns(prettyServiceLines(service ?? svc, ctx.now())));
    } else {
      printMessage(ctx, ServiceSchema, service ?? svc);
    }
    return 0;
  },
};
