/**
 * Autolock on a manager: the cluster object says whether managers keep their keys encrypted at
 * rest (`spec.encryptionConfig.autoLockManagers`) and with which unlock key (`unlockKeys`, the
 * "manager" subsystem). Every manager learns changes through the store, and
 * {@link UnlockKeyFollower} re-encrypts its files with the new key (or decrypts them when
 * autolock is turned off), one change at a time, always towards the latest key.
 *
 * {@link applyAutolock} is the control API's rule for the key (turning autolock on makes one,
 * off removes it, a rotation replaces it), shared with the client's fake control API.
 *
 * @module
 */
import { create } from "@bufbuild/protobuf";
import type { Cluster } from "../proto/gen/swarm/v1/objects_pb.ts";
import type { KeyRotation } from "../proto/gen/swarm/v1/control_pb.ts";
import { EncryptionKeySchema } from "../proto/gen/swarm/v1/types_pb.ts";
import { generateUnlockKey, type RandomBytes } from "../pki/mod.ts";

/** `EncryptionKey.subsystem` of the managers' unlock key in `Cluster.unlockKeys`. */
export const MANAGER_UNLOCK_KEY_SUBSYSTEM = "manager";

/** The key managers must encrypt their files with, or undefined when autolock is off. */
export function clusterUnlockKey(cluster: Cluster | undefined): Uint8Array | undefined {
  if (!cluster?.spec?.encryptionConfig?.autoLockManagers) return undefined;
  const key = cluster.unlockKeys.find((k) => k.subsystem === MANAGER_UNLOCK_KEY_SUBSYSTEM)?.key;
  return key === undefined || key.length === 0 ? undefined : key;
}

/** An unlock key rotation was asked for while autolock is off. */
export class AutolockOffError extends Error {
  override readonly name = "AutolockOffError";
  constructor() {
    super(
      "Autolock is not enabled: there is no unlock key to rotate. Turn it on with " +
        "`swarm cluster update --autolock=true`",
    );
  }
}

/**
 * Brings `updated.unlockKeys` in line with `updated.spec` (the new spec, with the current keys),
 * in place: autolock turned on without a key gets a new one, autolock off removes the key, and
 * `rotation.managerUnlockKey` replaces it with a new one.
 *
 * @returns whether the managers' unlock key changed.
 * @throws {AutolockOffError} when a rotation is asked for with autolock off.
 */
export function applyAutolock(
  updated: Cluster,
  rotation: Pick<KeyRotation, "managerUnlockKey"> | undefined,
  randomBytes?: RandomBytes,
): boolean {
  const on = updated.spec?.encryptionConfig?.autoLockManagers ?? false;
  const others = updated.unlockKeys.filter((k) => k.subsystem !== MANAGER_UNLOCK_KEY_SUBSYSTEM);
  const had = others.length !== updated.unlockKeys.length;
  if (!on) {
    if (rotation?.managerUnlockKey) throw new AutolockOffError();
    updated.unlockKeys = others;
    return had;
  }
  if (had && !rotation?.managerUnlockKey) return false;
  const key = create(EncryptionKeySchema, {
    subsystem: MANAGER_UNLOCK_KEY_SUBSYSTEM,
    key: generateUnlockKey(randomBytes),
  });
  updated.unlockKeys = [...others, key];
  return true;
}

/** Whether two optional keys are the same bytes. */
export function sameKey(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Options of {@link UnlockKeyFollower}. */
export interface UnlockKeyFollowerOptions {
  /** The key the files are encrypted with now (undefined: not encrypted). */
  readonly current: Uint8Array | undefined;
  /** The key the cluster wants now (read when a change is applied, so the latest one wins). */
  readonly wanted: () => Uint8Array | undefined;
  /** Re-encrypts the files with `key` (undefined: writes them unencrypted). */
  readonly apply: (key: Uint8Array | undefined) => Promise<void>;
  /** Where failures are reported (a failed change is tried again on the next {@link sync}). */
  readonly log?: (message: string) => void;
}

/** Keeps a manager's files encrypted with the key the cluster wants (see the module doc). */
export class UnlockKeyFollower {
  readonly #o: UnlockKeyFollowerOptions;
  #current: Uint8Array | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(options: UnlockKeyFollowerOptions) {
    this.#o = options;
    this.#current = options.current;
  }

  /** The key the files are encrypted with now. */
  get current(): Uint8Array | undefined {
    return this.#current;
  }

  /** Applies the wanted key if it differs from the current one; resolves when settled. */
  sync(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#loop().finally(() => this.#running = undefined);
    return this.#running;
  }

  /** Applies nothing more (a change in progress completes). */
  stop(): Promise<void> {
    this.#stopped = true;
    return this.#running ?? Promise.resolve();
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      const wanted = this.#o.wanted();
      if (this.#stopped || sameKey(wanted, this.#current)) continue;
      try {
        await this.#o.apply(wanted);
        this.#current = wanted;
        this.#o.log?.(
          wanted === undefined
            ? "autolock is off: this manager's keys are no longer encrypted at rest"
            : "autolock: this manager's keys are now encrypted with the cluster's unlock key",
        );
      } catch (e) {
        this.#o.log?.(
          `autolock: re-encrypting this manager's keys failed (will retry on the next change): ${
            e instanceof Error ? e.message : e
          }`,
        );
        return;
      }
    } while (this.#again);
  }
}
