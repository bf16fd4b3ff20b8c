/**
 * The Docker executor: runs each task as a container on a Docker engine (through dockerode).
 *
 * - Reaching the engine: {@linkcode DockerExecutor.connect} reads `DOCKER_HOST`
 *   (`unix:///path` or `tcp://HOST:PORT`), else `/var/run/docker.sock`, and fails at once with
 *   `DockerUnreachableError` when no engine answers.
 * - `prepare`: the image must be on the engine; a missing one is pulled, and if that fails too the
 *   task is REJECTED with a message naming the image and how to load it. The container is then
 *   created (see `docker_spec.ts` for the mapping and labels) and its command looked up in it
 *   (`docker_resolve.ts`), so a missing executable is REJECTED before anything runs. Last, the
 *   task's secrets and configs are copied in (`docker_files.ts`: `/run/secrets/<target>`, configs
 *   at their target) through the Engine API, before the container ever starts.
 * - Network: every container gets the executor's `networkMode`, `host` by default — tasks reach
 *   and are reached at the node's addresses exactly as the process executor's tasks are, and it
 *   needs no bridge (engines started with `--bridge=none` have none). Use `none` to isolate tasks.
 * - Init: containers run docker-init as PID 1 by default, so the stop signal reaches a command
 *   that installs no handler for it (a `sleep` stops at SIGTERM, as a process-executor task does).
 * - Logs stay with the engine: `docker logs <container>`, or a controller's `logs()`.
 * - Node lifecycle: {@linkcode DockerExecutor.reapOrphans} removes the containers a killed
 *   previous run of this node left (found by the `swarm.node.id` label);
 *   {@linkcode DockerExecutor.shutdownAll} stops (stop signal, grace period, SIGKILL) and removes
 *   every container of this node on a graceful stop.
 *
 * @module
 */

import { type DockerEngine, type ImageInfo, isDockerStatus } from "./docker_engine.ts";
import { DockerController, DockerTaskState, type PreparedContainer } from "./docker_controller.ts";
import { parseDockerHost } from "./docker_host.ts";
import { resolveContainerExecutable } from "./docker_resolve.ts";
import {
  type ContainerPlan,
  containerPlan,
  DOCKER_LABELS,
  effectiveCommand,
} from "./docker_spec.ts";
import { connectDockerEngine } from "./dockerode_engine.ts";
import {
  errorMessage,
  type Executor,
  ExecutorError,
  type LogLine,
  type LogReadOptions,
  type NodeDescriptionInfo,
  type NodeResources,
  TaskRejectedError,
} from "./executor.ts";
import { parseSignal } from "./signals.ts";
import { demuxDockerLogs } from "./docker_logs.ts";
import { pollLogs } from "./log_poll.ts";
import type { TaskRuntime } from "./types.ts";

/** The executor name the Docker executor reports. */
export const DOCKER_EXECUTOR = "docker";

/** The default network mode of task containers. */
export const DEFAULT_DOCKER_NETWORK = "host";

/** Options of a {@linkcode DockerExecutor}. */
export interface DockerExecutorOptions {
  /** The engine to run containers on. */
  readonly engine: DockerEngine;
  /** This node's ID: labels its containers (`swarm.node.id`) and is exported as `SWARM_NODE_ID`. */
  readonly nodeId: string;
  /** Reported hostname. @default the engine host's name */
  readonly hostname?: string;
  /** Network mode of task containers (`host`, `none`, `bridge`, a network). @default {"host"} */
  readonly networkMode?: string;
  /** Run docker-init as each container's PID 1. @default {true} */
  readonly init?: boolean;
  /** Pull an image the engine does not have before rejecting the task. @default {true} */
  readonly pull?: boolean;
  /** Reported resources. @default the engine's CPUs and memory */
  readonly resources?: Partial<NodeResources>;
}

/** Options of {@linkcode DockerExecutor.connect}: those of the executor, minus the engine. */
export interface DockerConnectOptions extends Omit<DockerExecutorOptions, "engine"> {
  /** The engine's address, as `DOCKER_HOST` gives it. @default `/var/run/docker.sock` */
  readonly dockerHost?: string;
  /** `DOCKER_TLS_VERIFY`: set (other than 0), it is refused — TLS is not supported. */
  readonly tlsVerify?: string;
  /** How long the engine may take to answer the first call. @default {10_000} */
  readonly timeoutMs?: number;
}

/** Runs tasks as containers; see the module documentation. */
export class DockerExecutor implements Executor {
  readonly #options: DockerExecutorOptions;
  readonly #engine: DockerEngine;
  readonly #tasks = new Map<string, DockerTaskState>();
  readonly #pulls = new Map<string, Promise<ImageInfo | undefined>>();
  #shuttingDown = false;

