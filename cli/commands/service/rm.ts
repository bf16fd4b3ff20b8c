/**
 * `swarm service rm`: removes services.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import {
  ListServicesRequestSchema,
  RemoveServiceRequestSchema,
} from "../../../proto/gen/swarm/v1/control_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { rpcMessage } from "../../control_api.ts";
import { isConnectionFailure } from "../../context.ts";
import { resolveRef, serviceIdentity } from "../../resolve.ts";

/** `swarm service rm`. */
export const serviceRm: Command = {
  name: "rm",
  aliases: ["remove"],
  summary: "Remove services",
  usage: "swarm service rm SERVICE [SERVICE...]",
  options: "",
  flags: {},
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const refs = expectPositionals(args, 1, Infinity, "SERVICE (a name or ID)");
    const api = ctx.api();
    const { services } = await api.listServices(create(ListServicesRequestSchema));
    let failed = false;
    for (const ref of refs) {
      try {
        const svc = resolveRef("service", ref, services, serviceIdentity);
        await api.removeService(create(RemoveServiceRequestSchema, { serviceId: svc.id }));
        ctx.out(`${ref}\n`);
      } catch (err) {
        if (isConnectionFailure(err)) throw err;
        ctx.err(`Error: ${rpcMessage(err)}\n`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};
