/**
 * Splits the Docker engine's multiplexed log stream into stdout and stderr. A container created
 * without a TTY sends its output as frames: one header of 8 bytes — the stream (1 stdout,
 * 2 stderr; 0 stdin), three zero bytes, the payload length as a big-endian 32-bit number — then
 * the payload.
 *
 * @module
 */

import type { TaskLogs } from "./executor.ts";

/** The output of a multiplexed log stream, decoded as UTF-8. A truncated last frame is kept. */
export function demuxDockerLogs(data: Uint8Array): TaskLogs {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  while (offset + 8 <= data.length) {
    const stream = data[offset]!;
    const size = view.getUint32(offset + 4);
    const payload = data.subarray(offset + 8, Math.min(offset + 8 + size, data.length));
    if (stream === 2) err.push(payload);
    else out.push(payload);
    offset += 8 + size;
  }
  return { stdout: decode(out), stderr: decode(err) };
}

function decode(chunks: Uint8Array[]): string {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}
