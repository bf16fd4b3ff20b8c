// Runs inside a client-role worker given --tls-* files: reads them, and tries what a client must
// still not do. Reports what happened.
import { workerScope } from "../worker_scope.ts";

const outcome = (fn: () => void) => {
  try {
    fn();
    return "allowed";
  } catch (e) {
    return e instanceof Error ? e.name : String(e);
  }
};

workerScope.onmessage = (
  event: MessageEvent<{ tls: string[]; other: string; write: string }>,
) => {
  const { tls, other, write } = event.data;
  workerScope.postMessage({
    result: {
      readTls: tls.map((f) => outcome(() => Deno.readTextFileSync(f))),
      readOther: outcome(() => Deno.readTextFileSync(other)),
      writeTls: outcome(() => Deno.writeTextFileSync(tls[0]!, "x")),
      write: outcome(() => Deno.writeTextFileSync(write, "x")),
      spawn: outcome(() => new Deno.Command("true").outputSync()),
    },
  });
};
