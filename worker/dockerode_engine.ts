/**
 * {@linkcode DockerEngine} over dockerode. dockerode ships no types, so its objects are described
 * here by the few members the executor calls, and everything it returns is checked into the
 * engine types. Errors become {@linkcode DockerApiError} (the engine answered with an HTTP error)
 * or {@linkcode DockerUnreachableError} (no answer at all).
 *
 * dockerode is loaded on first use, so a node running the process executor never loads it.
 * Under Deno, reaching the socket needs net permission for `unix:<socket>` plus read and write on
 * the socket file (a node has every permission).
 *
 * @module
 */

import {
  type ContainerCreateOptions,
  type ContainerInfo,
  type ContainerStatus,
  type ContainerSummary,
  DockerApiError,
  type DockerEngine,
  DockerUnreachableError,
  type EngineInfo,
  type ImageInfo,
  isDockerStatus,
  type PathStat,
} from "./docker_engine.ts";
import { Buffer } from "node:buffer";
import type { DockerEndpoint } from "./docker_host.ts";
import { decodePathStat } from "./docker_resolve.ts";

/** A readable stream as dockerode hands it out (Node's `IncomingMessage`). */
interface NodeReadable {
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
  resume(): void;
}

interface DockerodeContainer {
  inspect(): Promise<unknown>;
  start(): Promise<unknown>;
  kill(options: { signal: string }): Promise<unknown>;
  wait(options: { condition: string }): Promise<unknown>;
  remove(options: { force: boolean; v: boolean }): Promise<unknown>;
  logs(options: { stdout: boolean; stderr: boolean; follow: false }): Promise<Uint8Array>;
  infoArchive(options: { path: string }): Promise<NodeReadable>;
  putArchive(
    file: Uint8Array,
    options: { path: string; noOverwriteDirNonDir: boolean },
  ): Promise<unknown>;
}

interface Dockerode {
  readonly modem: {
    followProgress(
      stream: NodeReadable,
      onFinished: (error: unknown, output: readonly unknown[]) => void,
    ): void;
  };
  info(): Promise<unknown>;
  getImage(ref: string): { inspect(): Promise<unknown> };
  pull(ref: string): Promise<NodeReadable>;
  createContainer(options: ContainerCreateOptions & { name: string }): Promise<{ id: string }>;
  getContainer(id: string): DockerodeContainer;
  listContainers(options: { all: boolean; filters: string }): Promise<unknown[]>;
}

type DockerodeConstructor = new (options: Record<string, unknown>) => Dockerode;

/** Options of {@linkcode connectDockerEngine}. */
export interface ConnectOptions {
  /** How long the first call may take before the engine counts as unreachable. @default {10_000} */
  readonly timeoutMs?: number;
}

/**
 * Connects to the engine at `endpoint` and checks that it answers; throws
 * {@linkcode DockerUnreachableError} (saying how to fix it) if it does not.
 */
