/**
 * `KvRaftStorage` with encryption at rest: what is stored is sealed, a store opens only with its
 * key-encryption key (a wrong or missing one is refused, never served), the key can be rewrapped
 * (and the previous wrapping dropped), and damaged ciphertext is detected.
 */
import assert from "node:assert/strict";
import {
  CorruptStorageError,
  crc32,
  KvRaftStorage,
  type KvRaftStorageOptions,
  StorageKeyError,
} from "./kv_storage.ts";
import type { Entry, HardState, Snapshot } from "./types.ts";

const KEK1 = new Uint8Array(32).fill(1);
const KEK2 = new Uint8Array(32).fill(2);
const BASE = { memberId: "m1", clusterId: "c1" };
const withKek = (kek: Uint8Array | null): KvRaftStorageOptions => ({
  ...BASE,
  encryption: { kek },
});
const CONF = { voters: ["m1"], learners: [] };
const HS1: HardState = { term: 1, vote: "m1", commit: 0 };
const HS3: HardState = { term: 3, vote: "m1", commit: 20 };
/** Bytes every entry carries, so a plaintext leak is easy to spot in the raw store. */
const MARKER = new TextEncoder().encode("PLAINTEXT-MARKER");

function entry(index: number, term: number, size = 40): Entry {
  const data = new Uint8Array(size);
  data.set(MARKER);
  for (let i = MARKER.length; i < size; i++) data[i] = (index + i) & 0xff;
  return { index, term, kind: index % 10 === 0 ? "conf-change" : "normal", data };
}

function entries(from: number, to: number, term: number, size?: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term, size));
  return out;
}

async function withStore(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "kv_storage_enc_test_" });
  try {
    await fn(`${dir}/raft.kv`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function load(path: string, options: KvRaftStorageOptions) {
  const s = await KvRaftStorage.open(path, options);
  try {
    return { state: await s.load(), encrypted: s.encrypted };
  } finally {
    s.close();
  }
}

async function rawValues(path: string): Promise<[Deno.KvKey, Uint8Array][]> {
  const kv = await Deno.openKv(path);
  try {
    const out: [Deno.KvKey, Uint8Array][] = [];
    for await (const e of kv.list<Uint8Array>({ prefix: [] })) out.push([e.key, e.value]);
    return out;
  } finally {
    kv.close();
  }
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function snapshotData(size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += MARKER.length) data.set(MARKER.subarray(0, size - i), i);
  return data;
}

async function rejectsWith(p: Promise<unknown>, locked: boolean): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StorageKeyError, `want StorageKeyError, got ${e}`);
    assert.equal(e.locked, locked);
    assert.match(e.message, locked ? /none was given: unlock the manager/ : /another unlock key/);
    return true;
  });
}

Deno.test("an encrypted store round-trips entries, hard state and a chunked snapshot", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, withKek(KEK1));
    assert.equal(s.encrypted, true);
    const hs: HardState = { term: 2, vote: "m1", commit: 60 };
    await s.save({ entries: entries(1, 40, 1) });
    await s.save({ entries: [...entries(41, 59, 2), entry(60, 2, 100_000)], hardState: hs });
    const snap: Snapshot = {
      meta: { index: 50, term: 2, conf: CONF },
      data: snapshotData(300_000),
    };
    await s.saveSnapshot(snap);
    await s.compact(45);
    s.close();

    const { state, encrypted } = await load(path, withKek(KEK1));
    assert.equal(encrypted, true);
    assert.deepEqual(state.hardState, hs);
    assert.deepEqual(state.entries, [...entries(46, 59, 2), entry(60, 2, 100_000)]);
    assert.deepEqual(state.snapshot, snap);
    for (const [key, value] of await rawValues(path)) {
      assert.ok(!contains(value, MARKER), `plaintext under ${JSON.stringify(key)}`);
    }
  });
});

Deno.test("a snapshot from the leader is stored sealed and replaces the log", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, withKek(KEK1));
    await s.save({ entries: entries(1, 10, 1), hardState: HS1 });
    const snap: Snapshot = { meta: { index: 20, term: 3, conf: CONF }, data: snapshotData(1000) };
    await s.save({ snapshot: snap, entries: entries(21, 22, 3), hardState: HS3 });
    s.close();
    const { state } = await load(path, withKek(KEK1));
    assert.deepEqual(state.snapshot, snap);
    assert.deepEqual(state.entries, entries(21, 22, 3));
  });
});

Deno.test("an encrypted store is refused without its key or with another one", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, withKek(KEK1));
    await s.save({ entries: entries(1, 5, 1), hardState: HS1 });
    s.close();
    await rejectsWith(KvRaftStorage.open(path, withKek(null)), true);
    await rejectsWith(KvRaftStorage.open(path, BASE), true);
    await rejectsWith(KvRaftStorage.open(path, withKek(KEK2)), false);
    // Refusals leave the store as it was.
    assert.deepEqual((await load(path, withKek(KEK1))).state.entries, entries(1, 5, 1));
  });
});

