/**
 * Killing everything a task process left behind. Every task runs as the leader of its own session
 * (the process executor spawns it with `detached: true`, i.e. `setsid()`), so its descendants share
 * its session ID unless they create a session of their own.
 *
 * A recorded leader is identified by (pid, start time). Processes of the session are those whose
 * session ID is the leader's pid and that started no earlier than the leader, and only while that
 * pid is not held by a different (recycled) process: a pid stays allocated while any process uses
 * it as its session ID, so if the leader's pid is free or still the leader, the session's members
 * are the task's.
 *
 * @module
 */

import { isDead, listProcStats, type ProcStat, readProcStat } from "./proc_stat.ts";

/** What became of a recorded process. */
export type ProcessIdentity = "same" | "gone" | "recycled";

/** Whether `pid` is still the process that started at `startTime`. Zombies count as gone. */
export async function identify(pid: number, startTime: number): Promise<ProcessIdentity> {
  const stat = await readProcStat(pid);
  if (stat === undefined || (isDead(stat) && stat.startTime === startTime)) return "gone";
  return stat.startTime === startTime ? "same" : "recycled";
}

/** The live processes of the session led (now or before) by the recorded leader. */
export async function sessionProcesses(
  leaderPid: number,
  leaderStartTime: number,
): Promise<ProcStat[]> {
  if ((await identify(leaderPid, leaderStartTime)) === "recycled") return [];
  return (await listProcStats()).filter((p) =>
    p.sid === leaderPid && p.startTime >= leaderStartTime && !isDead(p)
  );
}

/** Options of {@linkcode killSession}. */
export interface KillSessionOptions {
  /** @default {"SIGKILL"} */
  readonly signal?: Deno.Signal;
  /** How long to wait for the processes to disappear (only for SIGKILL). @default {5_000} */
  readonly timeoutMs?: number;
}

/**
 * Signals every live process of the recorded session and, for SIGKILL, waits until they are gone.
 * Returns the number of processes signalled. A recycled pid is never signalled.
 */
export async function killSession(
  leaderPid: number,
  leaderStartTime: number,
  options: KillSessionOptions = {},
): Promise<number> {
  const signal = options.signal ?? "SIGKILL";
  const members = await sessionProcesses(leaderPid, leaderStartTime);
  let signalled = 0;
  for (const member of members) {
    // Re-check right before the kill to keep the pid-reuse window as small as possible.
    if ((await identify(member.pid, member.startTime)) !== "same") continue;
    try {
      Deno.kill(member.pid, signal);
      signalled++;
    } catch {
      // exited meanwhile
    }
  }
  if (signal === "SIGKILL" && signalled > 0) {
    const deadline = performance.now() + (options.timeoutMs ?? 5_000);
    for (const member of members) {
      while ((await identify(member.pid, member.startTime)) === "same") {
        if (performance.now() > deadline) {
          throw new Error(
            `Process ${member.pid} (${member.comm}) survived SIGKILL for ${
              options.timeoutMs ?? 5_000
            } ms: is it stuck in uninterruptible IO?`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }
  return signalled;
}
