/**
 * `swarm service create`: builds a spec from flags, checks it locally, then creates it.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { CreateServiceRequestSchema } from "../../../proto/gen/swarm/v1/control_pb.ts";
import { ServiceSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import { ServiceSpecSchema } from "../../../proto/gen/swarm/v1/specs_pb.ts";
import type { ServiceSpec } from "../../../proto/gen/swarm/v1/specs_pb.ts";
import { MISSING_COMMAND_MESSAGE, validateServiceSpec } from "../../../manager/validate/mod.ts";
import type { ParsedArgs } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { parseChoice, parseCount } from "../../flag_values.ts";
import { printMessage } from "../../output.ts";
import { UsageError } from "../../usage_error.ts";
import { applySharedFlags, asUsage } from "./apply_flags.ts";
import {
  configReferences,
  type FileRefRequest,
  parseFileRef,
  secretReferences,
} from "./file_refs.ts";
import { CREATE_FLAGS, SHARED_SPEC_HELP } from "./spec_flags.ts";

const COMMAND = "swarm service create";

const MODES = {
  replicated: "replicated",
  global: "global",
  "replicated-job": "replicatedJob",
  "global-job": "globalJob",
} as const;

/** A spec built from the command line, with the references still to resolve. */
export interface CreatePlan {
  spec: ServiceSpec;
  secrets: FileRefRequest[];
  configs: FileRefRequest[];
}

/**
 * Builds the spec of `swarm service create` from its arguments, without the manager.
 *
 * @throws {UsageError} for any mistake on the command line.
 */
export function buildCreatePlan(args: ParsedArgs): CreatePlan {
  const { flags, positionals } = args;
  if (positionals.length > 0) {
    throw new UsageError(
      `unexpected argument ${
        JSON.stringify(positionals[0])
      }: give the command after --, e.g. swarm service create --name web -- sleep 1000`,
      COMMAND,
    );
  }
  const rest = args.rest ?? [];
  const image = flags.string("image");
  if (image === undefined && rest.length === 0) {
    throw new UsageError(MISSING_COMMAND_MESSAGE, COMMAND);
  }

  const spec = create(ServiceSpecSchema, {
    annotations: { name: flags.string("name") ?? "" },
    task: {
      runtime: image === undefined
        ? { case: "process", value: { command: rest[0] ?? "", args: rest.slice(1) } }
        : { case: "container", value: { image, args: rest } },
    },
  });

  const mode = parseChoice(flags.src("mode"), flags.string("mode") ?? "replicated", MODES);
  const replicasText = flags.string("replicas");
  const replicas = replicasText === undefined ? 1 : parseCount(flags.src("replicas"), replicasText);
  const concurrentText = flags.string("max-concurrent");
  if (replicasText !== undefined && (mode === "global" || mode === "globalJob")) {
    throw new UsageError(
      "--replicas applies to replicated services and replicated jobs; a global service runs one task per node",
      COMMAND,
    );
  }
  if (concurrentText !== undefined && mode !== "replicatedJob") {
    throw new UsageError(
      "--max-concurrent applies to replicated jobs only (--mode replicated-job)",
      COMMAND,
    );
  }
  setMode(
    spec,
    mode,
    replicas,
    concurrentText === undefined
      ? Math.max(1, replicas)
      : parseCount(flags.src("max-concurrent"), concurrentText),
  );

  applySharedFlags(spec, flags);
  return {
    spec,
    secrets: flags.strings("secret").map((v) => parseFileRef(flags.src("secret"), v)),
    configs: flags.strings("config").map((v) => parseFileRef(flags.src("config"), v)),
  };
}

function setMode(
  spec: ServiceSpec,
  mode: (typeof MODES)[keyof typeof MODES],
  replicas: number,
  maxConcurrent: number,
): void {
  const built = create(ServiceSpecSchema, {
    mode: mode === "replicated"
      ? { case: "replicated", value: { replicas } }
      : mode === "global"
      ? { case: "global", value: {} }
      : mode === "replicatedJob"
      ? { case: "replicatedJob", value: { maxConcurrent, totalCompletions: replicas } }
      : { case: "globalJob", value: {} },
  });
  spec.mode = built.mode;
}

/** `swarm service create`. */
export const serviceCreate: Command = {
  name: "create",
  summary: "Create a service",
  usage: "swarm service create --name NAME [OPTIONS] -- COMMAND [ARG...]",
  options: `      --name NAME                   Service name (required)
      --mode MODE                   replicated, global (one task per eligible node),
                                    replicated-job (--replicas tasks run to completion) or
                                    global-job (one per node, run to completion)
                                    (default replicated)
      --env KEY=VALUE               Set an environment variable (repeatable)
      --label KEY=VALUE             Set a service label (repeatable)
${SHARED_SPEC_HELP}      --format FORMAT               table (print the ID) or json
`,
  flags: CREATE_FLAGS,
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const plan = buildCreatePlan(args);
    const spec = plan.spec;
    asUsage(COMMAND, () => validateServiceSpec(spec));
    if (plan.secrets.length > 0 || plan.configs.length > 0) {
      const runtime = spec.task!.runtime.value!;
      runtime.secrets = await secretReferences(ctx.api(), plan.secrets);
      runtime.configs = await configReferences(ctx.api(), plan.configs);
      asUsage(COMMAND, () => validateServiceSpec(spec));
    }
    const { service } = await ctx.api().createService(
      create(CreateServiceRequestSchema, { spec }),
    );
    if (ctx.format === "json" && service !== undefined) printMessage(ctx, ServiceSchema, service);
    else ctx.out(`${service?.id ?? ""}\n`);
    return 0;
  },
};