Deno.test("without a KEK the data key is stored as is and the store opens without one", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, withKek(null));
    await s.save({ entries: entries(1, 5, 1), hardState: HS1 });
    s.close();
    for (const options of [withKek(null), withKek(KEK2), BASE]) {
      const { state, encrypted } = await load(path, options);
      assert.equal(encrypted, true);
      assert.deepEqual(state.entries, entries(1, 5, 1));
    }
    for (const [, value] of await rawValues(path)) assert.ok(!contains(value, MARKER));
  });
});

Deno.test("setKek rewraps the key; the previous one opens the store until it is dropped", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, withKek(KEK1));
    await s.save({ entries: entries(1, 5, 1), hardState: HS1 });
    await s.setKek(KEK2);
    await s.save({ entries: entries(6, 8, 1) });
    s.close();
    // A crash before the caller confirmed: both keys open it.
    assert.deepEqual((await load(path, withKek(KEK2))).state.entries, entries(1, 8, 1));
    assert.deepEqual((await load(path, withKek(KEK1))).state.entries, entries(1, 8, 1));

    const again = await KvRaftStorage.open(path, withKek(KEK2));
    await again.dropPreviousKek();
    again.close();
    await rejectsWith(KvRaftStorage.open(path, withKek(KEK1)), false);

    // Unwrapped (autolock turned off): no key needed any more.
    const off = await KvRaftStorage.open(path, withKek(KEK2));
    await off.setKek(null);
    await off.dropPreviousKek();
    off.close();
    assert.deepEqual((await load(path, withKek(null))).state.entries, entries(1, 8, 1));
    await rejectsWith(
      (async () => {
        const on = await KvRaftStorage.open(path, withKek(null));
        await on.setKek(KEK1);
        await on.dropPreviousKek();
        on.close();
        await KvRaftStorage.open(path, withKek(null));
      })(),
      true,
    );
  });
});

Deno.test("an unencrypted store stays unencrypted and cannot be rewrapped", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, BASE);
    await s.save({ entries: entries(1, 3, 1), hardState: HS1 });
    s.close();
    const again = await KvRaftStorage.open(path, withKek(KEK1));
    try {
      assert.equal(again.encrypted, false);
      assert.deepEqual((await again.load()).entries, entries(1, 3, 1));
      await assert.rejects(again.setKek(KEK1), TypeError);
    } finally {
      again.close();
    }
  });
});

Deno.test("ciphertext that does not authenticate is reported as damage", async () => {
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, withKek(KEK1));
    await s.save({ entries: entries(1, 5, 1), hardState: HS1 });
    await s.saveSnapshot({ meta: { index: 3, term: 1, conf: CONF }, data: snapshotData(500) });
    s.close();
    const flip = async (prefix: string) => {
      const kv = await Deno.openKv(path);
      try {
        for await (const e of kv.list<Uint8Array>({ prefix: [prefix] })) {
          const value = new Uint8Array(e.value);
          value[value.length - 1] = (value[value.length - 1]! ^ 1) & 0xff;
          // Re-seal the record's CRC so that only the encryption notices.
          new DataView(value.buffer).setUint32(0, crc32(value.subarray(4)), true);
          await kv.set(e.key, value);
          return;
        }
      } finally {
        kv.close();
      }
    };
    await flip("s");
    // The snapshot's checksum in the meta record follows, so that only the encryption notices.
    const kv = await Deno.openKv(path);
    const [chunk] = (await rawValues(path)).filter(([key]) => key[0] === "s");
    const raw = (await kv.get<Uint8Array>(["m"])).value!;
    const meta = JSON.parse(new TextDecoder().decode(raw.subarray(8)));
    meta.snapshot.crc = crc32(chunk![1].subarray(24));
    const json = new TextEncoder().encode(JSON.stringify(meta));
    const value = new Uint8Array(8 + json.length);
    value.set(raw.subarray(0, 8));
    value.set(json, 8);
    new DataView(value.buffer).setUint32(0, crc32(value.subarray(4)), true);
    await kv.set(["m"], value);
    kv.close();
    await assert.rejects(
      KvRaftStorage.open(path, withKek(KEK1)),
      (e: unknown) =>
        e instanceof CorruptStorageError && /snapshot at index 3 does not decrypt/.test(e.message),
    );
  });
  await withStore(async (path) => {
    const s = await KvRaftStorage.open(path, withKek(KEK1));
    await s.save({ entries: [entry(1, 1)], hardState: HS1 });
    s.close();
    const kv = await Deno.openKv(path);
    const value = new Uint8Array((await kv.get<Uint8Array>(["e", 1, 0])).value!);
    value[value.length - 1] = (value[value.length - 1]! ^ 1) & 0xff;
    new DataView(value.buffer).setUint32(0, crc32(value.subarray(4)), true);
    await kv.set(["e", 1, 0], value);
    kv.close();
    await assert.rejects(
      KvRaftStorage.open(path, withKek(KEK1)),
      (e: unknown) =>
        e instanceof CorruptStorageError && /entry 1 does not decrypt/.test(e.message),
    );
  });
});
