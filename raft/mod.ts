/**
 * Raft core (placeholder doc; see below).
 *
 * @module
 */
export * from "./types.ts";
export { newRaftCore, RAFT_DEFAULTS } from "./raw_node.ts";
export { MemoryLogStorage } from "./memory_storage.ts";
export {
  applyChange,
  bootstrapLog,
  decodeConfChange,
  encodeConfChange,
} from "./conf_change.ts";
export { randomInt, seededRandom } from "./rand.ts";
