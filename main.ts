/**
 * The `swarm` entry point. It decides which role the command plays (`cli/roles.ts`) and runs it
 * in a Worker that holds only that role's permissions; this thread only forwards signals and
 * the exit code.
 *
 * @module
 */
import { roleOf, rolePermissions } from "./cli/roles.ts";
import { rolePathsFor } from "./cli/role_paths.ts";
import { startWorker } from "./cli/role_worker.ts";

if (import.meta.main) {
  const argv = Deno.args;
  const role = roleOf(argv);
  const paths = rolePathsFor(role, argv, (name) => Deno.env.get(name), Deno.cwd());
  const worker = startWorker<number>(
    new URL("./cli/role_main.ts", import.meta.url),
    rolePermissions(role, paths),
    { role, argv },
  );
  const forward = (signal: Deno.Signal) => () => worker.post({ signal });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, forward(signal));
  }
  try {
    Deno.exit(await worker.result);
  } catch (e) {
    console.error(`swarm: ${e instanceof Error ? e.message : e}`);
    Deno.exit(70);
  }
}
