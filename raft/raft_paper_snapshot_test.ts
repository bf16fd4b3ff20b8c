/** Raft paper §7 (log compaction): snapshots, sent in chunks to followers that fell behind. */
import assert from "node:assert/strict";
import { str, TestCluster, text } from "./_testing.ts";
import { newMessage } from "./message.ts";
import type { Message } from "./types.ts";

/** Snapshots `id` at its applied index (the data: what it applied) and compacts its log. */
function snapshotAndCompact(c: TestCluster, id: string): number {
  const m = c.get(id);
  const index = m.core.status().applied;
  const data = text(JSON.stringify(c.appliedData(id)));
  m.storage.createSnapshot(index, m.conf, data);
  m.storage.compact(index);
  return index;
}

function behindCluster(chunkSize: number): { c: TestCluster; snapIndex: number } {
  const c = new TestCluster(["a", "b", "c"], { snapshotChunkSize: chunkSize });
  c.elect("a");
  c.isolate("c");
  for (let i = 0; i < 20; i++) c.core("a").propose(text(`v${i}`));
  c.stabilize();
  const snapIndex = snapshotAndCompact(c, "a");
  c.heal();
  return { c, snapIndex };
}

const isChunk = (m: Message) => m.type === "snapshot" && m.to === "c";

/** Runs the cluster (holding chunks back) until the leader sends snapshot chunks; takes them. */
function takeChunks(c: TestCluster): Message[] {
  for (let t = 0; t < 30; t++) {
    c.core("a").tick();
    for (let r = 0; r < 10; r++) {
      c.deliver((m) => !isChunk(m));
      const chunks = c.queue.filter(isChunk);
      if (chunks.length > 0) {
        c.queue = c.queue.filter((m) => !isChunk(m));
        return chunks;
      }
    }
  }
  throw new Error("no snapshot was sent");
}

Deno.test("§7 snapshots: a follower behind the first index gets the snapshot in chunks", () => {
  const { c, snapIndex } = behindCluster(16);
  const before = c.sent.length;
  c.tick(["a"], 2);
  const chunks = c.sent.slice(before).filter(isChunk);
  const size = c.get("a").storage.snapshot().data.length;
  assert.equal(chunks.length, Math.ceil(size / 16));
  assert.ok(chunks.every((m) => m.snapshotChunk?.meta.index === snapIndex));
  const got = c.get("c").snapshots;
  assert.equal(got.length, 1, "the snapshot appeared in a Ready");
  assert.equal(got[0]?.meta.index, snapIndex);
  assert.deepEqual(JSON.parse(str(got[0]!.data)).length, 20);
  assert.equal(c.get("c").storage.snapshot().meta.index, snapIndex);
  c.core("a").propose(text("after"));
  c.stabilize();
  assert.deepEqual(c.appliedData("c"), ["after"], "replication resumed after the snapshot");
  assert.equal(c.core("c").status().commit, c.core("a").status().commit);
});

Deno.test("§7 snapshots: chunks arriving out of order and twice are reassembled", () => {
  const { c, snapIndex } = behindCluster(8);
  const chunks = takeChunks(c);
  assert.ok(chunks.length > 3);
  for (const m of [...chunks].reverse()) c.core("c").step(m);
  for (const m of chunks.slice(0, 3)) c.core("c").step(m);
  c.stabilize();
  assert.equal(c.get("c").snapshots[0]?.meta.index, snapIndex);
  assert.equal(c.core("c").status().commit, c.core("a").status().commit);
});

Deno.test("§7 snapshots: a transfer that loses a chunk is sent again after an election timeout", () => {
  const { c, snapIndex } = behindCluster(16);
  const chunks = takeChunks(c);
  for (const m of chunks.slice(1)) c.core("c").step(m); // the first chunk is lost
  c.stabilize();
  assert.equal(c.get("c").snapshots.length, 0);
  let ticks = 0;
  while (c.get("c").snapshots.length === 0 && ticks < 30) {
    c.tick(["a"]);
    ticks++;
  }
  assert.ok(ticks >= 9, `resent after ${ticks} ticks, not before an election timeout`);
  assert.equal(c.get("c").snapshots[0]?.meta.index, snapIndex);
});

Deno.test("§7 snapshots: a follower that already has the entries answers with its commit", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  for (let i = 0; i < 5; i++) c.core("a").propose(text(`v${i}`));
  c.stabilize();
  const index = snapshotAndCompact(c, "a");
  const snap = c.get("a").storage.snapshot();
  const b = c.core("b");
  b.step(newMessage({
    type: "snapshot",
    from: "a",
    to: "b",
    term: 2,
    snapshotChunk: {
      meta: snap.meta,
      offset: 0,
      totalSize: snap.data.length,
      data: snap.data,
      last: true,
    },
  }));
  const rd = b.ready();
  assert.equal(rd.snapshot, undefined);
  assert.deepEqual(rd.messages.map((m) => [m.type, m.index]), [["append-resp", index]]);
  b.advance(rd);
});
