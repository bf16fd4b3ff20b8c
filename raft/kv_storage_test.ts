import assert from "node:assert/strict";
import {
  CorruptStorageError,
  crc32,
  KV_CHUNK_BYTES,
  type KvAtomicLike,
  type KvLike,
  KvRaftStorage,
  type KvRaftStorageOptions,
  StorageWriteError,
} from "./kv_storage.ts";
import type { Entry, HardState, Snapshot } from "./types.ts";

const OPTS: KvRaftStorageOptions = { memberId: "m1", clusterId: "c1" };
const CONF = { voters: ["m1", "m2", "m3"], learners: [] };

async function withStore(
  fn: (path: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "kv_storage_test_" });
  try {
    await fn(`${dir}/raft.kv`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Deterministic data for (index, term): small mostly, large (chunked) now and then. */
function dataFor(index: number, term: number): Uint8Array {
  const size = index % 97 === 0 ? 70_000 + (index * 131) % 130_000 : 20 + (index * 31 + term) % 280;
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (index * 7 + term * 13 + i) & 0xff;
  return data;
}

function entry(index: number, term: number): Entry {
  return {
    index,
    term,
    kind: index % 50 === 0 ? "conf-change" : "normal",
    data: dataFor(index, term),
  };
}

function entries(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term));
  return out;
}

function bytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function reopen(path: string): Promise<Awaited<ReturnType<KvRaftStorage["load"]>>> {
  const s = await KvRaftStorage.open(path, OPTS);
  try {
    return await s.load();
  } finally {
    s.close();
  }
}

async function rawKeys(path: string, prefix: Deno.KvKey): Promise<Deno.KvKey[]> {
  const kv = await Deno.openKv(path);
  try {
    const keys: Deno.KvKey[] = [];
    for await (const e of kv.list({ prefix })) keys.push(e.key);
    return keys;
  } finally {
    kv.close();
  }
}

async function mutateRaw(path: string, fn: (kv: Deno.Kv) => Promise<void>): Promise<void> {
  const kv = await Deno.openKv(path);
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

Deno.test("crc32 matches the zlib check value and a bytewise reference", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  const reference = (b: Uint8Array) => {
    let c = 0xffffffff;
    for (const x of b) {
      c ^= x;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return (c ^ 0xffffffff) >>> 0;
  };
  for (let len = 0; len < 40; len++) {
    const b = bytes(len, len + 1);
    assert.equal(crc32(b), reference(b), `length ${len}`);
    assert.equal(crc32(b.subarray(1)), reference(b.subarray(1)), `offset view, length ${len}`);
  }
});

Deno.test("a new store loads empty", async () => {
  await withStore(async (path) => {
    const state = await reopen(path);
    assert.deepEqual(state.hardState, { term: 0, vote: "", commit: 0 });
    assert.deepEqual(state.conf, { voters: [], learners: [] });
    assert.equal(state.snapshot.meta.index, 0);
    assert.equal(state.entries.length, 0);
    assert.equal(state.firstIndex, 1);
    assert.equal(state.lastIndex, 0);
  });
});

Deno.test("entries and hard state round-trip through a reopen", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, OPTS);
    const hs: HardState = { term: 2, vote: "m2", commit: 150 };
    await s.save({ entries: entries(1, 100, 1) });
    await s.save({ entries: entries(101, 200, 2), hardState: hs });
    assert.equal(s.lastIndex, 200);
    s.close();
    const state = await reopen(path);
    assert.deepEqual(state.hardState, hs);
    assert.deepEqual(state.entries, [...entries(1, 100, 1), ...entries(101, 200, 2)]);
    // Entry 97 and 194 are larger than one KV value: they were chunked.
    assert.ok((state.entries[96]?.data.byteLength ?? 0) > KV_CHUNK_BYTES);
  });
});

