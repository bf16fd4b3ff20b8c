/**
 * Per-task process records, `<dir>/<taskId>.json`, written atomically (temporary file, then
 * rename), so that a node killed with SIGKILL can find and kill the processes it left behind when it
 * starts again. A record names a process by pid and start time, which never matches a recycled pid.
 *
 * @module
 */

/** What the executor remembers about a running task process. */
export interface ProcessRecord {
  readonly version: 1;
  readonly taskId: string;
  readonly pid: number;
  /** `/proc/<pid>/stat` field 22 (clock ticks after boot). */
  readonly startTime: number;
  /** The executable, for humans reading the file. */
  readonly command: string;
  /** When it was started, in ms since the epoch. */
  readonly startedAt: number;
}

/** Writes (or replaces) the record of `record.taskId` in `dir`, creating `dir` if needed. */
export async function writeProcessRecord(dir: string, record: ProcessRecord): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${dir}/.${record.taskId}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(tmp, `${JSON.stringify(record)}\n`);
    await Deno.rename(tmp, `${dir}/${record.taskId}.json`);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}

/** Deletes the record of `taskId`; a missing record is fine. */
export async function removeProcessRecord(dir: string, taskId: string): Promise<void> {
  try {
    await Deno.remove(`${dir}/${taskId}.json`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Every valid record in `dir` (none if it does not exist). Unreadable records and leftover
 * temporary files are deleted: nothing can be killed safely on their account.
 */
export async function readProcessRecords(dir: string): Promise<ProcessRecord[]> {
  const records: ProcessRecord[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    if (!entry.isFile) continue;
    if (entry.name.startsWith(".") && entry.name.endsWith(".tmp")) {
      await Deno.remove(path).catch(() => {});
      continue;
    }
    if (!entry.name.endsWith(".json")) continue;
    const record = parseRecord(await Deno.readTextFile(path).catch(() => ""));
    if (record === undefined || `${record.taskId}.json` !== entry.name) {
      await Deno.remove(path).catch(() => {});
      continue;
    }
    records.push(record);
  }
  return records.sort((a, b) => a.taskId.localeCompare(b.taskId));
}

function parseRecord(text: string): ProcessRecord | undefined {
  try {
    const r: unknown = JSON.parse(text);
    if (typeof r !== "object" || r === null) return undefined;
    const o = r as Record<string, unknown>;
    const int = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v > 0;
    if (
      o.version !== 1 || typeof o.taskId !== "string" || !int(o.pid) || !int(o.startTime) ||
      typeof o.command !== "string" || typeof o.startedAt !== "number"
    ) return undefined;
    return {
      version: 1,
      taskId: o.taskId,
      pid: o.pid as number,
      startTime: o.startTime as number,
      command: o.command,
      startedAt: o.startedAt,
    };
  } catch {
    return undefined;
  }
}
