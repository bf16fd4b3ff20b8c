import assert from "node:assert/strict";
import { PassThrough, Writable } from "node:stream";
import { AsyncQueue, nextOrAbort, pump, QueueClosedError, StreamReader } from "./grpc_stream.ts";

Deno.test("AsyncQueue: push/close, fail, return and waitBelow", async () => {
  const q = new AsyncQueue<number>();
  q.push(1);
  q.push(2);
  assert.equal(q.size, 2);
  const it = q[Symbol.asyncIterator]();
  assert.deepEqual(await it.next(), { value: 1, done: false });
  const pending = it.next();
  assert.deepEqual(await pending, { value: 2, done: false });
  const waiting = it.next();
  q.push(3);
  assert.deepEqual(await waiting, { value: 3, done: false });
  q.push(4);
  q.close();
  assert.throws(() => q.push(5), QueueClosedError);
  assert.deepEqual(await it.next(), { value: 4, done: false });
  assert.equal((await it.next()).done, true);

  const f = new AsyncQueue<number>();
  f.push(1);
  f.fail(new Error("boom"));
  const got: number[] = [];
  await assert.rejects(async () => {
    for await (const v of f) got.push(v);
  }, /boom/);
  assert.deepEqual(got, [1]);

  const r = new AsyncQueue<number>();
  for await (const _ of (r.push(1), r)) break; // consumer leaves: the queue closes
  assert.ok(r.closed);
  assert.throws(() => r.push(2), QueueClosedError);

  const w = new AsyncQueue<number>();
  w.push(1);
  w.push(2);
  let below = false;
  const p = w.waitBelow(2).then(() => below = true);
  await Promise.resolve();
  assert.equal(below, false);
  await w[Symbol.asyncIterator]().next();
  await p;
  assert.equal(below, true);
});

Deno.test("StreamReader: buffers, pauses at the high-water mark, ends and maps errors", async () => {
  const src = new PassThrough({ objectMode: true });
  const reader = new StreamReader<number>(src, {
    highWaterMark: 2,
    mapError: (e) => new Error(`mapped: ${(e as Error).message}`),
  });
  src.write(1);
  src.write(2);
  src.write(3);
  await new Promise((r) => setTimeout(r, 10));
  assert.ok(src.isPaused(), "source paused at the high-water mark");
  assert.deepEqual(await reader.next(), { value: 1, done: false });
  assert.deepEqual(await reader.next(), { value: 2, done: false });
  assert.ok(!src.isPaused(), "resumed after draining");
  assert.deepEqual(await reader.next(), { value: 3, done: false });
  const waiting = reader.next();
  src.destroy(new Error("reset"));
  await assert.rejects(waiting, /mapped: reset/);
  await assert.rejects(reader.next(), /mapped: reset/);

  const src2 = new PassThrough({ objectMode: true });
  const r2 = new StreamReader<string>(src2);
  src2.end("only");
  const all: string[] = [];
  for await (const v of r2) all.push(v);
  assert.deepEqual(all, ["only"]);

  let returned = 0;
  const src3 = new PassThrough({ objectMode: true });
  const r3 = new StreamReader<number>(src3, { onReturn: () => returned++ });
  src3.write(7);
  for await (const _ of r3) break;
  assert.equal(returned, 1);
  assert.deepEqual(await r3.next(), { value: undefined, done: true });
});

Deno.test("pump: writes with backpressure, ends the sink, stops on abort", async () => {
  const written: number[] = [];
  const slow = new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(chunk: number, _enc, cb) {
      written.push(chunk);
      setTimeout(cb, 1);
    },
  });
  const finished = new Promise((r) => slow.on("finish", r));
  await pump([1, 2, 3, 4], slow, (x) => x * 10, new AbortController().signal);
  await finished;
  assert.deepEqual(written, [10, 20, 30, 40]);

  const sink = new PassThrough({ objectMode: true });
  sink.resume();
  const ac = new AbortController();
  const q = new AsyncQueue<number>();
  const p = pump(q, sink, (x) => x, ac.signal);
  q.push(1);
  setTimeout(() => ac.abort(), 10);
  await p; // returns although the queue never closes
  assert.equal(sink.writableEnded, false);
  assert.ok(q.closed, "the source iterator was closed");

  await assert.rejects(
    pump(
      (async function* () {
        yield 1;
        throw new Error("source");
      })(),
      new PassThrough({ objectMode: true }).resume(),
      (x) => x,
      new AbortController().signal,
    ),
    /source/,
  );
});

Deno.test("nextOrAbort returns undefined when the signal wins", async () => {
  const q = new AsyncQueue<number>();
  const ac = new AbortController();
  const it = q[Symbol.asyncIterator]();
  setTimeout(() => ac.abort(), 5);
  assert.equal(await nextOrAbort(it, ac.signal), undefined);
  assert.equal(await nextOrAbort([1][Symbol.iterator](), ac.signal), undefined);
  assert.deepEqual(await nextOrAbort([1][Symbol.iterator](), new AbortController().signal), {
    value: 1,
    done: false,
  });
});
