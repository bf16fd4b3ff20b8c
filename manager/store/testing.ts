/**
 * Test utilities: a store whose proposals apply at once, in order, as a single-member Raft would.
 * Production wires the store to `raft/` instead.
 *
 * @module
 */
import { MemoryStore } from "./memory_store.ts";

/** A store whose writes apply immediately with increasing indexes. */
export function newTestStore(options: { now?: () => Date } = {}): MemoryStore {
  let index = 0n;
  let request = 0;
  const store: MemoryStore = new MemoryStore({
    proposer: {
      propose(data) {
        store.apply(data, ++index);
        return Promise.resolve();
      },
    },
    now: options.now ?? (() => new Date(0)),
    newRequestId: () => `req-${++request}`,
  });
  return store;
}
