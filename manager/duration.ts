/** Conversions between google.protobuf.Duration and milliseconds. */
import { create } from "@bufbuild/protobuf";
import { type Duration, DurationSchema } from "@bufbuild/protobuf/wkt";

export function durationMs(d: Duration): number {
  return Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6);
}

export function durationFromMs(ms: number): Duration {
  const seconds = Math.floor(ms / 1000);
  return create(DurationSchema, { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1e6 });
}
