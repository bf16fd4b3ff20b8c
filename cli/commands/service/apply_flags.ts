/**
 * Applies the flags shared by `service create` and `service update` to a service spec.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import type {
  ContainerSpec,
  ProcessSpec,
  ServiceSpec,
} from "../../../proto/gen/swarm/v1/specs_pb.ts";
import { TaskSpecSchema } from "../../../proto/gen/swarm/v1/specs_pb.ts";
import {
  AnnotationsSchema,
  PlacementPreferenceSchema,
  PlacementSchema,
  ResourceRequirementsSchema,
  ResourcesSchema,
  RestartPolicy_Condition,
  UpdateConfig_FailureAction,
  UpdateConfig_UpdateOrder,
} from "../../../proto/gen/swarm/v1/types_pb.ts";
import type { Resources, UpdateConfig } from "../../../proto/gen/swarm/v1/types_pb.ts";
import {
  defaultRestartPolicy,
  defaultUpdateConfig,
  isJobMode,
  normalizeSignal,
  parseConstraint,
  validateEnvEntry,
  ValidationError,
} from "../../../manager/validate/mod.ts";
import type { Flags } from "../../args.ts";
import {
  parseBytes,
  parseChoice,
  parseCount,
  parseCpus,
  parseDuration,
  parseKeyValue,
  parseRatio,
} from "../../flag_values.ts";
import { UsageError } from "../../usage_error.ts";

/** The runtime of a task, whichever kind: both carry env, dir, stop settings and references. */
export type Runtime = ProcessSpec | ContainerSpec;

/** Runs `fn`, turning a {@linkcode ValidationError} into a {@linkcode UsageError}. */
export function asUsage<T>(command: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ValidationError) throw new UsageError(err.message, command, { cause: err });
    throw err;
  }
}

/** The runtime of the spec's task. @throws {UsageError} when there is none. */
export function runtimeOf(spec: ServiceSpec, command: string): Runtime {
  const runtime = spec.task?.runtime;
  if (runtime?.case === undefined) {
    throw new UsageError("the service has no command to change", command);
  }
  return runtime.value;
}

/** Sets `KEY=VALUE` entries, replacing an entry with the same key. */
export function setEnv(env: string[], entries: readonly string[], command: string): string[] {
  let out = [...env];
  for (const entry of entries) {
    asUsage(command, () => validateEnvEntry(entry));
    const key = entry.slice(0, entry.indexOf("="));
    out = out.filter((e) => e !== key && !e.startsWith(`${key}=`));
    out.push(entry);
  }
  return out;
}

/** Removes entries by key (or by exact `KEY=VALUE`). */
export function removeEnv(env: string[], keys: readonly string[]): string[] {
  return env.filter((e) => {
    const key = e.includes("=") ? e.slice(0, e.indexOf("=")) : e;
    return !keys.includes(key) && !keys.includes(e);
  });
}

/** Sets labels from `key=value` flag values. */
export function setLabels(
  labels: Record<string, string>,
  values: readonly string[],
  flags: Flags,
  flag: string,
): void {
  for (const v of values) {
    const [k, val] = parseKeyValue(flags.src(flag), v);
    labels[k] = val;
  }
}

/** Adds constraints (checked), skipping ones already present. */
export function addConstraints(list: string[], values: readonly string[], command: string): void {
  for (const expr of values) {
    asUsage(command, () => parseConstraint(expr));
    if (!list.includes(expr)) list.push(expr);
  }
}

const RESTART_CONDITIONS = {
  none: RestartPolicy_Condition.NONE,
  "on-failure": RestartPolicy_Condition.ON_FAILURE,
  any: RestartPolicy_Condition.ANY,
};
const FAILURE_ACTIONS = {
  pause: UpdateConfig_FailureAction.PAUSE,
  continue: UpdateConfig_FailureAction.CONTINUE,
  rollback: UpdateConfig_FailureAction.ROLLBACK,
};
const ORDERS = {
  "stop-first": UpdateConfig_UpdateOrder.STOP_FIRST,
  "start-first": UpdateConfig_UpdateOrder.START_FIRST,
};

/**
 * Applies every flag create and update share, except --replicas, --max-concurrent, --image
 * and the references, which depend on the mode, the runtime and the manager. The spec must have
 * a task with a runtime and its mode: jobs refuse the --update-* and --rollback-* flags, and a
 * job's restart policy restarts on failure unless told otherwise.
 *
 * @throws {UsageError} for a bad value.
 */