  /**
   * Connects to the engine named by `dockerHost` and checks it answers. Throws
   * `DockerUnreachableError` (or `DockerHostError` for an address it cannot use).
   */
  static async connect(options: DockerConnectOptions): Promise<DockerExecutor> {
    const { dockerHost, tlsVerify, timeoutMs, ...rest } = options;
    const endpoint = parseDockerHost(dockerHost, tlsVerify);
    const engine = await connectDockerEngine(
      endpoint,
      timeoutMs === undefined ? {} : { timeoutMs },
    );
    return new DockerExecutor({ ...rest, engine });
  }

  constructor(options: DockerExecutorOptions) {
    if (options.nodeId === "") throw new TypeError("Missing nodeId: the executor labels by it");
    this.#options = options;
    this.#engine = options.engine;
  }

  /** The engine this executor runs containers on. */
  get engine(): DockerEngine {
    return this.#engine;
  }

  async describe(): Promise<NodeDescriptionInfo> {
    const info = await this.#engine.info();
    const r = this.#options.resources ?? {};
    return {
      hostname: this.#options.hostname ?? (info.name || Deno.hostname()),
      platform: {
        os: info.osType || Deno.build.os,
        architecture: info.architecture || Deno.build.arch,
      },
      resources: {
        nanoCPUs: r.nanoCPUs ?? Math.max(1, info.ncpu) * 1e9,
        memoryBytes: r.memoryBytes ?? info.memTotal,
      },
      executor: DOCKER_EXECUTOR,
    };
  }

  /**
   * The task's container's output, from the engine; `follow` re-reads it every second (see
   * `log_poll.ts`). Nothing when the task has no container (not started yet, or removed).
   */
  logs(taskId: string, options: LogReadOptions): AsyncIterable<LogLine> {
    return pollLogs(async () => {
      const [c] = await this.#engine.listContainers({ [DOCKER_LABELS.taskId]: taskId });
      if (c === undefined) return { stdout: "", stderr: "" };
      return demuxDockerLogs(await this.#engine.containerLogs(c.id));
    }, { pollMs: 1_000, ...options });
  }

  controller(task: TaskRuntime): DockerController {
    let state = this.#tasks.get(task.taskId);
    if (state === undefined) {
      state = new DockerTaskState(task);
      this.#tasks.set(task.taskId, state);
    }
    return new DockerController(state, {
      engine: this.#engine,
      prepare: (s) => this.#prepare(s),
      checkStart: (s) => {
        if (this.#shuttingDown) {
          throw new ExecutorError(`Executor shutting down: not starting task ${s.task.taskId}`);
        }
      },
      forget: (s) => {
        if (this.#tasks.get(s.task.taskId) === s) this.#tasks.delete(s.task.taskId);
      },
    });
  }

  /** IDs of the tasks whose container this executor started and saw no exit of. */
  running(): string[] {
    return [...this.#tasks.values()].filter((s) => s.running).map((s) => s.task.taskId);
  }

  /**
   * Graceful node stop: refuses new starts, then stops every container of this node (its stop
   * signal, its grace period, SIGKILL) and removes it. Resolves with the IDs of the tasks whose
   * containers were running.
   */
  async shutdownAll(): Promise<string[]> {
    this.#shuttingDown = true;
    const containers = await this.#engine.listContainers({
      [DOCKER_LABELS.nodeId]: this.#options.nodeId,
    });
    const stopped: string[] = [];
    await Promise.all(containers.map(async (c) => {
      const taskId = c.labels[DOCKER_LABELS.taskId] ?? "";
      const known = this.#tasks.get(taskId);
      if (c.status === "running" || c.status === "paused" || c.status === "restarting") {
        stopped.push(taskId);
      }
      if (known !== undefined) {
        const ctl = this.controller(known.task);
        await ctl.remove();
        return;
      }
      // Not started by this run: stop it the way its labels and configuration say.
      const info = await this.#engine.inspectContainer(c.id);
      if (info === undefined) return;
      const task = taskFromLabels(c.id, c.name, info.labels, info.stopSignal);
      const ctl = this.controller(task);
      this.#tasks.get(task.taskId)!.containerId = c.id;
      await ctl.remove();
    }));
    return stopped.filter((id) => id !== "");
  }

  /**
   * Removes the containers a previous run of this node left behind (it was killed before it
   * could stop them), found by the `swarm.node.id` label; containers of tasks this executor runs
   * now are left alone. Call it on start, before running tasks. Resolves with the IDs of the
   * tasks whose containers were still running.
   */
  async reapOrphans(): Promise<string[]> {
    const containers = await this.#engine.listContainers({
      [DOCKER_LABELS.nodeId]: this.#options.nodeId,
    });
    const reaped: string[] = [];
    for (const c of containers) {
      const taskId = c.labels[DOCKER_LABELS.taskId] ?? "";
      if (this.#tasks.has(taskId)) continue;
      await this.#engine.removeContainer(c.id);
      if (c.status === "running" || c.status === "paused" || c.status === "restarting") {
        if (taskId !== "") reaped.push(taskId);
      }
    }
    return reaped;
  }

