/**
 * What a fake task does, and a tiny command language that encodes it in a task's command and
 * arguments, so that tests that only control service specs (CLI → manager → agent) can script the
 * fake executor too:
 *
 * ```text
 * fake exit=3 after=50              exit with code 3 after 50 ms
 * fake forever                      run until stopped (also the default without exit=)
 * fake ignore-stop stdout=ready     ignore the stop signal (killed after the grace period)
 * fake print-env=FOO print-cwd      write "FOO=<value>" and "cwd=<dir>" lines to stdout, then exit 0
 * fake stdout=TEXT stderr=TEXT      write TEXT and a newline to the stream when started
 * fake fail-prepare=MSG             prepare fails with MSG (the task is REJECTED)
 * fake fail-start=MSG               start fails with MSG (the task FAILED)
 * fake prepare-delay=MS             prepare takes MS
 * ```
 *
 * Any command other than `fake` fails to prepare with "Executable file not found".
 *
 * @module
 */

/** The behaviour of one fake task. */
export interface FakeScript {
  /** `prepare` fails with this message (a `TaskRejectedError`). */
  readonly prepareError?: string;
  /** `prepare` takes this long. @default {0} */
  readonly prepareDelayMs?: number;
  /** `start` fails with this message. */
  readonly startError?: string;
  /** Exit code once `exitAfterMs` have passed; omitted: runs until stopped. */
  readonly exitCode?: number;
  /** @default {0} */
  readonly exitAfterMs?: number;
  /** The stop signal is ignored: only SIGKILL (after the grace period, or terminate) ends it. */
  readonly ignoreStopSignal?: boolean;
  /** Written (with a newline) to stdout when started. */
  readonly stdout?: string;
  /** Written (with a newline) to stderr when started. */
  readonly stderr?: string;
  /** Variables written to stdout as `NAME=value` lines when started. */
  readonly printEnv?: readonly string[];
  /** Write `cwd=<dir>` to stdout when started. */
  readonly printCwd?: boolean;
}

/** The executable name the fake executor knows. */
export const FAKE_COMMAND = "fake";

/** Parses a task's command and arguments into a {@linkcode FakeScript}. */
export function parseFakeCommand(command: string, args: readonly string[]): FakeScript {
  if (command === "") return { prepareError: "Missing command: the task has no executable" };
  if (command !== FAKE_COMMAND) {
    return {
      prepareError: `Executable file not found: ${command}: the fake executor only runs "fake"`,
    };
  }
  const script: { -readonly [K in keyof FakeScript]: FakeScript[K] } = {};
  const printEnv: string[] = [];
  let exits = false;
  for (const arg of args) {
    const eq = arg.indexOf("=");
    const key = eq < 0 ? arg : arg.slice(0, eq);
    const value = eq < 0 ? undefined : arg.slice(eq + 1);
    const int = () => {
      const n = Number(value);
      if (value === undefined || value === "" || !Number.isInteger(n) || n < 0) {
        throw new SyntaxError(`Invalid fake argument: ${arg}: expected ${key}=<integer ≥ 0>`);
      }
      return n;
    };
    const text = () => {
      if (value === undefined) {
        throw new SyntaxError(`Invalid fake argument: ${arg}: expected ${key}=<text>`);
      }
      return value;
    };
    switch (key) {
      case "exit":
        script.exitCode = int();
        exits = true;
        break;
      case "after":
        script.exitAfterMs = int();
        break;
      case "forever":
        break;
      case "ignore-stop":
        script.ignoreStopSignal = true;
        break;
      case "stdout":
        script.stdout = text();
        break;
      case "stderr":
        script.stderr = text();
        break;
      case "print-env":
        printEnv.push(text());
        break;
      case "print-cwd":
        script.printCwd = true;
        break;
      case "fail-prepare":
        script.prepareError = text();
        break;
      case "fail-start":
        script.startError = text();
        break;
      case "prepare-delay":
        script.prepareDelayMs = int();
        break;
      default:
        throw new SyntaxError(
          `Invalid fake argument: ${arg}: expected exit=, after=, forever, ignore-stop, stdout=, ` +
            "stderr=, print-env=, print-cwd, fail-prepare=, fail-start= or prepare-delay=",
        );
    }
  }
  if (printEnv.length > 0) script.printEnv = printEnv;
  // Printing without an explicit exit or "forever" is a one-shot command.
  if (!exits && !args.includes("forever") && (printEnv.length > 0 || script.printCwd)) {
    script.exitCode = 0;
  }
  return script;
}

/** Like {@linkcode parseFakeCommand}, but a syntax error becomes the script's prepare error. */
export function fakeScriptFromCommand(command: string, args: readonly string[]): FakeScript {
  try {
    return parseFakeCommand(command, args);
  } catch (error) {
    return { prepareError: error instanceof Error ? error.message : String(error) };
  }
}
