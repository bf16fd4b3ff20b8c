/**
 * swarm as a library: the pieces the `swarm` binary is built from, one namespace per folder.
 *
 * - `raft`: the pure Raft core, its Deno KV storage, the async shell and the gRPC transport.
 * - `pki`: the cluster CA, node certificates, join tokens, key files and TLS helpers.
 * - `proto`: the gRPC bridge (servers, clients, channels with the reconnect policy).
 * - `worker`: the agent's task runner and the executors.
 * - `Manager`: a manager (Raft member, store, orchestration, dispatcher, control API).
 *
 * @module
 */
export * as raft from "./raft/mod.ts";
export * as pki from "./pki/mod.ts";
export * as proto from "./proto/mod.ts";
export * as worker from "./worker/mod.ts";
export { Manager, type ManagerOptions } from "./manager/manager.ts";
export { VERSION } from "./version.ts";
