/**
 * Linux signal names and numbers, for stop signals written as `"SIGTERM"`, `"TERM"` or `"15"`
 * (the forms Docker accepts) and for exit codes of 128 + signal number.
 *
 * @module
 */

const NUMBERS = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
} as const satisfies Partial<Record<Deno.Signal, number>>;

type LinuxSignal = keyof typeof NUMBERS;

const BY_NUMBER = new Map<number, LinuxSignal>(
  (Object.entries(NUMBERS) as Array<[LinuxSignal, number]>).map(([name, n]) => [n, name]),
);

/**
 * The signal named by `text` (`"SIGTERM"`, `"TERM"`, `"sigterm"` or `"15"`), or undefined if it
 * names no Linux signal.
 */
export function parseSignal(text: string): Deno.Signal | undefined {
  const t = text.trim().toUpperCase();
  if (/^\d+$/.test(t)) return BY_NUMBER.get(Number(t));
  const name = t.startsWith("SIG") ? t : `SIG${t}`;
  return Object.hasOwn(NUMBERS, name) ? name as LinuxSignal : undefined;
}

/** The Linux number of a signal (15 for SIGTERM), or undefined for non-Linux signals. */
export function signalNumber(signal: Deno.Signal): number | undefined {
  return Object.hasOwn(NUMBERS, signal) ? NUMBERS[signal as LinuxSignal] : undefined;
}
