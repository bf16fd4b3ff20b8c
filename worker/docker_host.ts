/**
 * Where the Docker executor reaches the engine: `DOCKER_HOST` as the Docker CLI reads it
 * (`unix:///path/to/docker.sock` or `tcp://HOST:PORT`), else the default socket
 * `/var/run/docker.sock`. TLS to a TCP engine (`DOCKER_TLS_VERIFY`) and `ssh://` are not supported:
 * they are refused with a message saying so, instead of being silently ignored.
 *
 * @module
 */

import { ExecutorError } from "./executor.ts";

/** The engine's socket when `DOCKER_HOST` is not set. */
export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** A way to reach a Docker engine. */
export type DockerEndpoint =
  | {
    readonly kind: "unix";
    readonly socketPath: string;
    /** `unix:///var/run/docker.sock`, for messages. */
    readonly url: string;
  }
  | {
    readonly kind: "tcp";
    readonly host: string;
    readonly port: number;
    /** `tcp://HOST:PORT`, for messages. */
    readonly url: string;
  };

/** `DOCKER_HOST` (or `DOCKER_TLS_VERIFY`) names an endpoint the executor cannot use. */
export class DockerHostError extends ExecutorError {}

/**
 * The endpoint `DOCKER_HOST` names (`host`), or the default socket when it is unset or empty.
 * Throws {@linkcode DockerHostError} for anything else, with the forms that work.
 */
export function parseDockerHost(
  host: string | undefined,
  tlsVerify: string | undefined = undefined,
): DockerEndpoint {
  const value = host?.trim() ?? "";
  if (value === "") return unix(DEFAULT_DOCKER_SOCKET);
  if (value.startsWith("unix://")) {
    const path = value.slice("unix://".length);
    if (!path.startsWith("/")) {
      throw new DockerHostError(
        `Invalid DOCKER_HOST ${JSON.stringify(value)}: a unix socket needs an absolute path, ` +
          "e.g. unix:///var/run/docker.sock",
      );
    }
    return unix(path);
  }
  if (value.startsWith("tcp://") || value.startsWith("http://")) {
    if (tlsVerify !== undefined && tlsVerify !== "" && tlsVerify !== "0") {
      throw new DockerHostError(
        `Unsupported DOCKER_TLS_VERIFY=${tlsVerify}: the Docker executor reaches a TCP engine ` +
          "without TLS only; use a unix socket (unix:///var/run/docker.sock) or unset it",
      );
    }
    const rest = value.slice(value.indexOf("://") + 3).replace(/\/+$/, "");
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:/[\]]+)(?::(\d{1,5}))?$/.exec(rest);
    const port = m?.[2] === undefined ? 2375 : Number(m[2]);
    if (!m || port < 1 || port > 65535) {
      throw new DockerHostError(
        `Invalid DOCKER_HOST ${JSON.stringify(value)}: expected tcp://HOST:PORT, e.g. ` +
          "tcp://127.0.0.1:2375",
      );
    }
    const hostname = m[1]!.replace(/^\[(.*)\]$/, "$1");
    return { kind: "tcp", host: hostname, port, url: `tcp://${m[1]}:${port}` };
  }
  throw new DockerHostError(
    `Unsupported DOCKER_HOST ${JSON.stringify(value)}: use unix:///path/to/docker.sock or ` +
      "tcp://HOST:PORT (ssh:// and npipe:// are not supported)",
  );
}

function unix(socketPath: string): DockerEndpoint {
  return { kind: "unix", socketPath, url: `unix://${socketPath}` };
}