export function applySharedFlags(spec: ServiceSpec, flags: Flags): void {
  const command = flags.command;
  const task = spec.task ??= create(TaskSpecSchema);
  const runtime = runtimeOf(spec, command);
  const annotations = spec.annotations ??= create(AnnotationsSchema);

  runtime.env = setEnv(runtime.env, flags.strings("env"), command);
  const workdir = flags.string("workdir");
  if (workdir !== undefined) runtime.dir = workdir;
  setLabels(annotations.labels, flags.strings("label"), flags, "label");

  const signal = flags.string("stop-signal");
  if (signal !== undefined) runtime.stopSignal = asUsage(command, () => normalizeSignal(signal));
  const grace = flags.string("stop-grace-period");
  if (grace !== undefined) {
    runtime.stopGracePeriod = parseDuration(flags.src("stop-grace-period"), grace);
  }

  if (
    ["restart-condition", "restart-delay", "restart-max-attempts", "restart-window"].some((f) =>
      flags.has(f)
    )
  ) {
    const restart = task.restart ??= defaultRestartPolicy(isJobMode(spec));
    const condition = flags.string("restart-condition");
    if (condition !== undefined) {
      restart.condition = parseChoice(
        flags.src("restart-condition"),
        condition,
        RESTART_CONDITIONS,
      );
    }
    const delay = flags.string("restart-delay");
    if (delay !== undefined) restart.delay = parseDuration(flags.src("restart-delay"), delay);
    const attempts = flags.string("restart-max-attempts");
    if (attempts !== undefined) {
      restart.maxAttempts = parseCount(flags.src("restart-max-attempts"), attempts);
    }
    const window = flags.string("restart-window");
    if (window !== undefined) restart.window = parseDuration(flags.src("restart-window"), window);
  }

  const placementFlags = ["constraint", "placement-pref", "replicas-max-per-node"];
  if (placementFlags.some((f) => flags.has(f))) {
    const placement = task.placement ??= create(PlacementSchema);
    addConstraints(placement.constraints, flags.strings("constraint"), command);
    for (const pref of flags.strings("placement-pref")) {
      const [kind, descriptor] = parseKeyValue(flags.src("placement-pref"), pref, false);
      if (kind !== "spread" || descriptor === "") {
        throw new UsageError(
          `invalid value ${
            JSON.stringify(pref)
          } for --placement-pref: use spread=LABEL, e.g. spread=node.labels.zone`,
          command,
        );
      }
      placement.preferences.push(create(PlacementPreferenceSchema, {
        preference: { case: "spread", value: { spreadDescriptor: descriptor } },
      }));
    }
    const max = flags.string("replicas-max-per-node");
    if (max !== undefined) {
      placement.maxReplicas = parseCount(flags.src("replicas-max-per-node"), max);
    }
  }

  applyResources(spec, flags, "reserve", "reservations");
  applyResources(spec, flags, "limit", "limits");
  applyUpdateConfig(spec, flags, "update");
  applyUpdateConfig(spec, flags, "rollback");
}

function applyResources(
  spec: ServiceSpec,
  flags: Flags,
  prefix: "reserve" | "limit",
  field: "reservations" | "limits",
): void {
  const cpu = flags.string(`${prefix}-cpu`);
  const memory = flags.string(`${prefix}-memory`);
  if (cpu === undefined && memory === undefined) return;
  const task = spec.task ??= create(TaskSpecSchema);
  const resources = task.resources ??= create(ResourceRequirementsSchema);
  const r: Resources = resources[field] ??= create(ResourcesSchema);
  if (cpu !== undefined) r.nanoCpus = parseCpus(flags.src(`${prefix}-cpu`), cpu);
  if (memory !== undefined) r.memoryBytes = parseBytes(flags.src(`${prefix}-memory`), memory);
}

function applyUpdateConfig(spec: ServiceSpec, flags: Flags, which: "update" | "rollback"): void {
  const names = ["parallelism", "delay", "failure-action", "monitor", "max-failure-ratio", "order"];
  const given = names.find((n) => flags.has(`${which}-${n}`));
  if (given === undefined) return;
  if (isJobMode(spec)) {
    throw new UsageError(
      `--${which}-${given} does not apply to jobs: a job's tasks run to completion and are not rolled out (updating a job runs it again)`,
      flags.command,
    );
  }
  const u: UpdateConfig = spec[which] ??= defaultUpdateConfig();
  const get = (n: string) => flags.string(`${which}-${n}`);
  const src = (n: string) => flags.src(`${which}-${n}`);
  const parallelism = get("parallelism");
  if (parallelism !== undefined) u.parallelism = parseCount(src("parallelism"), parallelism);
  const delay = get("delay");
  if (delay !== undefined) u.delay = parseDuration(src("delay"), delay);
  const action = get("failure-action");
  if (action !== undefined) {
    u.failureAction = parseChoice(src("failure-action"), action, FAILURE_ACTIONS);
  }
  const monitor = get("monitor");
  if (monitor !== undefined) u.monitor = parseDuration(src("monitor"), monitor);
  const ratio = get("max-failure-ratio");
  if (ratio !== undefined) u.maxFailureRatio = parseRatio(src("max-failure-ratio"), ratio);
  const order = get("order");
  if (order !== undefined) u.order = parseChoice(src("order"), order, ORDERS);
}
