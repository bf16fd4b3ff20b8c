/**
 * `swarm service update`: read-modify-write of a service spec, sent with the version read so a
 * concurrent change is refused rather than lost.
 *
 * @module
 */

import { clone, create } from "@bufbuild/protobuf";
import {
  UpdateServiceRequest_Rollback,
  UpdateServiceRequestSchema,
} from "../../../proto/gen/swarm/v1/control_pb.ts";
import type { Service } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import { ServiceSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import { ServiceSpecSchema } from "../../../proto/gen/swarm/v1/specs_pb.ts";
import type { ServiceSpec } from "../../../proto/gen/swarm/v1/specs_pb.ts";
import {
  AnnotationsSchema,
  PlacementSchema,
  UpdateStatus_UpdateState,
} from "../../../proto/gen/swarm/v1/types_pb.ts";
import { MISSING_COMMAND_MESSAGE, validateServiceSpec } from "../../../manager/validate/mod.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { parseCount } from "../../flag_values.ts";
import { printMessage } from "../../output.ts";
import { resolveService } from "../../resolve.ts";
import { UsageError } from "../../usage_error.ts";
import {
  addConstraints,
  applySharedFlags,
  asUsage,
  removeEnv,
  runtimeOf,
  setEnv,
  setLabels,
} from "./apply_flags.ts";
import { configReferences, parseFileRef, secretReferences } from "./file_refs.ts";
import { SHARED_SPEC_HELP, UPDATE_FLAGS } from "./spec_flags.ts";

const COMMAND = "swarm service update";

/**
 * Applies the flags that need no manager to a copy of the service's spec.
 *
 * @throws {UsageError}
 */
export function editSpec(service: Service, args: ParsedArgs): ServiceSpec {
  const { flags } = args;
  const name = service.spec?.annotations?.name || service.id;
  const spec = clone(ServiceSpecSchema, service.spec ?? create(ServiceSpecSchema));
  const runtime = runtimeOf(spec, COMMAND);

  if (args.rest !== undefined) {
    if (args.rest.length === 0) throw new UsageError(MISSING_COMMAND_MESSAGE, COMMAND);
    if (spec.task?.runtime.case === "process") {
      spec.task.runtime.value.command = args.rest[0]!;
      spec.task.runtime.value.args = args.rest.slice(1);
    } else if (spec.task?.runtime.case === "container") {
      spec.task.runtime.value.args = args.rest;
    }
  }
  const image = flags.string("image");
  if (image !== undefined) {
    if (spec.task?.runtime.case !== "container") {
      throw new UsageError(
        `${name} runs a process, not a container: --image applies to container services; create a new service to switch`,
        COMMAND,
      );
    }
    spec.task.runtime.value.image = image;
  }

  const replicas = flags.string("replicas");
  if (replicas !== undefined) {
    const n = parseCount(flags.src("replicas"), replicas);
    if (spec.mode.case === "replicated") spec.mode.value.replicas = n;
    else if (spec.mode.case === "replicatedJob") spec.mode.value.totalCompletions = n;
    else {
      throw new UsageError(
        `${name} is a global service: --replicas applies to replicated services and replicated jobs`,
        COMMAND,
      );
    }
  }
  const concurrent = flags.string("max-concurrent");
  if (concurrent !== undefined) {
    if (spec.mode.case !== "replicatedJob") {
      throw new UsageError(
        `${name} is not a replicated job: --max-concurrent does not apply`,
        COMMAND,
      );
    }
    spec.mode.value.maxConcurrent = parseCount(flags.src("max-concurrent"), concurrent);
  }

  // Removals first, then additions, as Docker does.
  runtime.env = removeEnv(runtime.env, flags.strings("env-rm"));
  runtime.env = setEnv(runtime.env, flags.strings("env-add"), COMMAND);
  const annotations = spec.annotations ??= create(AnnotationsSchema);
  for (const key of flags.strings("label-rm")) delete annotations.labels[key];
  setLabels(annotations.labels, flags.strings("label-add"), flags, "label-add");
  if (flags.has("constraint-rm") || flags.has("constraint-add")) {
    const placement = spec.task!.placement ??= create(PlacementSchema);
    const rm = flags.strings("constraint-rm");
    placement.constraints = placement.constraints.filter((c) => !rm.includes(c));
    addConstraints(placement.constraints, flags.strings("constraint-add"), COMMAND);
  }
  const secretRm = flags.strings("secret-rm");
  runtime.secrets = runtime.secrets.filter((r) =>
    !secretRm.includes(r.secretName) && !secretRm.includes(r.file?.name ?? "")
  );
  const configRm = flags.strings("config-rm");
  runtime.configs = runtime.configs.filter((r) =>
    !configRm.includes(r.configName) && !configRm.includes(r.file?.name ?? "")
  );

  applySharedFlags(spec, flags);
  if (flags.bool("force")) spec.task!.forceUpdate += 1n;
  return spec;
}

/** Whether the service's update or rollback is paused (any update resumes it). */
export function isPaused(svc: Service): boolean {
  const state = svc.updateStatus?.state;
  return state === UpdateStatus_UpdateState.PAUSED ||
    state === UpdateStatus_UpdateState.ROLLBACK_PAUSED;
}

/** `swarm service update`. */
export const serviceUpdate: Command = {
  name: "update",
  summary: "Change a service; its tasks are replaced as the update config says",
  usage: "swarm service update [OPTIONS] SERVICE [-- COMMAND [ARG...]]",
  description:
    `Tasks are replaced --update-parallelism at a time, --update-delay apart; a task that fails
within --update-monitor of starting pauses the update, rolls it back or is ignored
(--update-failure-action). Any update resumes a paused one; with no option at all, update
resumes it without changing anything. --rollback goes back to the previous spec using the
--rollback-* settings. "swarm service inspect --pretty" shows how the update is going.
Updating a job (any change, or just --force) runs it again from the start.
`,
  options: `      --env-add KEY=VALUE           Set an environment variable (also --env)
      --env-rm KEY                  Remove an environment variable
      --label-add KEY=VALUE         Set a service label (also --label)
      --label-rm KEY                Remove a service label
      --constraint-add EXPR         Add a placement constraint (also --constraint)
      --constraint-rm EXPR          Remove a placement constraint
      --secret-add SECRET           Add a secret (also --secret)
      --secret-rm NAME              Remove a secret by name or target
      --config-add CONFIG           Add a config (also --config)
      --config-rm NAME              Remove a config by name or target
      --force                       Replace the tasks even if nothing changed (a job runs
                                    again)
      --rollback                    Go back to the previous spec (with the --rollback-* settings)
${SHARED_SPEC_HELP}      --format FORMAT               table (print the name) or json
`,
  flags: UPDATE_FLAGS,
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const [ref] = expectPositionals(args, 1, 1, "SERVICE (a name or ID)");
    const { flags } = args;
    const given = Object.keys(UPDATE_FLAGS).filter((f) => flags.has(f));
    const nothing = given.length === 0 && args.rest === undefined;
    if (flags.bool("rollback") && (given.length > 1 || args.rest !== undefined)) {
      throw new UsageError("--rollback cannot be combined with other changes", COMMAND);
    }
    const secrets = [...flags.strings("secret"), ...flags.strings("secret-add")]
      .map((v) => parseFileRef(flags.src("secret-add"), v));
    const configs = [...flags.strings("config"), ...flags.strings("config-add")]
      .map((v) => parseFileRef(flags.src("config-add"), v));

    const api = ctx.api();
    const svc = await resolveService(api, ref!);
    if (nothing && !isPaused(svc)) {
      throw new UsageError(
        "nothing to update: give a change, e.g. --replicas 3, --env-add KEY=VALUE, --force, or -- COMMAND (with no change, update resumes a paused update)",
        COMMAND,
      );
    }
    const version = svc.meta?.version ? { serviceVersion: svc.meta.version } : {};
    let request;
    if (flags.bool("rollback")) {
      request = create(UpdateServiceRequestSchema, {
        serviceId: svc.id,
        ...version,
        ...(svc.spec ? { spec: svc.spec } : {}),
        rollback: UpdateServiceRequest_Rollback.PREVIOUS,
      });
    } else {
      const spec = editSpec(svc, args);
      asUsage(COMMAND, () => validateServiceSpec(spec));
      if (secrets.length > 0 || configs.length > 0) {
        const runtime = runtimeOf(spec, COMMAND);
        const newSecrets = await secretReferences(api, secrets);
        const newConfigs = await configReferences(api, configs);
        runtime.secrets = [
          ...runtime.secrets.filter((r) => !newSecrets.some((n) => n.secretId === r.secretId)),
          ...newSecrets,
        ];
        runtime.configs = [
          ...runtime.configs.filter((r) => !newConfigs.some((n) => n.configId === r.configId)),
          ...newConfigs,
        ];
        asUsage(COMMAND, () => validateServiceSpec(spec));
      }
      request = create(UpdateServiceRequestSchema, { serviceId: svc.id, ...version, spec });
    }
    const { service } = await api.updateService(request);
    if (ctx.format === "json" && service !== undefined) printMessage(ctx, ServiceSchema, service);
    else ctx.out(`${svc.spec?.annotations?.name || svc.id}\n`);
    return 0;
  },
};
