/**
 * A {@link Transport} over several interchangeable servers (the managers of a cluster): calls go
 * to one of them, and a call that fails as if the server were gone (`UNAVAILABLE`,
 * `DEADLINE_EXCEEDED`) moves the next calls to the next address. The list can be replaced at any
 * time, e.g. from the manager list a dispatcher sends.
 *
 * @module
 */
import type { DescService } from "@bufbuild/protobuf";
import {
  type Client,
  type ClientOptions,
  createClient,
  type Lease,
  type Transport,
} from "./grpc_client.ts";
import { ChannelPool, type ManagedChannelOptions } from "./connection.ts";
import { GrpcStatusError, Status } from "./grpc_status.ts";

const MOVE_ON: readonly Status[] = [Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED];

export class FailoverChannel implements Transport {
  #pool: ChannelPool;
  #addresses: string[];
  #current = 0;
  #closed = false;

  /** @param addresses at least one `host:port`; the first is tried first. */
  constructor(addresses: readonly string[], defaults: Omit<ManagedChannelOptions, "address">) {
    if (addresses.length === 0) throw new TypeError("FailoverChannel needs at least one address");
    this.#addresses = [...new Set(addresses)];
    this.#pool = new ChannelPool(defaults);
  }

  /** The address calls go to now. */
  get address(): string {
    return this.#addresses[this.#current]!;
  }

  get addresses(): readonly string[] {
    return this.#addresses;
  }

  /** Replaces the list (keeps the current address when it is still listed). Empty lists are
   * ignored: a node must never forget every way back to its cluster. */
  setAddresses(addresses: readonly string[]): void {
    const next = [...new Set(addresses)];
    if (next.length === 0) return;
    const current = this.address;
    for (const gone of this.#addresses.filter((a) => !next.includes(a))) this.#pool.delete(gone);
    this.#addresses = next;
    this.#current = Math.max(0, next.indexOf(current));
  }

  /** Replaces the credentials and options of every later call (e.g. after a certificate
   * renewal). Calls in flight, streams included, carry on over their connection, which closes
   * once they have finished. */
  setDefaults(defaults: Omit<ManagedChannelOptions, "address">): void {
    const old = this.#pool;
    this.#pool = new ChannelPool(defaults);
    old.retire();
  }

  /** Moves the next calls to the next address. */
  next(): void {
    this.#current = (this.#current + 1) % this.#addresses.length;
  }

  client<S extends DescService>(desc: S, options: ClientOptions = {}): Client<S> {
    return createClient(desc, this, options);
  }

  lease(): Lease {
    if (this.#closed) throw new GrpcStatusError(Status.CANCELLED, "channel is closed");
    const address = this.address;
    const inner = this.#pool.get(address).lease();
    return {
      client: inner.client,
      release: (err) => {
        inner.release(err);
        if (err !== undefined && MOVE_ON.includes(err.code) && this.address === address) {
          this.next();
        }
      },
    };
  }

  close(): void {
    this.#closed = true;
    this.#pool.close();
  }
}
