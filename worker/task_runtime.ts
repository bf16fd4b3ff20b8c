/**
 * Maps an assigned task (protobuf) to what an executor runs, resolving its secret and config
 * references against what the agent holds ({@linkcode DependencyLookup}). A reference the agent
 * does not hold makes the task a {@linkcode MissingDependencyError} (it is REJECTED, saying which
 * one and what to do) — a task never runs without its files.
 *
 * File modes: a reference's own mode; an unset mode (0) falls back to
 * {@linkcode DEFAULT_SECRET_MODE} (0400) for secrets and {@linkcode DEFAULT_CONFIG_MODE} (0444)
 * for configs. Owners: the reference's numeric uid and gid (default 0).
 *
 * @module
 */
import type { Config, Secret, Task } from "../proto/gen/swarm/v1/objects_pb.ts";
import type { FileTarget } from "../proto/gen/swarm/v1/types_pb.ts";
import { durationMs } from "../manager/duration.ts";
import { TaskRejectedError } from "./executor.ts";
import type { TaskFile, TaskRuntime } from "./types.ts";

/** Permission bits of a secret file whose reference gives none. */
export const DEFAULT_SECRET_MODE = 0o400;
/** Permission bits of a config file whose reference gives none. */
export const DEFAULT_CONFIG_MODE = 0o444;

/** The secrets and configs the agent holds, by ID. */
export interface DependencyLookup {
  secret(id: string): Secret | undefined;
  config(id: string): Config | undefined;
}

/** A task references a secret or config the managers did not send to this node. */
export class MissingDependencyError extends TaskRejectedError {
  readonly kind: "secret" | "config";
  readonly dependencyName: string;
  constructor(kind: "secret" | "config", name: string, id: string) {
    super(
      `${kind === "secret" ? "Secret" : "Config"} not available on this node: ${name} (${id}): ` +
        `the managers did not send it (was it removed?); create it again with swarm ${kind} ` +
        `create ${name} and update the service to use it`,
    );
    this.kind = kind;
    this.dependencyName = name;
  }
}

const NONE: DependencyLookup = { secret: () => undefined, config: () => undefined };

/**
 * What an executor needs to run `task`. Throws {@linkcode MissingDependencyError} when a
 * referenced secret or config is not in `dependencies`.
 */
export function taskRuntime(task: Task, dependencies: DependencyLookup = NONE): TaskRuntime {
  const rt = task.spec?.runtime;
  const base = {
    taskId: task.id,
    name: `${task.annotations?.name ?? task.serviceId}.${task.id}`,
    serviceId: task.serviceId,
    slot: task.slot,
    ...files(rt?.value, dependencies),
  };
  if (rt?.case === "process") {
    const p = rt.value;
    return {
      ...base,
      command: p.command,
      args: p.args,
      env: p.env,
      ...(p.dir ? { dir: p.dir } : {}),
      ...(p.stopSignal ? { stopSignal: p.stopSignal as Deno.Signal } : {}),
      ...(p.stopGracePeriod ? { stopGracePeriodMs: durationMs(p.stopGracePeriod) } : {}),
    };
  }
  if (rt?.case === "container") {
    const c = rt.value;
    return {
      ...base,
      image: c.image,
      command: c.command[0] ?? "",
      args: [...c.command.slice(1), ...c.args],
      env: c.env,
      ...(c.dir ? { dir: c.dir } : {}),
      ...(c.hostname ? { hostname: c.hostname } : {}),
      ...(c.user ? { user: c.user } : {}),
      ...(Object.keys(c.labels).length > 0 ? { labels: { ...c.labels } } : {}),
      ...(c.stopSignal ? { stopSignal: c.stopSignal as Deno.Signal } : {}),
      ...(c.stopGracePeriod ? { stopGracePeriodMs: durationMs(c.stopGracePeriod) } : {}),
    };
  }
  return { ...base, command: "", args: [], env: [] };
}

type References = Pick<
  Extract<NonNullable<Task["spec"]>["runtime"], { case: "process" }>["value"],
  "secrets" | "configs"
>;

/** The task's resolved secrets and configs; keys only for those it has. */
function files(
  refs: References | undefined,
  deps: DependencyLookup,
): { secrets?: TaskFile[]; configs?: TaskFile[] } {
  if (refs === undefined) return {};
  const secrets = refs.secrets.map((r) => {
    const s = deps.secret(r.secretId);
    if (s === undefined) throw new MissingDependencyError("secret", r.secretName, r.secretId);
    return file(r.secretName, r.file, s.spec?.data, DEFAULT_SECRET_MODE);
  });
  const configs = refs.configs.map((r) => {
    const c = deps.config(r.configId);
    if (c === undefined) throw new MissingDependencyError("config", r.configName, r.configId);
    return file(r.configName, r.file, c.spec?.data, DEFAULT_CONFIG_MODE);
  });
  return {
    ...(secrets.length > 0 ? { secrets } : {}),
    ...(configs.length > 0 ? { configs } : {}),
  };
}

function file(
  name: string,
  target: FileTarget | undefined,
  data: Uint8Array | undefined,
  defaultMode: number,
): TaskFile {
  return {
    name,
    target: target?.name || name,
    data: data ?? new Uint8Array(),
    mode: target?.mode || defaultMode,
    uid: owner(name, "uid", target?.uid),
    gid: owner(name, "gid", target?.gid),
  };
}

function owner(name: string, field: "uid" | "gid", value: string | undefined): number {
  if (!value) return 0;
  if (!/^\d{1,10}$/.test(value)) {
    throw new TaskRejectedError(
      `Invalid ${field} for ${name}: ${JSON.stringify(value)}: give a number, e.g. 1000`,
    );
  }
  return Number(value);
}