  async #prepare(state: DockerTaskState): Promise<PreparedContainer> {
    if (this.#shuttingDown) {
      throw new ExecutorError(`Executor shutting down: not preparing task ${state.task.taskId}`);
    }
    const plan = containerPlan(state.task, {
      nodeId: this.#options.nodeId,
      networkMode: this.#options.networkMode ?? DEFAULT_DOCKER_NETWORK,
      init: this.#options.init ?? true,
    });
    const image = await this.#ensureImage(plan.image);
    const command = effectiveCommand(plan.create, image);
    const argv0 = command.argv[0];
    if (argv0 === undefined || argv0 === "") {
      throw new TaskRejectedError(
        `No command: image ${plan.image} sets no ENTRYPOINT or CMD and the task gives none: ` +
          `give the service one, e.g. swarm service create --image ${plan.image} -- sleep 3600`,
      );
    }
    let id: string;
    try {
      id = await this.#engine.createContainer(plan.name, plan.create);
    } catch (error) {
      if (isDockerStatus(error, 409)) {
        const existing = await this.#engine.inspectContainer(plan.name);
        if (existing?.labels[DOCKER_LABELS.taskId] === state.task.taskId) {
          // An earlier prepare may have stopped before copying the files: copy them (again).
          if (existing.status === "created") await this.#copyFiles(existing.id, plan);
          return { id: existing.id, adopted: true, plan };
        }
        throw new TaskRejectedError(
          `Container name taken: ${plan.name}: another container (${
            existing?.id.slice(0, 12) ?? "unknown"
          }) has it; remove it with docker rm -f ${plan.name}`,
          { cause: error },
        );
      }
      if (isDockerStatus(error, 400, 404)) {
        throw new TaskRejectedError(
          `Creating container ${plan.name} failed: ${errorMessage(error)}`,
          { cause: error },
        );
      }
      throw error;
    }
    try {
      await resolveContainerExecutable(
        argv0,
        { path: command.path, cwd: command.cwd, image: plan.image },
        (path) => this.#engine.statPath(id, path),
      );
      await this.#copyFiles(id, plan);
    } catch (error) {
      await this.#engine.removeContainer(id).catch(() => {});
      throw error;
    }
    return { id, adopted: false, plan };
  }

  /** Puts the task's secrets and configs into its (created) container. */
  async #copyFiles(id: string, plan: ContainerPlan): Promise<void> {
    if (plan.files === undefined) return;
    try {
      await this.#engine.putArchive(id, "/", plan.files);
    } catch (error) {
      if (!isDockerStatus(error, 400, 403, 404, 500)) throw error;
      throw new TaskRejectedError(
        `Cannot put the secrets and configs into container ${plan.name}: ${
          errorMessage(error)
        }: check that their targets are free paths in image ${plan.image}`,
        { cause: error },
      );
    }
  }

  /** The image, pulled if the engine lacks it; rejects the task if it cannot be had. */
  async #ensureImage(ref: string): Promise<ImageInfo> {
    const present = await this.#engine.inspectImage(ref);
    if (present !== undefined) return present;
    let pullError: unknown;
    if (this.#options.pull ?? true) {
      let pulling = this.#pulls.get(ref);
      if (pulling === undefined) {
        pulling = this.#engine.pullImage(ref).then(
          () => this.#engine.inspectImage(ref),
          (error: unknown) => {
            pullError = error;
            return undefined;
          },
        ).finally(() => this.#pulls.delete(ref));
        this.#pulls.set(ref, pulling);
      }
      const pulled = await pulling;
      if (pulled !== undefined) return pulled;
    }
    const why = pullError === undefined
      ? (this.#options.pull ?? true) ? "" : " (pulling is off)"
      : ` and pulling it failed (${firstLine(errorMessage(pullError))})`;
    throw new TaskRejectedError(
      `Image not found: ${ref}: the Docker engine at ${this.#engine.endpoint} does not have it` +
        `${why}: load it on this node (docker load -i IMAGE.tar, or docker import) or make its ` +
        "registry reachable",
      pullError === undefined ? undefined : { cause: pullError },
    );
  }
}

/** A task as a container's labels describe it, enough to stop and remove the container. */
function taskFromLabels(
  containerId: string,
  name: string,
  labels: Readonly<Record<string, string>>,
  stopSignal: string,
): TaskRuntime {
  const grace = Number(labels[DOCKER_LABELS.stopGracePeriodMs]);
  const signal = parseSignal(stopSignal);
  return {
    taskId: labels[DOCKER_LABELS.taskId] || `container-${containerId.slice(0, 12)}`,
    name: labels[DOCKER_LABELS.taskName] || name,
    serviceId: labels[DOCKER_LABELS.serviceId] ?? "",
    slot: Number(labels[DOCKER_LABELS.taskSlot] ?? 0) || 0,
    command: "",
    args: [],
    env: [],
    ...(Number.isFinite(grace) && grace >= 0 ? { stopGracePeriodMs: grace } : {}),
    ...(signal !== undefined ? { stopSignal: signal } : {}),
  };
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.trim();
}
