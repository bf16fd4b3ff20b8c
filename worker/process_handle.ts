/**
 * One spawned task process: how it is launched, stopped and cleaned up after.
 *
 * Launch: `[setpriv --pdeathsig KILL] /bin/sh -c 'exec "$@" >>stdout.log 2>>stderr.log' …` with
 * `detached: true` (Deno calls `setsid()`), so that
 * - the task leads its own session and process group: stop signals go to the whole group
 *   (`kill(-pid)`), and leftovers are found by session ID;
 * - its output goes straight to the log files (appended), not through pipes, so it keeps logging
 *   and never gets SIGPIPE if the node dies;
 * - `exec` keeps one pid (and one start time) for the whole chain;
 * - with the parent-death signal, the task gets SIGKILL when the node process dies.
 *
 * The process is recorded (pid and start time) in the records directory while it runs. When it
 * exits, the rest of its session is killed (like a container's processes when its init exits) and
 * the record is deleted.
 *
 * @module
 */

import type { ExitResult } from "./executor.ts";
import { readProcStatSync } from "./proc_stat.ts";
import { removeProcessRecord, writeProcessRecord } from "./process_records.ts";
import { killSession } from "./process_session.ts";
import type { LaunchSpec } from "./process_spec.ts";

/** The wrapper script: `$1`/`$2` are the log files, the rest is the command line. */
// Closes every descriptor above 2 that the node process let through (its sockets and pipes are
// not all close-on-exec), then becomes the task with output appended to its log files. Closing
// descriptors numbered 10 and up needs bash; under a plain POSIX sh the loop is skipped.
const WRAPPER = 'o="$1"; e="$2"; shift 2; ' +
  'if [ -n "$BASH_VERSION" ]; then for f in /proc/$$/fd/*; do n=${f##*/}; ' +
  '[ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-"; done 2>/dev/null; ' +
  // bash's exec would add SHLVL to the task's environment.
  'exec env -u SHLVL "$@" >>"$o" 2>>"$e"; fi; ' +
  'exec "$@" >>"$o" 2>>"$e"';

/** How to spawn task processes. */
export interface SpawnOptions {
  readonly taskId: string;
  /** Absolute path of a POSIX shell. */
  readonly shell: string;
  /** Absolute path of `setpriv` to set a parent-death signal, or undefined not to. */
  readonly setpriv: string | undefined;
  /** Directory of the process records. */
  readonly recordsDir: string;
}

/** A running (or exited) task process. */
export class ProcessHandle {
  readonly pid: number;
  /** `/proc` start time of the process, if it could be read. */
  readonly startTime: number | undefined;
  /** Resolves once the process has exited, its session is cleaned up and its record deleted. */
  readonly exited: Promise<ExitResult>;
  /** Resolves once the process record is written (never rejects: the record is best effort). */
  readonly recorded: Promise<void>;
  #exit: ExitResult | undefined;
  /** The process has been reaped: its pid may belong to someone else now. */
  #reaped = false;
  #stopping: Promise<ExitResult> | undefined;

  private constructor(child: Deno.ChildProcess, spec: LaunchSpec, options: SpawnOptions) {
    this.pid = child.pid;
    // Read now, synchronously: the process cannot have been reaped yet.
    this.startTime = readProcStatSync(child.pid)?.startTime;
    const startTime = this.startTime;
    const recorded = startTime === undefined ? Promise.resolve() : writeProcessRecord(
      options.recordsDir,
      {
        version: 1,
        taskId: options.taskId,
        pid: child.pid,
        startTime,
        command: spec.executable,
        startedAt: Date.now(),
      },
    ).catch(() => {}); // best effort: losing it only weakens orphan reaping after a crash
    this.recorded = recorded;
    this.exited = child.status.then(async (status) => {
      this.#reaped = true;
      const exit: ExitResult = status.signal === null
        ? { exitCode: status.code }
        : { exitCode: status.code, signal: status.signal };
      await recorded;
      if (startTime !== undefined) await killSession(this.pid, startTime).catch(() => {});
      await removeProcessRecord(options.recordsDir, options.taskId).catch(() => {});
      this.#exit = exit;
      return exit;
    });
  }

  /**
   * Spawns the task process. Throws what `Deno.Command.spawn` throws (e.g. `NotFound` for a
   * missing shell or working directory).
   */
  static spawn(spec: LaunchSpec, options: SpawnOptions): ProcessHandle {
    const shellArgs = ["-c", WRAPPER, "swarm-task", spec.stdoutPath, spec.stderrPath];
    const argv = [options.shell, ...shellArgs, spec.executable, ...spec.args];
    const [program, ...args] = options.setpriv === undefined
      ? argv
      : [options.setpriv, "--pdeathsig", "KILL", ...argv];
    const child = new Deno.Command(program!, {
      args,
      cwd: spec.cwd,
      env: { ...spec.env },
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "null",
      detached: true,
    }).spawn();
    return new ProcessHandle(child, spec, options);
  }

  /** How the process exited, once it has (and its cleanup finished). */
  get exit(): ExitResult | undefined {
    return this.#exit;
  }

  /**
   * Sends `signal` to the process group, waits up to `graceMs` for the process to exit, then sends
   * SIGKILL. Resolves once it has exited. Concurrent calls share the first stop.
   */
  stop(signal: Deno.Signal, graceMs: number): Promise<ExitResult> {
    if (this.#exit !== undefined) return this.exited;
    this.#stopping ??= (async () => {
      this.#signal(signal);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const graceOver = new Promise<"grace">((resolve) => {
        timer = setTimeout(() => resolve("grace"), graceMs);
      });
      const first = await Promise.race([this.exited, graceOver]);
      clearTimeout(timer);
      if (first === "grace") this.#signal("SIGKILL");
      return await this.exited;
    })();
    return this.#stopping;
  }

  /** Sends SIGKILL to the process group and resolves once the process has exited. */
  kill(): Promise<ExitResult> {
    if (this.#exit === undefined) this.#signal("SIGKILL");
    return this.exited;
  }

  #signal(signal: Deno.Signal): void {
    if (this.#reaped) return; // leftovers are killed by the exit cleanup
    try {
      Deno.kill(-this.pid, signal); // the whole process group
    } catch {
      try {
        Deno.kill(this.pid, signal);
      } catch {
        // already exited
      }
    }
  }
}
