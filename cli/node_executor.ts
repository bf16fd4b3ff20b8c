/**
 * The executor a node runs its tasks with, chosen by `swarm init|join --executor process|docker`:
 *
 * - `process` (the default): tasks are local processes (`worker/process_executor.ts`).
 * - `docker`: tasks are containers on the Docker engine at `DOCKER_HOST`, else
 *   `/var/run/docker.sock` (`worker/docker_executor.ts`).
 *
 * {@linkcode openNodeExecutor} is called before the node creates or resumes anything, so an engine
 * that does not answer is a clear error at start ({@linkcode NodeExecutorError}); it hands back a
 * factory that builds the executor once the node knows its ID. Both executors offer the node the
 * same two lifecycle calls: `reapOrphans` on start (stop what a killed previous run left) and
 * `shutdownAll` on a graceful stop (stop every task).
 *
 * @module
 */

import type { Executor } from "../worker/executor.ts";
import { errorMessage } from "../worker/executor.ts";
import { ProcessExecutor } from "../worker/process_executor.ts";
import { DockerExecutor } from "../worker/docker_executor.ts";
import type { DockerEngine } from "../worker/docker_engine.ts";
import { parseDockerHost } from "../worker/docker_host.ts";
import { connectDockerEngine } from "../worker/dockerode_engine.ts";

/** The executors a node can run. */
export const EXECUTOR_KINDS = ["process", "docker"] as const;

/** One of {@linkcode EXECUTOR_KINDS}. */
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];

/** Whether `value` names an executor. */
export function isExecutorKind(value: string): value is ExecutorKind {
  return (EXECUTOR_KINDS as readonly string[]).includes(value);
}

/** The `--executor` flag's value, or a message for a usage error. */
export function parseExecutorFlag(value: string | undefined): ExecutorKind | { error: string } {
  const kind = value ?? "process";
  if (isExecutorKind(kind)) return kind;
  return { error: `--executor must be one of ${EXECUTOR_KINDS.join(", ")}, got "${kind}"` };
}

/** An executor with the calls a node makes on start and on a graceful stop. */
export interface NodeExecutor {
  readonly kind: ExecutorKind;
  readonly executor: Executor;
  /** Stops what a killed previous run of the node left; resolves with those tasks' IDs. */
  reapOrphans(): Promise<string[]>;
  /** Stops every task (stop signal, grace period, kill); resolves with their IDs. */
  shutdownAll(): Promise<string[]>;
}

/** What a node knows once its identity is settled. */
export interface NodeExecutorIdentity {
  /** The executor's own directory (`<state-dir>/tasks`). */
  readonly stateDir: string;
  readonly nodeId: string;
  readonly hostname: string;
}

/** Builds the node's executor once its identity is known. */
export type NodeExecutorFactory = (identity: NodeExecutorIdentity) => NodeExecutor;

/** The executor cannot be used (e.g. no Docker engine answers); the message says what to do. */
export class NodeExecutorError extends Error {
  override readonly name = "NodeExecutorError";
}

/** The process executor, the default: tasks are local processes. */
export const processNodeExecutor: NodeExecutorFactory = (id) => {
  const executor = new ProcessExecutor({
    stateDir: id.stateDir,
    nodeId: id.nodeId,
    hostname: id.hostname,
  });
  return {
    kind: "process",
    executor,
    reapOrphans: () => executor.reapOrphans(),
    shutdownAll: () => executor.shutdownAll(),
  };
};

/** Options of {@linkcode openNodeExecutor}. */
export interface OpenNodeExecutorOptions {
  /** The environment (`DOCKER_HOST`, `DOCKER_TLS_VERIFY`). */
  readonly env: (name: string) => string | undefined;
  /** How long the Docker engine may take to answer. @default {10_000} */
  readonly timeoutMs?: number;
}

/**
 * Checks that the executor of `kind` can run here (for `docker`: the engine answers) and returns
 * the factory of the node's executor. Throws {@linkcode NodeExecutorError}.
 */
export async function openNodeExecutor(
  kind: ExecutorKind,
  options: OpenNodeExecutorOptions,
): Promise<NodeExecutorFactory> {
  if (kind === "process") return processNodeExecutor;
  let engine: DockerEngine;
  try {
    const endpoint = parseDockerHost(options.env("DOCKER_HOST"), options.env("DOCKER_TLS_VERIFY"));
    engine = await connectDockerEngine(
      endpoint,
      options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {},
    );
  } catch (error) {
    throw new NodeExecutorError(
      `--executor docker cannot be used: ${errorMessage(error)}; or run the node with ` +
        "--executor process",
      { cause: error },
    );
  }
  return (id) => {
    const executor = new DockerExecutor({ engine, nodeId: id.nodeId, hostname: id.hostname });
    return {
      kind,
      executor,
      reapOrphans: () => executor.reapOrphans(),
      shutdownAll: () => executor.shutdownAll(),
    };
  };
}
