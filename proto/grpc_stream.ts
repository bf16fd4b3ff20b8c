/**
 * Stream plumbing between grpc-js' Node streams and async iterables, used by both the server
 * and the client halves of the bridge.
 *
 * - {@link StreamReader}: a Node object-mode `Readable` (a grpc-js call) as an `AsyncIterator`,
 *   with backpressure (pauses the call when its buffer is full) and error mapping.
 * - {@link pump}: writes an (async) iterable into a `Writable` with backpressure, stopping when
 *   a signal aborts.
 * - {@link AsyncQueue}: a push-based async iterable, handy as the request stream of a bidi or
 *   client-streaming call, or as the response stream of a handler ("writer" style).
 *
 * @module
 */
import type { Readable, Writable } from "node:stream";

/** Options of {@link StreamReader}. */
export interface StreamReaderOptions {
  /** Buffered messages before the source is paused. Default 32. */
  highWaterMark?: number;
  /** Maps the source's `error` event to the error thrown by `next()`. Default: identity. */
  mapError?: (err: unknown) => unknown;
  /** Called once when the consumer stops early (`return()`), e.g. to cancel the call. */
  onReturn?: () => void;
  /**
   * Called on the source's `end` with a function that ends the iteration; lets the caller
   * delay it. Default: end at once. The server uses it because under Deno a client's
   * cancellation (RST_STREAM) first shows up as `end` and only then as `cancelled`: deferring
   * the end lets the cancellation win, so a handler never mistakes a cancelled upload for a
   * complete one.
   */
  confirmEnd?: (end: () => void) => void;
}

type Waiter<T> = {
  resolve: (r: IteratorResult<T, undefined>) => void;
  reject: (e: unknown) => void;
};

/** Reads an object-mode Node `Readable` as an async iterator (single consumer). */
export class StreamReader<T> implements AsyncIterableIterator<T, undefined> {
  #buf: T[] = [];
  #ended = false;
  #failed = false;
  #error: unknown = undefined;
  #returned = false;
  #paused = false;
  #waiter: Waiter<T> | undefined;
  #pendingError: { err: unknown } | undefined;
  readonly #source: Readable;
  readonly #hwm: number;
  readonly #mapError: (err: unknown) => unknown;
  readonly #onReturn: (() => void) | undefined;