export async function connectDockerEngine(
  endpoint: DockerEndpoint,
  options: ConnectOptions = {},
): Promise<DockerEngine> {
  const { default: Docker } = await import("dockerode") as { default: DockerodeConstructor };
  const client = new Docker(
    endpoint.kind === "unix"
      ? { socketPath: endpoint.socketPath }
      : { host: endpoint.host, port: endpoint.port, protocol: "http" },
  );
  const engine = new DockerodeEngine(client, endpoint.url);
  const timeoutMs = options.timeoutMs ?? 10_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      engine.info(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new DockerUnreachableError(endpoint.url, `no answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    if (error instanceof DockerUnreachableError) throw error;
    throw new DockerUnreachableError(endpoint.url, describeError(error), { cause: error });
  } finally {
    clearTimeout(timer);
  }
  return engine;
}

/** {@linkcode DockerEngine} over a dockerode client. */
class DockerodeEngine implements DockerEngine {
  readonly endpoint: string;
  readonly #docker: Dockerode;

  constructor(client: Dockerode, endpoint: string) {
    this.#docker = client;
    this.endpoint = endpoint;
  }

  info(): Promise<EngineInfo> {
    return this.#call("reading the engine's info", async () => {
      const raw = record(await this.#docker.info());
      return {
        ncpu: num(raw.NCPU),
        memTotal: num(raw.MemTotal),
        osType: str(raw.OSType),
        architecture: str(raw.Architecture),
        name: str(raw.Name),
        serverVersion: str(raw.ServerVersion),
      };
    });
  }

  inspectImage(ref: string): Promise<ImageInfo | undefined> {
    return this.#call(`inspecting image ${ref}`, async () => {
      try {
        const raw = record(await this.#docker.getImage(ref).inspect());
        const config = record(raw.Config);
        return {
          id: str(raw.Id),
          env: strings(config.Env),
          entrypoint: strings(config.Entrypoint),
          cmd: strings(config.Cmd),
          workingDir: str(config.WorkingDir),
        };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    });
  }

  pullImage(ref: string): Promise<void> {
    return this.#call(`pulling image ${ref}`, async () => {
      const stream = await this.#docker.pull(ref);
      const output = await new Promise<readonly unknown[]>((resolve, reject) =>
        this.#docker.modem.followProgress(
          stream,
          (error, out) => error ? reject(error) : resolve(out),
        )
      );
      for (const event of output) {
        const e = record(event);
        if (e.error !== undefined) throw new DockerApiError(500, str(e.error));
      }
    });
  }

  createContainer(name: string, options: ContainerCreateOptions): Promise<string> {
    return this.#call(`creating container ${name}`, async () => {
      const container = await this.#docker.createContainer({ ...options, name });
      return container.id;
    });
  }

  inspectContainer(idOrName: string): Promise<ContainerInfo | undefined> {
    return this.#call(`inspecting container ${idOrName}`, async () => {
      let raw: Record<string, unknown>;
      try {
        raw = record(await this.#docker.getContainer(idOrName).inspect());
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
      const state = record(raw.State);
      const config = record(raw.Config);
      return {
        id: str(raw.Id),
        name: str(raw.Name).replace(/^\//, ""),
        status: status(state.Status),
        running: state.Running === true,
        pid: num(state.Pid),
        exitCode: num(state.ExitCode),
        labels: labels(config.Labels),
        stopSignal: str(config.StopSignal) || "SIGTERM",
      };
    });
  }

  startContainer(id: string): Promise<void> {
    return this.#call(`starting container ${id}`, async () => {
      await this.#docker.getContainer(id).start();
    });
  }

  killContainer(id: string, signal: string): Promise<boolean> {
    return this.#call(`sending ${signal} to container ${id}`, async () => {
      try {
        await this.#docker.getContainer(id).kill({ signal });
        return true;
      } catch (error) {
        // 409: not running; 404: gone.
        if (statusOf(error) === 409 || statusOf(error) === 404) return false;
        throw error;
      }
    });
  }

  waitContainer(id: string): Promise<number> {
    return this.#call(`waiting for container ${id}`, async () => {
      const raw = record(await this.#docker.getContainer(id).wait({ condition: "not-running" }));
      const error = record(raw.Error);
      if (typeof error.Message === "string" && error.Message !== "") {
        throw new DockerApiError(500, error.Message);
      }
      return num(raw.StatusCode);
    });
  }

  removeContainer(id: string): Promise<void> {
    return this.#call(`removing container ${id}`, async () => {
      try {
        await this.#docker.getContainer(id).remove({ force: true, v: true });
      } catch (error) {
        // 404: gone already; 409: a removal is under way.
        if (statusOf(error) === 404) return;
        if (statusOf(error) === 409 && /already in progress/i.test(messageOf(error))) return;
        throw error;
      }
    });
  }

  containerLogs(id: string): Promise<Uint8Array> {
    return this.#call(`reading the logs of container ${id}`, async () => {
      const data = await this.#docker.getContainer(id).logs({
        stdout: true,
        stderr: true,
        follow: false,
      });
      return data instanceof Uint8Array ? data : new Uint8Array();
    });
  }

  statPath(id: string, path: string): Promise<PathStat | undefined> {
    return this.#call(`examining ${path} in container ${id}`, async () => {
      let res: NodeReadable;
      try {
        res = await this.#docker.getContainer(id).infoArchive({ path });
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
      res.resume(); // a HEAD answer has no body: let the connection go
      const header = res.headers?.["x-docker-container-path-stat"];
      if (typeof header !== "string") {
        throw new DockerApiError(500, `No path stat in the engine's answer for ${path}`);
      }
      return decodePathStat(header);
    });
  }

  putArchive(id: string, path: string, archive: Uint8Array): Promise<void> {
    return this.#call(`copying files into container ${id}`, async () => {
      // docker-modem sends a Buffer with its length; a plain Uint8Array is not one.
      const body = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
      // Never let a file replace a directory of the image (e.g. a target of /bin).
      const res = await this.#docker.getContainer(id).putArchive(body, {
        path,
        noOverwriteDirNonDir: true,
      });
      (res as Partial<NodeReadable> | undefined)?.resume?.();
    });
  }

  listContainers(wanted: Readonly<Record<string, string>>): Promise<ContainerSummary[]> {
    return this.#call("listing containers", async () => {
      const label = Object.entries(wanted).map(([k, v]) => `${k}=${v}`);
      const rows = await this.#docker.listContainers({
        all: true,
        filters: JSON.stringify({ label }),
      });
      return rows.map((row) => {
        const r = record(row);
        return {
          id: str(r.Id),
          name: strings(r.Names)[0]?.replace(/^\//, "") ?? "",
          status: status(r.State),
          labels: labels(r.Labels),
        };
      });
    });
  }

  /** Runs a call, turning dockerode's errors into the engine's error types. */
  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof DockerApiError || error instanceof DockerUnreachableError) throw error;
      const code = statusOf(error);
      if (code !== undefined) {
        throw new DockerApiError(code, `Docker engine error ${what}: ${messageOf(error)}`, {
          cause: error,
        });
      }
      throw new DockerUnreachableError(this.endpoint, `${what}: ${describeError(error)}`, {
        cause: error,
      });
    }
  }
}