Deno.test("a conflicting suffix is replaced and its old keys deleted", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, OPTS);
    await s.save({ entries: entries(1, 200, 1), hardState: { term: 1, vote: "", commit: 90 } });
    await s.save({ entries: entries(91, 95, 2), hardState: { term: 2, vote: "m1", commit: 90 } });
    assert.equal(s.lastIndex, 95);
    s.close();
    const state = await reopen(path);
    assert.deepEqual(state.entries, [...entries(1, 90, 1), ...entries(91, 95, 2)]);
    // Records [1..96] (now serving 1..90), [97] (chunked), [98..193], [194], [195..200] were
    // written; the four after the conflict are gone, the first one serves its head.
    assert.deepEqual(await rawKeys(path, ["e"]), [["e", 1, 0], ["e", 91, 0]]);
  });
});

Deno.test("a suffix overwrite with a chunked entry replaces its chunks exactly", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, OPTS);
    await s.save({ entries: entries(90, 100, 1).map((e) => ({ ...e, index: e.index - 89 })) });
    // Index 8 held the (chunked) entry built for index 97; replace it with a small one.
    await s.save({ entries: entries(8, 9, 3), hardState: { term: 3, vote: "", commit: 0 } });
    s.close();
    const state = await reopen(path);
    assert.equal(state.lastIndex, 9);
    assert.deepEqual(state.entries.slice(7), entries(8, 9, 3));
    assert.deepEqual(await rawKeys(path, ["e"]), [["e", 1, 0], ["e", 8, 0]]);
  });
});

Deno.test("a local snapshot and compaction keep the log after the compaction point", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, OPTS);
    await s.save({ entries: entries(1, 300, 1), hardState: { term: 1, vote: "", commit: 300 } });
    const snap: Snapshot = {
      meta: { index: 250, term: 1, conf: { voters: ["m1", "m2"], learners: ["m4"] } },
      data: bytes(5000, 7),
    };
    await s.saveSnapshot(snap);
    await assert.rejects(s.compact(251), RangeError);
    await s.compact(200);
    assert.equal(s.firstIndex, 201);
    await s.compact(100); // below the first index: nothing to do
    s.close();
    const state = await reopen(path);
    assert.deepEqual(state.snapshot, snap);
    assert.deepEqual(state.conf, snap.meta.conf);
    assert.equal(state.firstIndex, 201);
    assert.deepEqual(state.entries, entries(201, 300, 1));
    assert.deepEqual(
      await rawKeys(path, ["e"]),
      [["e", 195, 0], ["e", 291, 0], ["e", 291, 1], ["e", 292, 0]],
      "records wholly below 201 are gone; [195..290] still serves 201..290",
    );
  });
});

Deno.test("compaction is one small commit; later writes delete the compacted keys", async () => {
  await withStore(async (path) => {
    let faulty: FaultyKv | undefined;
    const s = await KvRaftStorage.open(path, {
      ...OPTS,
      openKv: async (p) => (faulty = new FaultyKv(await Deno.openKv(p))),
    });
    const small = (i: number, term = 1): Entry => ({
      index: i,
      term,
      kind: "normal",
      data: bytes(8, i),
    });
    for (let i = 1; i <= 600; i++) await s.save({ entries: [small(i)] }); // 600 records
    await s.save({ entries: [], hardState: { term: 1, vote: "", commit: 600 } });
    await s.saveSnapshot({ meta: { index: 600, term: 1, conf: CONF }, data: bytes(10, 1) });
    const commits = faulty!.commits;
    await s.compact(590);
    assert.equal(faulty!.commits - commits, 1);
    const raw = await Deno.openKv(path);
    const count = async () => {
      let n = 0;
      for await (const _ of raw.list({ prefix: ["e"] })) n++;
      return n;
    };
    assert.equal(await count(), 600 - 256, "the compaction commit itself sweeps 256 keys");
    await s.save({ entries: [small(601)] });
    assert.equal(await count(), 601 - 512, "and so does each write");
    for (let i = 602; i <= 604; i++) await s.save({ entries: [small(i)] });
    assert.equal(await count(), 604 - 590, "only live records are left");
    raw.close();
    s.close();
    const state = await reopen(path);
    assert.equal(state.firstIndex, 591);
    assert.deepEqual(state.entries, Array.from({ length: 14 }, (_, i) => small(591 + i)));
  });
});

