/**
 * Task output as lines, from a function that reads a task's whole output so far: the (tail of
 * the) lines there are, then — when following — the lines added since, checked every `pollMs`
 * (`tail -f` style). A line still being written (no line break yet) waits for its end while
 * following, and is given as it is otherwise. Output that shrinks (rotated, rewritten) is read
 * again from its start.
 *
 * @module
 */
import type { LogLine, LogReadOptions, TaskLogs } from "./executor.ts";

export interface PollLogsOptions extends LogReadOptions {
  /** @default 250 */
  readonly pollMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

type StreamName = LogLine["stream"];
const STREAMS: readonly StreamName[] = ["stdout", "stderr"];

/** The lines of `read()`'s output; see the module documentation. */
export async function* pollLogs(
  read: () => Promise<TaskLogs>,
  o: PollLogsOptions,
): AsyncIterable<LogLine> {
  const now = o.now ?? Date.now;
  const seen: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  const first = await read();
  for (const stream of STREAMS) {
    const text = first[stream];
    const end = o.follow ? text.lastIndexOf("\n") + 1 : text.length;
    seen[stream] = end;
    let lines = splitLines(text.slice(0, end));
    if (o.tail !== undefined && o.tail >= 0) lines = o.tail === 0 ? [] : lines.slice(-o.tail);
    const timestamp = now();
    for (const data of lines) yield { stream, data, timestamp };
  }
  while (o.follow && await sleep(o.pollMs ?? 250, o.signal)) {
    const logs = await read();
    for (const stream of STREAMS) {
      const text = logs[stream];
      if (text.length < seen[stream]) seen[stream] = 0;
      const end = text.lastIndexOf("\n") + 1;
      if (end <= seen[stream]) continue;
      const timestamp = now();
      for (const data of splitLines(text.slice(seen[stream], end))) {
        yield { stream, data, timestamp };
      }
      seen[stream] = end;
    }
  }
}

/** The lines of `text`; a final line break ends the last line, it does not start another. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