  constructor(source: Readable, options: StreamReaderOptions = {}) {
    this.#source = source;
    this.#hwm = Math.max(1, options.highWaterMark ?? 32);
    this.#mapError = options.mapError ?? ((e) => e);
    this.#onReturn = options.onReturn;
    source.on("data", (msg: T) => {
      if (this.#returned || this.#ended || this.#failed) return;
      const w = this.#waiter;
      if (w !== undefined) {
        this.#waiter = undefined;
        w.resolve({ value: msg, done: false });
        return;
      }
      this.#buf.push(msg);
      if (this.#buf.length >= this.#hwm && !this.#paused) {
        this.#paused = true;
        source.pause();
      }
    });
    source.on("end", () => {
      const pending = this.#pendingError;
      if (pending !== undefined) return this.#finish(pending.err, true);
      if (options.confirmEnd === undefined) return this.#finish(undefined, false);
      options.confirmEnd(() => this.#finish(undefined, false));
    });
    source.on("error", (err: unknown) => {
      // grpc-js emits a failed status as `error` right after push(null): messages that arrived
      // before the status may still sit in the Readable's buffer. Deliver them first; the
      // error follows with `end`.
      if (source.readableLength > 0 && !source.readableEnded && !this.#returned) {
        this.#pendingError = { err };
      } else {
        this.#finish(err, true);
      }
    });
  }

  /** Ends the iteration with `err` after the buffered messages (e.g. on cancellation). */
  fail(err: unknown): void {
    this.#finish(err, true);
  }

  #finish(err: unknown, failed: boolean): void {
    if (this.#ended || this.#failed) return;
    if (failed) {
      this.#failed = true;
      this.#error = this.#mapError(err);
    } else {
      this.#ended = true;
    }
    const w = this.#waiter;
    if (w !== undefined && this.#buf.length === 0) {
      this.#waiter = undefined;
      if (failed) w.reject(this.#error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#returned) return Promise.resolve({ value: undefined, done: true });
    if (this.#buf.length > 0) {
      const value = this.#buf.shift() as T;
      if (this.#paused && this.#buf.length <= this.#hwm / 2) {
        this.#paused = false;
        this.#source.resume();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#failed) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    if (this.#waiter !== undefined) {
      return Promise.reject(new Error("StreamReader: concurrent next() calls are not supported"));
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T, undefined>> {
    if (!this.#returned) {
      this.#returned = true;
      this.#buf = [];
      const w = this.#waiter;
      this.#waiter = undefined;
      w?.resolve({ value: undefined, done: true });
      if (!this.#ended && !this.#failed) this.#onReturn?.();
      if (this.#paused) this.#source.resume();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Resolves when `signal` aborts; never rejects. */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}

/**
 * `it.next()`, or `undefined` if `signal` aborts first. On abort the iterator is closed with
 * `return()` (not awaited: a generator suspended in an `await` finishes on its own time).
 */
export async function nextOrAbort<T>(
  it: AsyncIterator<T> | Iterator<T>,
  signal: AbortSignal,
): Promise<IteratorResult<T> | undefined> {
  if (signal.aborted) {
    void Promise.resolve(it.return?.()).catch(() => {});
    return undefined;
  }
  const next = Promise.resolve(it.next());
  const r = await Promise.race([next, whenAborted(signal).then(() => undefined)]);
  if (r === undefined) {
    next.catch(() => {});
    void Promise.resolve(it.return?.()).catch(() => {});
  }
  return r;
}

/** Waits until `sink` emits `drain`, closes, errors, or `signal` aborts. */
export function drained(sink: Writable, signal: AbortSignal): Promise<void> {
  if (signal.aborted || sink.destroyed || sink.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      sink.off("drain", done);
      sink.off("close", done);
      sink.off("error", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    sink.on("drain", done);
    sink.on("close", done);
    sink.on("error", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Writes every item of `source` (converted by `convert`) to `sink` with backpressure, then
 * ends `sink` (unless `end: false`). Returns early (without ending) when `signal` aborts; the
 * source iterator is then closed. Errors thrown by the source propagate.
 */
export async function pump<T>(
  source: AsyncIterable<T> | Iterable<T>,
  sink: Writable,
  convert: (item: T) => unknown,
  signal: AbortSignal,
  options: { end?: boolean } = {},
): Promise<void> {
  const it = Symbol.asyncIterator in source
    ? source[Symbol.asyncIterator]()
    : (source as Iterable<T>)[Symbol.iterator]();
  for (;;) {
    const r = await nextOrAbort(it, signal);
    if (r === undefined) return;
    if (r.done) break;
    if (signal.aborted || sink.destroyed || sink.writableEnded) {
      void Promise.resolve(it.return?.()).catch(() => {});
      return;
    }
    if (!sink.write(convert(r.value))) await drained(sink, signal);
  }
  if (options.end !== false && !signal.aborted && !sink.destroyed && !sink.writableEnded) {
    sink.end();
  }
}

/** Thrown by {@link AsyncQueue.push} after the queue was closed. */
export class QueueClosedError extends Error {
  constructor() {
    super("AsyncQueue is closed");
    this.name = "QueueClosedError";
  }
}

/**
 * A push-based, single-consumer async iterable. `push()` enqueues (unbounded: producers that
 * can outrun the consumer should await {@link AsyncQueue.waitBelow}), `close()` ends the
 * iteration after the queued items, `fail(err)` ends it with an error.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #closed = false;
  #error: { err: unknown } | undefined;
  #waiter: Waiter<T> | undefined;
  #spaceWaiters: Array<() => void> = [];

  /** Number of queued, not yet consumed items. */
  get size(): number {
    return this.#items.length;
  }

  /** True once `close()` or `fail()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Enqueues an item; throws {@link QueueClosedError} after close/fail. */
  push(item: T): void {
    if (this.#closed) throw new QueueClosedError();
    const w = this.#waiter;
    if (w !== undefined) {
      this.#waiter = undefined;
      w.resolve({ value: item, done: false });
    } else {
      this.#items.push(item);
    }
  }

  /** Ends the iteration once the queued items are consumed. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#settleWaiter();
  }

  /** Ends the iteration with `err` once the queued items are consumed. */
  fail(err: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = { err };
    this.#settleWaiter();
  }

  /** Resolves once fewer than `n` items are queued (or the queue is closed). */
  waitBelow(n: number): Promise<void> {
    if (this.#items.length < n || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.#items.length < n || this.#closed) resolve();
        else this.#spaceWaiters.push(check);
      };
      this.#spaceWaiters.push(check);
    });
  }

  #settleWaiter(): void {
    const w = this.#waiter;
    if (w === undefined || this.#items.length > 0) return;
    this.#waiter = undefined;
    if (this.#error !== undefined) w.reject(this.#error.err);
    else w.resolve({ value: undefined, done: true });
    this.#wakeSpace();
  }

  #wakeSpace(): void {
    const waiters = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const w of waiters) w();
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return {
      next: () => {
        if (this.#items.length > 0) {
          const value = this.#items.shift() as T;
          this.#wakeSpace();
          return Promise.resolve({ value, done: false });
        }
        if (this.#closed) {
          this.#wakeSpace();
          return this.#error !== undefined
            ? Promise.reject(this.#error.err)
            : Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => {
          this.#waiter = { resolve, reject };
        });
      },
      return: () => {
        this.#closed = true;
        this.#items = [];
        this.#wakeSpace();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