Deno.test("a record cut by a conflict keeps serving its head, through several layers", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, OPTS);
    await s.save({ entries: entries(1, 50, 1) });
    await s.save({ entries: entries(30, 35, 2), hardState: { term: 2, vote: "", commit: 0 } });
    await s.save({ entries: entries(36, 40, 2) });
    s.close();
    assert.deepEqual((await reopen(path)).entries, [...entries(1, 29, 1), ...entries(30, 40, 2)]);
    const again = await KvRaftStorage.open(path, OPTS);
    await again.save({ entries: entries(33, 34, 3), hardState: { term: 3, vote: "", commit: 0 } });
    again.close();
    const state = await reopen(path);
    assert.deepEqual(state.entries, [
      ...entries(1, 29, 1),
      ...entries(30, 32, 2),
      ...entries(33, 34, 3),
    ]);
    assert.deepEqual(await rawKeys(path, ["e"]), [["e", 1, 0], ["e", 30, 0], ["e", 33, 0]]);
  });
});

Deno.test("after a snapshot from the leader, the old log never resurfaces", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, OPTS);
    await s.save({ entries: entries(1, 50, 1), hardState: { term: 1, vote: "", commit: 10 } });
    const snap = { meta: { index: 30, term: 2, conf: CONF }, data: bytes(100, 1) };
    await s.save({ snapshot: snap, entries: [], hardState: { term: 2, vote: "", commit: 30 } });
    s.close();
    const state = await reopen(path);
    assert.deepEqual([state.firstIndex, state.lastIndex, state.entries.length], [31, 30, 0]);
    assert.deepEqual(await rawKeys(path, ["e"]), [], "load deleted the wiped record");
    const again = await KvRaftStorage.open(path, OPTS);
    await again.save({ entries: entries(31, 33, 2) });
    again.close();
    assert.deepEqual((await reopen(path)).entries, entries(31, 33, 2));
  });
});

Deno.test("a 1 MiB snapshot from the leader is chunked, replaces the log and round-trips", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, OPTS);
    await s.save({ entries: entries(1, 50, 1), hardState: { term: 1, vote: "", commit: 10 } });
    const snap: Snapshot = {
      meta: { index: 5000, term: 4, conf: { voters: ["m1", "m2", "m3"], learners: [] } },
      data: bytes(1 << 20, 42),
    };
    await s.save({ snapshot: snap, entries: entries(5001, 5003, 4) });
    await s.save({ entries: [], hardState: { term: 4, vote: "", commit: 5002 } });
    s.close();
    const state = await reopen(path);
    assert.deepEqual(state.snapshot, snap);
    assert.equal(state.firstIndex, 5001);
    assert.deepEqual(state.entries, entries(5001, 5003, 4));
    assert.deepEqual(state.hardState, { term: 4, vote: "", commit: 5002 });
    assert.deepEqual(await rawKeys(path, ["e"]), [["e", 5001, 0]]);
    assert.equal((await rawKeys(path, ["s"])).length, Math.ceil((1 << 20) / KV_CHUNK_BYTES));
  });
});

Deno.test("a newer snapshot replaces the older one's chunks", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, OPTS);
    const conf = { voters: ["m1"], learners: [] };
    await s.save({
      snapshot: { meta: { index: 10, term: 1, conf }, data: bytes(200_000, 1) },
      entries: [],
    });
    const second: Snapshot = { meta: { index: 20, term: 2, conf }, data: bytes(70_000, 2) };
    await s.save({ snapshot: second, entries: [] });
    await assert.rejects(s.save({ snapshot: second, entries: [] }), RangeError);
    s.close();
    assert.deepEqual((await reopen(path)).snapshot, second);
    assert.equal((await rawKeys(path, ["s"])).length, 2);
  });
});

