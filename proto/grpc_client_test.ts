import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { UInt32ValueSchema } from "@bufbuild/protobuf/wkt";
import { clientError, createClient } from "./grpc_client.ts";
import { GrpcStatusError, isGrpcStatusError, Status } from "./grpc_status.ts";
import { AsyncQueue } from "./grpc_stream.ts";
import { Echo, insecure, startEchoServer } from "./grpc_testing.ts";

async function withEcho(
  kind: "unix" | "tcp",
  fn: (
    client: ReturnType<typeof createClient<typeof Echo>>,
    srv: Awaited<ReturnType<typeof startEchoServer>>,
  ) => Promise<void>,
): Promise<void> {
  const srv = await startEchoServer(kind);
  const raw = new grpc.Client(srv.address, insecure());
  try {
    await fn(createClient(Echo, raw), srv);
  } finally {
    raw.close();
    await srv.close();
  }
}

async function rejectsWith(p: Promise<unknown>, code: Status, message?: string | RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof GrpcStatusError, `expected GrpcStatusError, got ${String(err)}`);
    assert.equal(err.codeName, Status[code]);
    if (typeof message === "string") assert.equal(err.message, message);
    else if (message !== undefined) assert.match(err.message, message);
    return true;
  });
}

async function waitFor(cond: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const kind of ["unix", "tcp"] as const) {
  Deno.test(`grpc ${kind}: unary, server-stream, client-stream and bidi round trips`, async () => {
    await withEcho(kind, async (echo) => {
      const res = await echo.say({ value: "hello" });
      assert.equal(res.$typeName, "google.protobuf.StringValue");
      assert.equal(res.value, "hello");

      const counted = await echo.count({ value: 5 }).toArray();
      assert.deepEqual(counted.map((m) => m.value), [0, 1, 2, 3, 4]);

      async function* values() {
        for (let i = 1; i <= 10; i++) yield create(UInt32ValueSchema, { value: i });
      }
      assert.equal((await echo.sum(values())).value, 55);
      assert.equal((await echo.sum([{ value: 2 }, { value: 3 }])).value, 5);
      assert.equal((await echo.sum([])).value, 0);

      const q = new AsyncQueue<{ value: Uint8Array }>();
      const replies = echo.chat(q);
      const it = replies[Symbol.asyncIterator]();
      q.push({ value: new Uint8Array([1, 2, 3]) });
      const first = await it.next();
      assert.equal(first.done, false);
      assert.deepEqual(first.value?.value, new Uint8Array([3, 2, 1]));
      assert.equal(Object.getPrototypeOf(first.value?.value), Uint8Array.prototype);
      q.push({ value: new Uint8Array([4, 5]) });
      assert.deepEqual((await it.next()).value?.value, new Uint8Array([5, 4]));
      q.close();
      assert.equal((await it.next()).done, true);
    });
  });

  Deno.test(`grpc ${kind}: handler errors map to status codes and messages`, async () => {
    await withEcho(kind, async (echo, srv) => {
      await rejectsWith(
        echo.say({ value: `status:${Status.NOT_FOUND}:node n1 not found` }),
        Status.NOT_FOUND,
        "node n1 not found",
      );
      await rejectsWith(
        echo.say({ value: `status:${Status.PERMISSION_DENIED}:workers may not` }),
        Status.PERMISSION_DENIED,
        "workers may not",
      );
      await rejectsWith(echo.say({ value: "throw:kaboom" }), Status.INTERNAL, /kaboom/);
      assert.equal(srv.internalErrors.length, 1);
      // The server survived and still answers.
      assert.equal((await echo.say({ value: "still here" })).value, "still here");
    });
  });

  Deno.test(`grpc ${kind}: deadline exceeded aborts the handler's signal`, async () => {
    await withEcho(kind, async (echo, srv) => {
      const t0 = Date.now();
      await rejectsWith(
        echo.say({ value: "sleep:3000" }, { timeoutMs: 150 }),
        Status.DEADLINE_EXCEEDED,
      );
      assert.ok(Date.now() - t0 < 1_500, "deadline not enforced promptly");
      await waitFor(() => srv.state.aborts.length === 1);
      assert.ok(isGrpcStatusError(srv.state.aborts[0], Status.DEADLINE_EXCEEDED, Status.CANCELLED));
      const deadline = new Date(Date.now() + 4_000);
      const seen = await echo.say({ value: "deadline" }, { deadline });
      assert.ok(Math.abs(new Date(seen.value).getTime() - deadline.getTime()) < 1_000);
      // Default deadline of unary calls: 5 s.
      const dflt = new Date((await echo.say({ value: "deadline" })).value).getTime() - Date.now();
      assert.ok(dflt > 3_000 && dflt <= 5_000, `default deadline ${dflt} ms`);
      assert.throws(() => echo.count({ value: 1 }, { timeoutMs: -1 }), RangeError);
      await assert.rejects(echo.say({ value: "x" }, { timeoutMs: Infinity }), RangeError);
    });
  });

  Deno.test(`grpc ${kind}: stream cancellation reaches the server`, async () => {
    await withEcho(kind, async (echo, srv) => {
      // Leaving the for-await loop cancels the call.
      const got: number[] = [];
      for await (const m of echo.count({ value: 0 })) {
        got.push(m.value);
        if (got.length === 3) break;
      }
      assert.deepEqual(got, [0, 1, 2]);
      await waitFor(() => srv.state.streamsFinished === 1);
      assert.ok(isGrpcStatusError(srv.state.aborts[0], Status.CANCELLED));

      // cancel() fails the pending iteration with CANCELLED.
      const stream = echo.count({ value: 0 });
      const it = stream[Symbol.asyncIterator]();
      await it.next();
      stream.cancel();
      await rejectsWith(
        (async () => {
          for (;;) if ((await it.next()).done) return;
        })(),
        Status.CANCELLED,
      );
      await waitFor(() => srv.state.streamsFinished === 2);

      // An AbortSignal cancels unary calls and streams.
      const ac = new AbortController();
      const p = echo.say({ value: "sleep:3000" }, { signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      await rejectsWith(p, Status.CANCELLED);
      const ac2 = new AbortController();
      const s2 = echo.count({ value: 0 }, { signal: ac2.signal });
      setTimeout(() => ac2.abort(), 50);
      await rejectsWith(s2.toArray(), Status.CANCELLED);
      await waitFor(() => srv.state.streamsFinished === 3);
    });
  });

  Deno.test(`grpc ${kind}: metadata and peer reach the handler`, async () => {
    await withEcho(kind, async (echo) => {
      const md = new grpc.Metadata();
      md.set("x-node-id", "n42");
      assert.equal((await echo.say({ value: "meta:x-node-id" }, { metadata: md })).value, "n42");
      const peer = (await echo.say({ value: "peer" })).value;
      assert.ok(peer.length > 0);
      if (kind === "tcp") assert.match(peer, /127\.0\.0\.1/);
    });
  });
}

Deno.test("grpc: a failing request source cancels a client stream and surfaces its error", async () => {
  await withEcho("unix", async (echo) => {
    async function* bad() {
      yield { value: 1 };
      throw new Error("source broke");
    }
    await assert.rejects(echo.sum(bad()), /source broke/);
    await assert.rejects(
      echo.chat((async function* () {
        yield { value: new Uint8Array([1]) };
        throw new Error("bidi source broke");
      })()).toArray(),
      /bidi source broke|CANCELLED|cancel/i,
    );
  });
});

Deno.test("grpc: an unreachable server yields UNAVAILABLE", async () => {
  const dir = await Deno.makeTempDir();
  const raw = new grpc.Client(`unix:${dir}/nobody.sock`, insecure());
  try {
    await rejectsWith(
      createClient(Echo, raw).say({ value: "x" }, { timeoutMs: 2_000 }),
      Status.UNAVAILABLE,
    );
  } finally {
    raw.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("clientError: grpc-js' client-side transport failures count as UNAVAILABLE", () => {
  const epipe = {
    code: Status.INTERNAL,
    details: "Received RST_STREAM with code 2 triggered by internal client error: " +
      "This socket has been ended by the other party",
  };
  assert.equal(clientError(epipe).code, Status.UNAVAILABLE);
  assert.equal(clientError(epipe).cause, epipe);
  const handlerBug = { code: Status.INTERNAL, details: "internal error: boom" };
  assert.equal(clientError(handlerBug).code, Status.INTERNAL);
});
