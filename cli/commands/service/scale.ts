/**
 * `swarm service scale web=3 api=5`: sets replica counts, one update per service.
 *
 * @module
 */

import { clone, create } from "@bufbuild/protobuf";
import { UpdateServiceRequestSchema } from "../../../proto/gen/swarm/v1/control_pb.ts";
import { ServiceSpecSchema } from "../../../proto/gen/swarm/v1/specs_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { rpcMessage } from "../../control_api.ts";
import { isConnectionFailure } from "../../context.ts";
import { parseCount } from "../../flag_values.ts";
import { resolveServices } from "../../resolve.ts";
import { UsageError } from "../../usage_error.ts";

const COMMAND = "swarm service scale";

/** Parses `SERVICE=N` arguments. @throws {UsageError} */
export function parseScaleArgs(refs: readonly string[]): { ref: string; replicas: number }[] {
  return refs.map((arg) => {
    const eq = arg.lastIndexOf("=");
    if (eq <= 0) {
      throw new UsageError(
        `invalid argument ${JSON.stringify(arg)}: use SERVICE=REPLICAS, e.g. web=3`,
        COMMAND,
      );
    }
    const count = arg.slice(eq + 1);
    if (!/^\d+$/.test(count)) {
      throw new UsageError(
        `invalid replica count ${JSON.stringify(count)} in ${
          JSON.stringify(arg)
        }: must be a whole number from 0 to 4294967295`,
        COMMAND,
      );
    }
    return {
      ref: arg.slice(0, eq),
      replicas: parseCount({ flag: "replicas", command: COMMAND }, count),
    };
  });
}

/** `swarm service scale`. */
export const serviceScale: Command = {
  name: "scale",
  summary: "Set the number of replicas of services",
  usage: "swarm service scale SERVICE=REPLICAS [SERVICE=REPLICAS...]",
  options: "",
  flags: {},
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const wanted = parseScaleArgs(expectPositionals(args, 1, Infinity, "SERVICE=REPLICAS"));
    const api = ctx.api();
    const services = await resolveServices(api, wanted.map((w) => w.ref));
    let failed = false;
    for (const [i, { ref, replicas }] of wanted.entries()) {
      const svc = services[i]!;
      const spec = clone(ServiceSpecSchema, svc.spec ?? create(ServiceSpecSchema));
      if (spec.mode.case === "replicated") spec.mode.value.replicas = replicas;
      else if (spec.mode.case === "replicatedJob") spec.mode.value.totalCompletions = replicas;
      else {
        ctx.err(
          `Error: ${ref}: scale applies to replicated services and replicated jobs, not global ones\n`,
        );
        failed = true;
        continue;
      }
      try {
        await api.updateService(create(UpdateServiceRequestSchema, {
          serviceId: svc.id,
          ...(svc.meta?.version ? { serviceVersion: svc.meta.version } : {}),
          spec,
        }));
        ctx.out(`${ref} scaled to ${replicas}\n`);
      } catch (err) {
        if (isConnectionFailure(err)) throw err;
        ctx.err(`Error: ${ref}: ${rpcMessage(err)}\n`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};