Deno.test("a save larger than one KV commit is split and stays consistent", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, OPTS);
    const big = entries(1, 2500, 1); // > 1,000 mutations and > 800 KiB
    await s.save({ entries: big, hardState: { term: 1, vote: "", commit: 2000 } });
    await s.save({
      entries: entries(1001, 1001, 2),
      hardState: { term: 2, vote: "", commit: 1000 },
    });
    s.close();
    const state = await reopen(path);
    assert.deepEqual(state.entries, [...big.slice(0, 1000), entry(1001, 2)]);
    const keys = await rawKeys(path, ["e"]);
    assert.ok(keys.every((k) => (k[1] as number) <= 1001), "no record after the conflict is left");
    assert.deepEqual(keys.at(-1), ["e", 1001, 0]);
  });
});

Deno.test("entries that do not attach to the log are refused", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, OPTS);
    await s.save({ entries: entries(1, 5, 1) });
    await assert.rejects(s.save({ entries: entries(7, 8, 1) }), RangeError);
    await assert.rejects(s.save({ entries: [entry(6, 1), entry(8, 1)] }), RangeError);
    s.close();
  });
});

// ---- corruption ----

async function expectCorrupt(path: string, pattern: RegExp): Promise<void> {
  const e = await KvRaftStorage.open(path, OPTS).then((s) => s.close(), (e: unknown) => e);
  assert.ok(e instanceof CorruptStorageError, `expected CorruptStorageError, got ${e}`);
  assert.equal(e.path, path);
  assert.ok(e.message.includes(path), "the message names the file");
  assert.match(e.problem, pattern);
}

/** Records [1..10], [11..20] … [81..90], [91..96], [97] (2 chunks), [98..100]; a snapshot at 60
 * in 5 chunks. */
async function seeded(path: string): Promise<void> {
  const s = await KvRaftStorage.open(path, OPTS);
  for (let i = 1; i <= 100; i += 10) await s.save({ entries: entries(i, i + 9, 1) });
  await s.save({ entries: [], hardState: { term: 1, vote: "", commit: 100 } });
  await s.saveSnapshot({
    meta: { index: 60, term: 1, conf: CONF },
    data: bytes(300_000, 3),
  });
  s.close();
}

Deno.test("a flipped byte in an entry is detected", async () => {
  await withStore(async (path) => {
    await seeded(path);
    await mutateRaw(path, async (kv) => {
      const got = await kv.get<Uint8Array>(["e", 41, 0]);
      const value = new Uint8Array(got.value!);
      value[value.length - 1] = (value[value.length - 1]! ^ 0x40) & 0xff;
      await kv.set(["e", 41, 0], value);
    });
    await expectCorrupt(path, /chunk 0 of the record at 41 does not match its checksum/);
  });
});

Deno.test("a flipped byte in a snapshot chunk or the meta record is detected", async () => {
  await withStore(async (path) => {
    await seeded(path);
    const [key] = (await rawKeys(path, ["s"])).slice(2);
    await mutateRaw(path, async (kv) => {
      const value = new Uint8Array((await kv.get<Uint8Array>(key!)).value!);
      value[100] = (value[100]! + 1) & 0xff;
      await kv.set(key!, value);
    });
    await expectCorrupt(path, /snapshot chunk 2 of 5 does not match its checksum/);
  });
  await withStore(async (path) => {
    await seeded(path);
    await mutateRaw(path, async (kv) => {
      const value = new Uint8Array((await kv.get<Uint8Array>(["m"])).value!);
      value[20] = (value[20]! + 1) & 0xff;
      await kv.set(["m"], value);
    });
    await expectCorrupt(path, /meta record does not match its checksum/);
  });
});

