/**
 * Encryption at rest as `KvRaftStorage` applies it: creating, opening and rewrapping the data key
 * kept in the meta record, and sealing what a save writes and opening what a load reads. The
 * cryptography itself (AES-256-GCM, the sealed layout, key wrapping) is in `kv_cipher.ts`; this
 * module keeps the storage class to its log, hard state and snapshot bookkeeping.
 *
 * @module
 */
import type { Entry, Snapshot } from "./types.ts";
import { CorruptStorageError } from "./kv_codec.ts";
import {
  DataCipher,
  type EncryptionMeta,
  generateDek,
  loadDek,
  StorageKeyError,
  storeDek,
} from "./kv_cipher.ts";

/** The member and cluster a data key is bound to. */
type Owner = { readonly memberId: string; readonly clusterId: string };

/** The open data key of an encrypted store. */
export class StoreEncryption {
  readonly #cipher: DataCipher;
  /** The raw data key, kept to rewrap it. */
  readonly #dek: Uint8Array;

  private constructor(cipher: DataCipher, dek: Uint8Array) {
    this.#cipher = cipher;
    this.#dek = dek;
  }

  /** The encryption part of a new store's meta record: a fresh data key, wrapped by `kek`
   * (`null`: kept unwrapped). */
  static async create(kek: Uint8Array | null, owner: Owner): Promise<EncryptionMeta> {
    return { dek: await storeDek(generateDek(), kek, owner) };
  }

  /** Opens the data key of the store at `path` with `kek`, trying the current wrapping and then
   * the previous one ({@link rewrap} keeps it).
   * @throws {StorageKeyError} when `kek` opens neither. */
  static async open(
    path: string,
    encryption: EncryptionMeta,
    kek: Uint8Array | null,
    owner: Owner,
  ): Promise<StoreEncryption> {
    let dek = await loadDek(encryption.dek, kek, owner);
    if (dek === null && encryption.previous !== undefined) {
      dek = await loadDek(encryption.previous, kek, owner);
    }
    if (dek === null) {
      throw new StorageKeyError(path, kek === null && encryption.dek.wrapped);
    }
    return new StoreEncryption(await DataCipher.create(dek), dek);
  }

  /** The encryption part of the meta record with the data key wrapped by `kek` (`null`:
   * unwrapped), keeping `current`'s wrapping as the previous one. */
  async rewrap(
    current: EncryptionMeta,
    kek: Uint8Array | null,
    owner: Owner,
  ): Promise<EncryptionMeta> {
    return { dek: await storeDek(this.#dek, kek, owner), previous: current.dek };
  }

  /** The entries with their data sealed. */
  sealEntries(entries: readonly Entry[]): Promise<Entry[]> {
    return Promise.all(entries.map((e) => this.#cipher.sealEntry(e)));
  }

  /** The snapshot with its data sealed. */
  async sealSnapshot(snap: Snapshot): Promise<Snapshot> {
    return {
      meta: snap.meta,
      data: await this.#cipher.sealSnapshot(snap.meta.index, snap.meta.term, snap.data),
    };
  }

  /** Replaces each sealed entry by its plaintext, in place.
   * @throws {CorruptStorageError} when one does not decrypt. */
  async openEntries(path: string, entries: Entry[]): Promise<void> {
    const cipher = this.#cipher;
    const opened = await Promise.all(entries.map((e) => cipher.openEntry(e)));
    for (const [i, e] of opened.entries()) {
      if (e === null) {
        throw new CorruptStorageError(path, `entry ${entries[i]!.index} does not decrypt`);
      }
      entries[i] = e;
    }
  }

  /** The plaintext of the snapshot at `index`/`term`.
   * @throws {CorruptStorageError} when it does not decrypt. */
  async openSnapshot(
    path: string,
    index: number,
    term: number,
    data: Uint8Array,
  ): Promise<Uint8Array> {
    const plain = await this.#cipher.openSnapshot(index, term, data);
    if (plain === null) {
      throw new CorruptStorageError(path, `the snapshot at index ${index} does not decrypt`);
    }
    return plain;
  }
}
