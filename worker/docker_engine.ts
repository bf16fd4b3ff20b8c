/**
 * The part of the Docker Engine API the Docker executor uses, as a small typed interface. The
 * executor and its controllers see only {@linkcode DockerEngine}; `dockerode_engine.ts` implements
 * it with dockerode, so the rest of the executor never touches dockerode's untyped objects.
 *
 * Field names are the executor's, not the API's (`status`, not `State.Status`), except in
 * {@linkcode ContainerCreateOptions}, which is the API's create body as it is sent.
 *
 * @module
 */

import { ExecutorError, TemporaryError } from "./executor.ts";

/** What the engine says about itself (`GET /info`). */
export interface EngineInfo {
  /** CPUs the engine's host has. */
  readonly ncpu: number;
  /** Memory of the engine's host, in bytes. */
  readonly memTotal: number;
  /** `"linux"`. */
  readonly osType: string;
  /** `"x86_64"`. */
  readonly architecture: string;
  /** The engine host's name. */
  readonly name: string;
  readonly serverVersion: string;
}

/** The parts of an image's configuration that decide what a container runs. */
export interface ImageInfo {
  readonly id: string;
  /** `KEY=VALUE` entries. */
  readonly env: readonly string[];
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** Empty when the image sets none. */
  readonly workingDir: string;
}

/** The container create body (`POST /containers/create`), in the API's own field names. */
export interface ContainerCreateOptions {
  readonly Image: string;
  /** Replaces the image's entrypoint when given. */
  readonly Entrypoint?: readonly string[];
  /** Replaces the image's command when given. */
  readonly Cmd?: readonly string[];
  /** `KEY=VALUE` entries, merged over the image's. */
  readonly Env: readonly string[];
  readonly WorkingDir?: string;
  readonly User?: string;
  readonly Hostname?: string;
  readonly Labels: Readonly<Record<string, string>>;
  readonly StopSignal: string;
  /** Seconds `docker stop` waits before SIGKILL (the executor waits milliseconds itself). */
  readonly StopTimeout: number;
  readonly AttachStdin: false;
  readonly AttachStdout: false;
  readonly AttachStderr: false;
  readonly Tty: false;
  readonly OpenStdin: false;
  readonly HostConfig: {
    readonly NetworkMode: string;
    /** Run an init process (docker-init) as PID 1 that forwards signals to the command. */
    readonly Init: boolean;
  };
}

/** The lifecycle status of a container, as the engine names it. */
export type ContainerStatus =
  | "created"
  | "running"
  | "paused"
  | "restarting"
  | "removing"
  | "exited"
  | "dead";

/** A container's identity and state (`GET /containers/{id}/json`). */
export interface ContainerInfo {
  readonly id: string;
  /** Without the leading `/`. */
  readonly name: string;
  readonly status: ContainerStatus;
  readonly running: boolean;
  /** Host pid of the container's first process; 0 when it does not run. */
  readonly pid: number;
  readonly exitCode: number;
  readonly labels: Readonly<Record<string, string>>;
  /** The configured stop signal (`"SIGTERM"` unless the container sets another). */
  readonly stopSignal: string;
}

/** One row of a container listing (`GET /containers/json?all=1`). */
export interface ContainerSummary {
  readonly id: string;
  /** Without the leading `/`. */
  readonly name: string;
  readonly status: ContainerStatus;
  readonly labels: Readonly<Record<string, string>>;
}

/** What the engine says about a path in a container (the `X-Docker-Container-Path-Stat` header). */
export interface PathStat {
  readonly name: string;
  readonly size: number;
  /** Go `os.FileMode` bits: permissions in the low 9 bits, plus type bits. */
  readonly mode: number;
  /** For a symbolic link: the absolute path it resolves to, inside the container. */
  readonly linkTarget: string;
}

/** The Docker Engine API calls the executor makes. */
export interface DockerEngine {
  /** Where the engine is reached, for messages (`unix:///var/run/docker.sock`). */
  readonly endpoint: string;
  info(): Promise<EngineInfo>;
  /** The image, or undefined if the engine does not have it. */
  inspectImage(ref: string): Promise<ImageInfo | undefined>;
  /** Pulls an image; rejects if the pull fails (also when the failure comes mid-stream). */
  pullImage(ref: string): Promise<void>;
  /** Creates a container and resolves with its ID; {@linkcode DockerApiError} 409 on a name clash. */
  createContainer(name: string, options: ContainerCreateOptions): Promise<string>;
  /** The container, or undefined if there is none with that ID or name. */
  inspectContainer(idOrName: string): Promise<ContainerInfo | undefined>;
  startContainer(id: string): Promise<void>;
  /** Sends a signal; resolves false if the container does not run (or does not exist). */
  killContainer(id: string, signal: string): Promise<boolean>;
  /** Resolves with the exit code once the container does not run. */
  waitContainer(id: string): Promise<number>;
  /** Removes a container with its anonymous volumes, killing it if needed; absent is fine. */
  removeContainer(id: string): Promise<void>;
  /** The container's output so far, as the engine's multiplexed stream (see `docker_logs.ts`). */
  containerLogs(id: string): Promise<Uint8Array>;
  /** Information about a path in a container (created or running), or undefined if absent. */
  statPath(id: string, path: string): Promise<PathStat | undefined>;
  /**
   * Extracts a tar archive into a container (created or running) at `path`, which must exist;
   * files keep the archive's mode and owner, missing parent directories are created. A file
   * never replaces a directory (the call fails instead).
   */
  putArchive(id: string, path: string, archive: Uint8Array): Promise<void>;
  /** Every container (any state) that carries all of `labels`. */
  listContainers(labels: Readonly<Record<string, string>>): Promise<ContainerSummary[]>;
}

/** The engine refused a call; `status` is the HTTP status (404, 409, 500…). */
export class DockerApiError extends ExecutorError {
  readonly status: number;
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/**
 * The Docker engine cannot be reached at all (no socket, connection refused). Temporary: a task
 * step that meets it keeps its state and is retried.
 */
export class DockerUnreachableError extends TemporaryError {
  readonly endpoint: string;
  constructor(endpoint: string, detail: string, options?: ErrorOptions) {
    super(
      `Docker engine unreachable at ${endpoint}: ${detail}: start the Docker daemon (dockerd), ` +
        "or point DOCKER_HOST at a running one (unix:///path/to/docker.sock or tcp://HOST:PORT)",
      options,
    );
    this.endpoint = endpoint;
  }
}

/** Whether `error` is a {@linkcode DockerApiError} with one of `statuses`. */
export function isDockerStatus(error: unknown, ...statuses: number[]): error is DockerApiError {
  return error instanceof DockerApiError && statuses.includes(error.status);
}