Deno.test("a deleted snapshot chunk is detected as truncation", async () => {
  await withStore(async (path) => {
    await seeded(path);
    const keys = await rawKeys(path, ["s"]);
    await mutateRaw(path, (kv) => kv.delete(keys[keys.length - 1]!));
    await expectCorrupt(path, /snapshot at index 60 is truncated: 4 of 5 chunks/);
  });
  await withStore(async (path) => {
    await seeded(path);
    const keys = await rawKeys(path, ["s"]);
    await mutateRaw(path, (kv) => kv.delete(keys[1]!));
    await expectCorrupt(path, /snapshot chunk 1 of 5 is missing/);
  });
});

Deno.test("a gap, a lost tail and a lost entry chunk are detected", async () => {
  await withStore(async (path) => {
    await seeded(path);
    await mutateRaw(path, (kv) => kv.delete(["e", 41, 0]));
    await expectCorrupt(path, /entries 41..50 are missing \(the log jumps from 40 to 51\)/);
  });
  await withStore(async (path) => {
    await seeded(path);
    await mutateRaw(path, (kv) => kv.delete(["e", 98, 0]));
    await expectCorrupt(path, /log ends at 97 but the meta record says it ends at 100/);
  });
  await withStore(async (path) => {
    await seeded(path);
    await mutateRaw(path, (kv) => kv.delete(["e", 97, 1]));
    await expectCorrupt(path, /record of entries 97..97 is truncated: 1 of 2 chunks present/);
  });
  await withStore(async (path) => {
    await seeded(path);
    await mutateRaw(path, (kv) => kv.delete(["e", 1, 0]));
    await expectCorrupt(path, /entries 1..10 are missing/);
  });
});

Deno.test("a value moved to another key is detected", async () => {
  await withStore(async (path) => {
    await seeded(path);
    await mutateRaw(path, async (kv) => {
      await kv.set(["e", 31, 0], (await kv.get(["e", 41, 0])).value);
    });
    await expectCorrupt(path, /chunk 0 of the record at 31 holds chunk 0 of the record at 41/);
  });
});

Deno.test("a store of another member, another cluster or format is refused", async () => {
  await withStore(async (path) => {
    await seeded(path);
    await assert.rejects(
      KvRaftStorage.open(path, { ...OPTS, memberId: "m2" }),
      (e: unknown) =>
        e instanceof CorruptStorageError &&
        /belongs to member m1 of cluster c1, not to member m2 of cluster c1/.test(e.message),
    );
    await assert.rejects(
      KvRaftStorage.open(path, { ...OPTS, clusterId: "other" }),
      CorruptStorageError,
    );
  });
  await withStore(async (path) => {
    await seeded(path);
    await mutateRaw(path, async (kv) => {
      const value = new Uint8Array((await kv.get<Uint8Array>(["m"])).value!);
      const meta = JSON.parse(new TextDecoder().decode(value.subarray(8)));
      const json = new TextEncoder().encode(JSON.stringify({ ...meta, format: 2 }));
      const next = new Uint8Array(8 + json.byteLength);
      next.set(value.subarray(0, 8));
      next.set(json, 8);
      new DataView(next.buffer).setUint32(0, crc32(next.subarray(4)), true);
      await kv.set(["m"], next);
    });
    await expectCorrupt(path, /format version 2 is not supported/);
  });
  await withStore(async (path) => {
    await mutateRaw(path, (kv) => kv.set(["e", 1, 0], new Uint8Array(40)).then(() => {}));
    await expectCorrupt(path, /meta record is missing but data is present/);
  });
});

// ---- write failures ----

/** Wraps a Deno.Kv and makes commits throw while `failing` is set (a full disk). */
class FaultyKv implements KvLike {
  failing = false;
  commits = 0;
  constructor(private readonly kv: Deno.Kv) {}
  get(key: Deno.KvKey) {
    return this.kv.get(key);
  }
  list(selector: Deno.KvListSelector, options?: Deno.KvListOptions) {
    return this.kv.list(selector, options);
  }
  atomic(): KvAtomicLike {
    const op = this.kv.atomic();
    const wrapper: KvAtomicLike = {
      check: (...c) => (op.check(...c), wrapper),
      set: (k, v) => (op.set(k, v), wrapper),
      delete: (k) => (op.delete(k), wrapper),
      commit: () => {
        this.commits++;
        if (this.failing) return Promise.reject(new Error("database or disk is full"));
        return op.commit();
      },
    };
    return wrapper;
  }
  close() {
    this.kv.close();
  }
}

