/**
 * Turns a {@linkcode TaskRuntime} into the container the Docker executor creates, without IO:
 *
 * - Name: the task name (`web.1.<taskId>`, characters Docker refuses replaced by `_`), so
 *   `docker ps` reads like `swarm service ps`; it is unique because it ends in the task ID.
 * - Labels: the service's container labels, then swarm's own (which win): `swarm.task.id`,
 *   `swarm.task.name`, `swarm.task.slot`, `swarm.service.id`, `swarm.node.id` and
 *   `swarm.stop-grace-period-ms`. A restarted node finds its containers by `swarm.node.id`.
 * - Command: a task `command` replaces the image's entrypoint (`Entrypoint: [command]`,
 *   `Cmd: args`), as a service's `command` does in Docker; without one, `args` replace the image's
 *   CMD and the image's entrypoint stays; with neither the image runs as built.
 * - Environment: the image's, then `SWARM_TASK_ID`, `SWARM_TASK_NAME`, `SWARM_TASK_SLOT`,
 *   `SWARM_SERVICE_ID`, `SWARM_NODE_ID`, then the task's own (which wins) — like the process
 *   executor, except that `PATH` and `HOME` come from the image, not from the node.
 * - Working directory (`dir`, absolute), user and hostname as the task gives them.
 * - Stop signal and grace period: validated like the process executor's; the container records
 *   them (`StopSignal`, `StopTimeout` rounded up to whole seconds) so `docker stop` agrees.
 * - Network mode and the init process come from the executor's options.
 * - Secrets and configs: a tar archive to extract at `/` before the container starts
 *   (`docker_files.ts`: secrets under `/run/secrets/`, configs at their target).
 *
 * Every problem is a {@linkcode TaskRejectedError} with an actionable message.
 *
 * @module
 */

import type { ContainerCreateOptions, ImageInfo } from "./docker_engine.ts";
import { containerFilesArchive } from "./docker_files.ts";
import { TaskRejectedError } from "./executor.ts";
import { DEFAULT_PATH, parseTaskEnv } from "./process_spec.ts";
import { stopSettings } from "./stop_settings.ts";
import type { TaskRuntime } from "./types.ts";

/** The labels swarm puts on every container it creates. */
export const DOCKER_LABELS = {
  taskId: "swarm.task.id",
  taskName: "swarm.task.name",
  taskSlot: "swarm.task.slot",
  serviceId: "swarm.service.id",
  nodeId: "swarm.node.id",
  /** The grace period in milliseconds (the container's `StopTimeout` has whole seconds only). */
  stopGracePeriodMs: "swarm.stop-grace-period-ms",
} as const;

/** What the executor decides for every container it creates. */
export interface DockerSpecOptions {
  /** Labels the container `swarm.node.id` and is exported as `SWARM_NODE_ID`. */
  readonly nodeId: string;
  /** The container's network mode (`host`, `none`, `bridge`, a network's name). */
  readonly networkMode: string;
  /** Run docker-init as PID 1 so that the stop signal reaches the command. */
  readonly init: boolean;
}

/** The container of one task. */
export interface ContainerPlan {
  readonly name: string;
  readonly image: string;
  readonly create: ContainerCreateOptions;
  readonly stopSignal: Deno.Signal;
  readonly stopGracePeriodMs: number;
  /** The task's secrets and configs, as a tar archive to extract at `/` before start. */
  readonly files?: Uint8Array;
}

/** The container name of a task: its name, made acceptable to Docker, ending in its ID. */
export function containerName(task: Pick<TaskRuntime, "taskId" | "name">): string {
  const base = task.name.endsWith(task.taskId) ? task.name : `${task.name}.${task.taskId}`;
  const safe = base.replace(/[^A-Za-z0-9_.-]/g, "_");
  return /^[A-Za-z0-9]/.test(safe) ? safe : `swarm${safe}`;
}

/** Builds the container of `task`; throws {@linkcode TaskRejectedError} for one that cannot run. */
export function containerPlan(task: TaskRuntime, options: DockerSpecOptions): ContainerPlan {
  const image = task.image?.trim() ?? "";
  if (image === "") {
    throw new TaskRejectedError(
      `No image: task ${task.taskId} is a process task and this node runs containers ` +
        "(--executor docker): create the service with --image IMAGE, or run it on a node " +
        "started with --executor process",
    );
  }
  if (/\s/.test(image)) {
    throw new TaskRejectedError(
      `Invalid image ${JSON.stringify(image)}: an image reference has no spaces, e.g. alpine:3.20`,
    );
  }
  if (task.dir !== undefined && task.dir !== "" && !task.dir.startsWith("/")) {
    throw new TaskRejectedError(
      `Invalid working directory: ${task.dir}: a container's working directory must be an ` +
        "absolute path, e.g. /app",
    );
  }
  const { stopSignal, stopGracePeriodMs: grace } = stopSettings(task);
  const files = containerFilesArchive(task);
  const env = {
    SWARM_TASK_ID: task.taskId,
    SWARM_TASK_NAME: task.name,
    SWARM_TASK_SLOT: String(task.slot),
    SWARM_SERVICE_ID: task.serviceId,
    SWARM_NODE_ID: options.nodeId,
    ...parseTaskEnv(task.env),
  };
  const command = task.command === ""
    ? (task.args.length > 0 ? { Cmd: [...task.args] } : {})
    : { Entrypoint: [task.command], Cmd: [...task.args] };
  return {
    name: containerName(task),
    image,
    stopSignal,
    stopGracePeriodMs: grace,
    ...(files === undefined ? {} : { files }),
    create: {
      Image: image,
      ...command,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      ...(task.dir ? { WorkingDir: task.dir } : {}),
      ...(task.user ? { User: task.user } : {}),
      ...(task.hostname ? { Hostname: task.hostname } : {}),
      Labels: {
        ...task.labels,
        [DOCKER_LABELS.taskId]: task.taskId,
        [DOCKER_LABELS.taskName]: task.name,
        [DOCKER_LABELS.taskSlot]: String(task.slot),
        [DOCKER_LABELS.serviceId]: task.serviceId,
        [DOCKER_LABELS.nodeId]: options.nodeId,
        [DOCKER_LABELS.stopGracePeriodMs]: String(grace),
      },
      StopSignal: stopSignal,
      StopTimeout: Math.ceil(grace / 1000),
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      HostConfig: { NetworkMode: options.networkMode, Init: options.init },
    },
  };
}

/** What the container will execute, once the image's defaults are merged in. */
export interface EffectiveCommand {
  /** The full command line; empty when neither the task nor the image gives one. */
  readonly argv: readonly string[];
  /** The `PATH` the command is looked up in. */
  readonly path: string;
  /** The working directory relative commands resolve against. */
  readonly cwd: string;
}

/**
 * The command line Docker will run for `create` on `image`: an entrypoint given at create time
 * drops the image's CMD; otherwise the image's entrypoint stays and `Cmd` (or the image's)
 * follows it.
 */
export function effectiveCommand(
  create: ContainerCreateOptions,
  image: ImageInfo,
): EffectiveCommand {
  const argv = create.Entrypoint !== undefined
    ? [...create.Entrypoint, ...(create.Cmd ?? [])]
    : [...image.entrypoint, ...(create.Cmd ?? image.cmd)];
  const path = envValue(create.Env, "PATH") ?? envValue(image.env, "PATH") ?? DEFAULT_PATH;
  const cwd = create.WorkingDir || image.workingDir || "/";
  return { argv, path, cwd };
}

function envValue(env: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (const entry of env) if (entry.startsWith(`${name}=`)) value = entry.slice(name.length + 1);
  return value;
}
