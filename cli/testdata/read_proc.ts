// Runs inside a node-role worker: the process executor must read /proc/<pid>/stat.
import { workerScope } from "../worker_scope.ts";

workerScope.onmessage = () => {
  try {
    Deno.readTextFileSync(`/proc/${Deno.pid}/stat`);
    workerScope.postMessage({ result: "readable" });
  } catch (e) {
    workerScope.postMessage({ result: e instanceof Error ? e.name : String(e) });
  }
};
