/**
 * Reading Linux `/proc/<pid>/stat`: enough to tell a process's session, group and start time, so
 * that a recorded (pid, start time) pair names one process even after pids are recycled.
 *
 * @module
 */

/** The fields of `/proc/<pid>/stat` the executor uses. */
export interface ProcStat {
  readonly pid: number;
  /** Executable name (field 2, without the parentheses). */
  readonly comm: string;
  /** Field 3: `R`, `S`, `D`, `Z` (zombie), `X` (dead), ... */
  readonly state: string;
  readonly ppid: number;
  /** Process group ID (field 5). */
  readonly pgid: number;
  /** Session ID (field 6). */
  readonly sid: number;
  /** Field 22: start time in clock ticks after boot. Constant for the life of the process. */
  readonly startTime: number;
}

/** Parses the text of `/proc/<pid>/stat`. Throws `SyntaxError` on malformed input. */
export function parseProcStat(text: string): ProcStat {
  // comm may contain spaces and parentheses: it ends at the last ")".
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new SyntaxError(`Malformed /proc stat: ${text.slice(0, 80)}`);
  const rest = text.slice(close + 2).trim().split(" ");
  // rest[0] is field 3, so field N is rest[N - 3].
  const field = (n: number) => {
    const value = Number(rest[n - 3]);
    if (!Number.isSafeInteger(value)) {
      throw new SyntaxError(`Malformed /proc stat field ${n}: ${text.slice(0, 80)}`);
    }
    return value;
  };
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? "?",
    ppid: field(4),
    pgid: field(5),
    sid: field(6),
    startTime: field(22),
  };
}

/** The stat of `pid`, or undefined if there is no such process. */
export function readProcStatSync(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return undefined;
  }
}

/** The stat of `pid`, or undefined if there is no such process. */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await Deno.readTextFile(`/proc/${pid}/stat`));
  } catch {
    return undefined;
  }
}

/** Whether the process has exited (zombie or dead, waiting to be reaped). */
export function isDead(stat: ProcStat): boolean {
  return stat.state === "Z" || stat.state === "X" || stat.state === "x";
}

/** Every process visible in `/proc` (those that exit while listing are skipped). */
export async function listProcStats(): Promise<ProcStat[]> {
  const stats: ProcStat[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = await readProcStat(Number(entry.name));
    if (stat !== undefined) stats.push(stat);
  }
  return stats;
}
