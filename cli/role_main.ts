/**
 * The module a role Worker runs (see `main.ts`): it runs one command with the permissions the
 * Worker was given, and posts back the exit code. SIGINT/SIGTERM arrive as `{ signal }` messages
 * from the main thread.
 *
 * @module
 */
import { runClient } from "./client_main.ts";
import { ControlDialer } from "./dial.ts";
import { firstLine } from "./client_io.ts";
import { runNode } from "./node_command.ts";
import { runJoin } from "./join_command.ts";
import { runLeave } from "./leave_command.ts";
import type { Role } from "./roles.ts";
import { workerScope } from "./worker_scope.ts";

const encoder = new TextEncoder();
const write = (stream: { writeSync(p: Uint8Array): number }) => (text: string) => {
  const bytes = encoder.encode(text);
  for (let off = 0; off < bytes.length;) off += stream.writeSync(bytes.subarray(off));
};

let stopRequested: () => void = () => {};
const shutdown = new Promise<void>((resolve) => stopRequested = resolve);

async function run(role: Role, argv: string[]): Promise<number> {
  const env = (name: string) => Deno.env.get(name);
  const stdout = write(Deno.stdout);
  const stderr = write(Deno.stderr);
  if (role === "node") {
    const command = argv.find((a) => !a.startsWith("-")) as "init" | "up" | "join" | "leave";
    const rest = argv.slice(argv.indexOf(command) + 1);
    const io = { stdout, stderr, env, shutdown };
    if (command === "join") return await runJoin(rest, io);
    if (command === "leave") return await runLeave(rest, io);
    return await runNode(command, rest, io);
  }
  const dialer = new ControlDialer();
  try {
    return await runClient(argv, {
      stdout,
      stderr,
      env,
      shutdown,
      connect: (socketPath) => dialer.connect(socketPath),
      connectRemote: (target) => dialer.connectRemote(target),
      stdinText: async () => await new Response(Deno.stdin.readable).text(),
      stdinLine: async (prompt) => {
        if (Deno.stdin.isTerminal()) stderr(prompt);
        return await firstLine(Deno.stdin.readable);
      },
    });
  } finally {
    dialer.close();
  }
}

workerScope.onmessage = (
  event: MessageEvent<{ role?: Role; argv?: string[]; signal?: string }>,
) => {
  if (event.data.signal) {
    stopRequested();
    return;
  }
  const { role, argv } = event.data;
  run(role!, argv!).then(
    (code) => workerScope.postMessage({ result: code }),
    (e) =>
      workerScope.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
};