Deno.test("a failed write surfaces as StorageWriteError and fences every later write", async () => {
  await withStore(async (path) => {
    let faulty: FaultyKv | undefined;
    const s = await KvRaftStorage.open(path, {
      ...OPTS,
      openKv: async (p) => (faulty = new FaultyKv(await Deno.openKv(p))),
    });
    await s.save({ entries: entries(1, 10, 1), hardState: { term: 1, vote: "", commit: 5 } });
    faulty!.failing = true;
    const err = await s.save({ entries: entries(11, 20, 1) }).catch((e) => e);
    assert.ok(err instanceof StorageWriteError);
    assert.match(err.message, /disk is full/);
    faulty!.failing = false;
    await assert.rejects(s.save({ entries: entries(11, 20, 1) }), /an earlier write failed/);
    s.close();
    const state = await reopen(path);
    assert.equal(state.lastIndex, 10);
    assert.deepEqual(state.hardState, { term: 1, vote: "", commit: 5 });
  });
});

Deno.test("a second writer on the same file is detected", async () => {
  await withStore(async (path) => {
    const a = await KvRaftStorage.open(path, OPTS);
    const b = await KvRaftStorage.open(path, OPTS);
    await a.save({ entries: entries(1, 3, 1) });
    await assert.rejects(b.save({ entries: entries(1, 3, 2) }), /another process changed/);
    a.close();
    b.close();
  });
});

// ---- kill -9 ----

type KillStep =
  | {
    readonly kind: "save";
    readonly from: number;
    readonly to: number;
    readonly term: number;
    readonly hs: HardState;
  }
  | { readonly kind: "snapshot"; readonly index: number; readonly term: number }
  | { readonly kind: "compact"; readonly index: number };

interface KillState {
  first: number;
  last: number;
  terms: number[];
  snapIndex: number;
  hs: HardState;
}

/** The writer's deterministic script: appends, conflicting overwrites, snapshots, compactions. */
class KillScript {
  state: KillState = {
    first: 1,
    last: 0,
    terms: [],
    snapIndex: 0,
    hs: { term: 1, vote: "", commit: 0 },
  };
  #x: number;
  constructor(seed: number) {
    this.#x = seed >>> 0 || 1;
  }
  #rand(): number {
    this.#x = (this.#x + 0x6d2b79f5) >>> 0;
    let t = this.#x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  next(): KillStep {
    const s = this.state;
    const r = this.#rand();
    let step: KillStep;
    if (r < 0.04 && s.hs.commit > s.snapIndex) {
      step = { kind: "snapshot", index: s.hs.commit, term: s.terms[s.hs.commit]! };
      s.snapIndex = step.index;
    } else if (r < 0.08 && s.snapIndex - 10 >= s.first) {
      step = { kind: "compact", index: s.snapIndex - 10 };
      s.first = step.index + 1;
    } else {
      let from = s.last + 1;
      let term = s.hs.term;
      if (r < 0.2 && s.last > s.hs.commit) {
        from = s.hs.commit + 1 + Math.floor(this.#rand() * (s.last - s.hs.commit));
        term++;
      }
      const n = this.#rand() < 0.03 ? 1200 : 1 + Math.floor(this.#rand() * 40);
      const to = from + n - 1;
      for (let i = from; i <= to; i++) s.terms[i] = term;
      s.terms.length = to + 1;
      s.last = to;
      step = {
        kind: "save",
        from,
        to,
        term,
        hs: { term, vote: "", commit: Math.max(s.hs.commit, to - 8) },
      };
      s.hs = step.hs;
    }
    return step;
  }
  clone(): KillState {
    return { ...this.state, terms: [...this.state.terms] };
  }
}

