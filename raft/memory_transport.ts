/**
 * An in-process network for {@link RaftNode}s: tests and benchmarks connect several members in one
 * process, then cut links, partition, isolate or drop messages at will.
 *
 * Delivery is asynchronous (a microtask after `send`) and keeps the order of messages on each link.
 * Links are checked when a message is delivered, so a partition also stops messages in flight.
 *
 * @module
 */
import type { Transport } from "./node_options.ts";
import type { MemberId, Message } from "./types.ts";

/** Whatever receives messages for one member (a `RaftNode`). */
export interface MessageReceiver {
  receive(message: Message): void;
}

/** Counters of a {@link MemoryNetwork}. */
export interface MemoryNetworkStats {
  readonly delivered: number;
  readonly dropped: number;
}

/** The shared medium: members connect to it and get a {@link Transport}. */
export class MemoryNetwork {
  #members = new Map<MemberId, MessageReceiver>();
  #cut = new Set<string>();
  #drop: ((message: Message) => boolean) | undefined;
  #queue: Message[] = [];
  #scheduled = false;
  #delivered = 0;
  #dropped = 0;

  /** Attaches member `id`: messages to `id` go to `receiver`. Replaces an earlier attachment. */
  connect(id: MemberId, receiver: MessageReceiver): MemoryTransport {
    this.#members.set(id, receiver);
    return new MemoryTransport(this, id);
  }

  /** Detaches member `id`: messages to it are dropped from now on. */
  disconnect(id: MemberId): void {
    this.#members.delete(id);
  }

  /** Drops messages from `from` to `to` (one direction) until {@link heal}. */
  cut(from: MemberId, to: MemberId): void {
    this.#cut.add(link(from, to));
  }

  /** Cuts every link between two members of different groups. */
  partition(...groups: readonly (readonly MemberId[])[]): void {
    for (const [i, a] of groups.entries()) {
      for (const [j, b] of groups.entries()) {
        if (i === j) continue;
        for (const from of a) for (const to of b) this.cut(from, to);
      }
    }
  }

  /** Cuts `id` off from every currently connected member, both ways. */
  isolate(id: MemberId): void {
    for (const other of this.#members.keys()) {
      if (other === id) continue;
      this.cut(id, other);
      this.cut(other, id);
    }
  }

  /** Restores every cut link (the drop filter stays). */
  heal(): void {
    this.#cut.clear();
  }

  /** Drops each message for which `drop` returns true (e.g. random loss); `undefined` clears it. */
  setDropFilter(drop: ((message: Message) => boolean) | undefined): void {
    this.#drop = drop;
  }

  /** Messages posted and not yet delivered or dropped. */
  get inFlight(): number {
    return this.#queue.length;
  }

  get stats(): MemoryNetworkStats {
    return { delivered: this.#delivered, dropped: this.#dropped };
  }

  /** Queues messages for delivery; used by {@link MemoryTransport}. */
  post(from: MemberId, messages: readonly Message[]): void {
    for (const m of messages) {
      if (m.from !== from) {
        throw new TypeError(`Member ${from} cannot send a message from ${m.from}`);
      }
      this.#queue.push(m);
    }
    if (!this.#scheduled && this.#queue.length > 0) {
      this.#scheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (const m of queue) {
      const to = this.#members.get(m.to);
      if (
        to === undefined || !this.#members.has(m.from) || this.#cut.has(link(m.from, m.to)) ||
        this.#drop?.(m) === true
      ) {
        this.#dropped++;
        continue;
      }
      this.#delivered++;
      to.receive(m);
    }
  }
}

/** One member's side of a {@link MemoryNetwork}. */
export class MemoryTransport implements Transport {
  readonly #network: MemoryNetwork;
  readonly id: MemberId;

  constructor(network: MemoryNetwork, id: MemberId) {
    this.#network = network;
    this.id = id;
  }

  send(messages: readonly Message[]): void {
    this.#network.post(this.id, messages);
  }
}

function link(from: MemberId, to: MemberId): string {
  return `${from}\u0000${to}`;
}
