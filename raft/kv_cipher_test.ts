import assert from "node:assert/strict";
import {
  DataCipher,
  generateDek,
  loadDek,
  SEAL_OVERHEAD,
  STORAGE_KEY_BYTES,
  storeDek,
} from "./kv_cipher.ts";
import type { Entry } from "./types.ts";

const OWNER = { memberId: "m1", clusterId: "c1" };
const KEK = new Uint8Array(32).fill(9);

Deno.test("an entry's data round-trips and is bound to its index, term and kind", async () => {
  const cipher = await DataCipher.create(generateDek());
  const e: Entry = { index: 7, term: 3, kind: "normal", data: new Uint8Array([1, 2, 3]) };
  const sealed = await cipher.sealEntry(e);
  assert.equal(sealed.data.length, 3 + SEAL_OVERHEAD);
  assert.notDeepEqual(sealed.data.subarray(SEAL_OVERHEAD - 16, SEAL_OVERHEAD - 13), e.data);
  assert.deepEqual(await cipher.openEntry(sealed), e);
  assert.equal(await cipher.openEntry({ ...sealed, index: 8 }), null);
  assert.equal(await cipher.openEntry({ ...sealed, term: 4 }), null);
  assert.equal(await cipher.openEntry({ ...sealed, kind: "conf-change" }), null);
  const other = await DataCipher.create(generateDek());
  assert.equal(await other.openEntry(sealed), null);
  // An empty entry (a leader's no-op) seals too.
  const empty = await cipher.sealEntry({ ...e, data: new Uint8Array() });
  assert.deepEqual((await cipher.openEntry(empty))?.data, new Uint8Array());
});

Deno.test("snapshot data round-trips and is bound to its index and term", async () => {
  const cipher = await DataCipher.create(generateDek());
  const data = new Uint8Array(1000).map((_, i) => i & 0xff);
  const sealed = await cipher.sealSnapshot(10, 2, data);
  assert.deepEqual(await cipher.openSnapshot(10, 2, sealed), data);
  assert.equal(await cipher.openSnapshot(11, 2, sealed), null);
  assert.equal(await cipher.openSnapshot(10, 2, sealed.subarray(0, 20)), null);
});

Deno.test("a stored data key opens with its KEK only, or as is when unwrapped", async () => {
  const dek = generateDek();
  assert.equal(dek.length, STORAGE_KEY_BYTES);
  const wrapped = await storeDek(dek, KEK, OWNER);
  assert.equal(wrapped.wrapped, true);
  assert.deepEqual(await loadDek(wrapped, KEK, OWNER), dek);
  assert.equal(await loadDek(wrapped, new Uint8Array(32), OWNER), null);
  assert.equal(await loadDek(wrapped, null, OWNER), null);
  assert.equal(await loadDek(wrapped, KEK, { ...OWNER, memberId: "m2" }), null);
  const plain = await storeDek(dek, null, OWNER);
  assert.equal(plain.wrapped, false);
  assert.deepEqual(await loadDek(plain, null, OWNER), dek);
  assert.deepEqual(await loadDek(plain, KEK, OWNER), dek);
  assert.equal(await loadDek({ key: "not base64!", wrapped: true }, KEK, OWNER), null);
  await assert.rejects(storeDek(dek, new Uint8Array(16), OWNER), RangeError);
});