/** The HTTP status of a dockerode error, if the engine answered. */
function statusOf(error: unknown): number | undefined {
  if (isDockerStatus(error)) return error.status;
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === "number" ? code : undefined;
}

/** The engine's own message for a dockerode error (`json.message`), else the error's. */
function messageOf(error: unknown): string {
  const json = (error as { json?: unknown } | null)?.json;
  const message = record(json).message;
  if (typeof message === "string" && message !== "") return message.trim();
  if (typeof json === "string" && json.trim() !== "") return json.trim();
  const text = error instanceof Error ? error.message : String(error);
  // dockerode's own wording: "(HTTP code 500) server error - <the engine's message> ".
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, "").trim();
}

/** A connection failure in words. */
function describeError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case "ENOENT":
      return `no socket there (${message})`;
    case "ECONNREFUSED":
      return `connection refused (${message})`;
    case "EACCES":
      return `permission denied (${message}): run the node as a user allowed to use the socket`;
  }
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return `${message}: the node needs net permission for the socket (unix:PATH) and read/write on it`;
  }
  return message;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? value as Record<string, unknown> : {};
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function num(value: unknown): number {
  return typeof value === "number" ? value : 0;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function labels(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(value))) if (typeof v === "string") out[k] = v;
  return out;
}

const STATUSES: readonly ContainerStatus[] = [
  "created",
  "running",
  "paused",
  "restarting",
  "removing",
  "exited",
  "dead",
];

function status(value: unknown): ContainerStatus {
  return STATUSES.find((s) => s === value) ?? "dead";
}