async function runKillChild(path: string, seed: number): Promise<void> {
  const script = new KillScript(seed);
  const s = await KvRaftStorage.open(path, OPTS);
  const out = Deno.stdout;
  const enc = new TextEncoder();
  for (let step = 1;; step++) {
    const st = script.next();
    if (st.kind === "save") {
      await s.save({ entries: entries(st.from, st.to, st.term), hardState: st.hs });
    } else if (st.kind === "snapshot") {
      const snap = {
        meta: { index: st.index, term: st.term, conf: CONF },
        data: bytes(100_000 + st.index % 1000, st.index),
      };
      await s.saveSnapshot(snap);
    } else {
      await s.compact(st.index);
    }
    await out.write(enc.encode(`ack ${step}\n`));
  }
}

function matches(
  got: Awaited<ReturnType<KvRaftStorage["load"]>>,
  want: KillState,
  partialOf?: KillState,
): boolean {
  if (got.firstIndex !== want.first || got.snapshot.meta.index !== want.snapIndex) return false;
  if (partialOf === undefined) {
    if (got.lastIndex !== want.last) return false;
    if (JSON.stringify(got.hardState) !== JSON.stringify(want.hs)) return false;
  } else {
    // A multi-commit save cut short: a prefix of the new log at least as long as the common part.
    let common = partialOf.first - 1;
    while (
      common < Math.min(partialOf.last, want.last) &&
      partialOf.terms[common + 1] === want.terms[common + 1]
    ) {
      common++;
    }
    if (got.lastIndex < common || got.lastIndex > want.last) return false;
    if (got.hardState.commit > got.lastIndex) return false;
  }
  return got.entries.every((e) => e.term === want.terms[e.index]);
}

Deno.test({
  name: "kill -9 while writing: the log reopens consistent with every acknowledged write",
  sanitizeResources: false,
  async fn() {
    const seeds = (Deno.env.get("KV_KILL_SEEDS") ?? "11,12,13").split(",").map(Number);
    for (const seed of seeds) {
      await withStore(async (path) => {
        const child = new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--unstable-kv",
            "--allow-read",
            "--allow-write",
            new URL(import.meta.url).pathname,
            "kill-child",
            path,
            String(seed),
          ],
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        let acked = 0;
        let text = "";
        const reader = (async () => {
          const dec = new TextDecoder();
          for await (const chunk of child.stdout) {
            text += dec.decode(chunk, { stream: true });
            const lines = text.split("\n");
            text = lines.pop() ?? "";
            for (const line of lines) if (line.startsWith("ack ")) acked = Number(line.slice(4));
          }
        })();
        while (acked < 5) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 200 + ((seed * 7919) % 1000)));
        child.kill("SIGKILL");
        const status = await child.status;
        await reader;
        await child.stderr.cancel();
        assert.equal(status.signal, "SIGKILL");
        const script = new KillScript(seed);
        for (let i = 0; i < acked; i++) script.next();
        const before = script.clone();
        const step = script.next();
        const after = script.clone();
        const got = await reopen(path);
        for (const e of got.entries) assert.deepEqual(e, entry(e.index, e.term));
        if (Deno.env.get("KV_KILL_DEBUG")) {
          console.log(seed, acked, step.kind, matches(got, before), matches(got, after));
        }
        const ok = matches(got, before) || matches(got, after) ||
          (step.kind === "save" && matches(got, after, before));
        assert.ok(
          ok,
          `seed ${seed}: after ack ${acked} (then ${step.kind}) the store holds ` +
            `${got.firstIndex}..${got.lastIndex} snap ${got.snapshot.meta.index} ` +
            `hs ${JSON.stringify(got.hardState)}; expected ${before.first}..${before.last} ` +
            `or ${after.first}..${after.last}`,
        );
        assert.ok(acked > 5, "the child made progress");
      });
    }
  },
});

if (import.meta.main && Deno.args[0] === "kill-child") {
  await runKillChild(Deno.args[1]!, Number(Deno.args[2]));
}
