// Runs inside a role worker: tries what a client must not do and reports what happened.
import { workerScope } from "../worker_scope.ts";
const outcome = (fn: () => void) => {
  try {
    fn();
    return "allowed";
  } catch (e) {
    return e instanceof Error ? e.name : String(e);
  }
};

workerScope.onmessage = (event: MessageEvent<{ file: string }>) => {
  const { file } = event.data;
  const socket = file.replace(/written\.txt$/, "swarm.sock");
  workerScope.postMessage({
    result: {
      spawn: outcome(() => new Deno.Command("true").outputSync()),
      write: outcome(() => Deno.writeTextFileSync(file, "x")),
      // The control socket path is the one place a client may open for writing.
      socketWrite: outcome(() => {
        Deno.writeTextFileSync(socket, "");
        Deno.removeSync(socket);
      }),
    },
  });
};
