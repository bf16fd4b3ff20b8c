/**
 * The module a role Worker runs (see `main.ts`): it runs one command with the permissions the
 * Worker was given, and posts back the exit code. SIGINT/SIGTERM arrive as `{ signal }` messages
 * from the main thread.
 *
 * @module
 */
import { Control } from "../proto/gen/swarm/v1/control_pb.ts";
import { ManagedChannel } from "../proto/connection.ts";
import { runClient } from "./client_main.ts";
import { runNode } from "./node_command.ts";
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
    const command = argv.find((a) => !a.startsWith("-")) as "init" | "up";
    const rest = argv.slice(argv.indexOf(command) + 1);
    return await runNode(command, rest, { stdout, stderr, env, shutdown });
  }
  const channels: ManagedChannel[] = [];
  try {
    return await runClient(argv, {
      stdout,
      stderr,
      env,
      connect: (socketPath: string) => {
        const channel = new ManagedChannel({ address: `unix:${socketPath}`, retry: false });
        channels.push(channel);
        // A plain copy: the CLI wraps its API object, and the generated client is frozen.
        return { ...channel.client(Control) };
      },
      stdinText: async () => await new Response(Deno.stdin.readable).text(),
    });
  } finally {
    for (const c of channels) c.close();
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
