// Runs the real client (runClient with the real dialer) inside a role worker and posts back its
// exit code and output, so a test can check what a role's permissions allow end to end.
import { runClient } from "../client_main.ts";
import { ControlDialer } from "../dial.ts";
import { workerScope } from "../worker_scope.ts";

workerScope.onmessage = async (event: MessageEvent<{ argv: string[] }>) => {
  const dialer = new ControlDialer();
  let out = "";
  let err = "";
  try {
    const code = await runClient(event.data.argv, {
      stdout: (s) => (out += s),
      stderr: (s) => (err += s),
      env: () => undefined,
      connect: (path) => dialer.connect(path),
      connectRemote: (target) => dialer.connectRemote(target),
    });
    workerScope.postMessage({ result: { code, out, err } });
  } catch (e) {
    workerScope.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  } finally {
    dialer.close();
  }
};
