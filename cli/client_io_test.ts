import assert from "node:assert/strict";
import { firstLine } from "./client_io.ts";

function stream(...chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(enc.encode(chunk));
      c.close();
    },
  });
}

Deno.test("firstLine reads up to the first line break, across chunks", async () => {
  assert.equal(await firstLine(stream("SWMKEY-1-", "abc\r\nrest\n")), "SWMKEY-1-abc");
  assert.equal(await firstLine(stream("no break")), "no break");
  assert.equal(await firstLine(stream()), "");
  // A character split between chunks is decoded whole.
  const bytes = new TextEncoder().encode("é\n");
  const split = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes.subarray(0, 1));
      c.enqueue(bytes.subarray(1));
      c.close();
    },
  });
  assert.equal(await firstLine(split), "é");
});
