import assert from "node:assert/strict";
import * as net from "node:net";
import { runExecutorConformance } from "./executor_conformance.ts";
import { ExecutorError, TaskRejectedError } from "./executor.ts";
import { isDead, readProcStat } from "./proc_stat.ts";
import { ProcessExecutor } from "./process_executor.ts";
import { readProcessRecords, writeProcessRecord } from "./process_records.ts";
import type { TaskRuntime } from "./types.ts";

runExecutorConformance("process", async () => {
  const stateDir = await Deno.makeTempDir({ prefix: "swarm-process-executor-" });
  const executor = new ProcessExecutor({ stateDir, nodeId: "node-1" });
  return {
    executor,
    dispose: async () => {
      await executor.shutdownAll();
      await Deno.remove(stateDir, { recursive: true });
    },
  };
});

// --- process-specific behaviour -----------------------------------------------------------------

let counter = 0;
function task(command: string, args: string[], extra: Partial<TaskRuntime> = {}): TaskRuntime {
  const taskId = `ptask${++counter}`;
  return {
    taskId,
    name: `web.${counter}.${taskId}`,
    serviceId: "svc1",
    slot: counter,
    command,
    args,
    env: {},
    ...extra,
  };
}

async function withExecutor(
  fn: (executor: ProcessExecutor, stateDir: string) => Promise<void>,
  options: { parentDeathSignal?: boolean | "auto"; baseEnv?: Record<string, string> } = {},
): Promise<void> {
  const stateDir = await Deno.realPath(await Deno.makeTempDir({ prefix: "swarm-pexec-" }));
  const executor = new ProcessExecutor({ stateDir, nodeId: "node-7", ...options });
  try {
    await fn(executor, stateDir);
  } finally {
    await executor.shutdownAll();
    await Deno.remove(stateDir, { recursive: true });
  }
}

async function alive(pid: number): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat !== undefined && !isDead(stat);
}

async function pollUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function readPid(path: string): Promise<number> {
  let pid = 0;
  await pollUntil(`pid file ${path}`, async () => {
    pid = Number((await Deno.readTextFile(path).catch(() => "")).trim());
    return pid > 0;
  });
  return pid;
}

function killQuietly(pid: number): void {
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // gone
  }
}

Deno.test("process: env is exactly the base, SWARM_* identity and the task env", async () => {
  await withExecutor(async (executor) => {
    const t = task("env", [], { env: { FOO: "bar", HOME: "/task-home" } });
    const ctl = executor.controller(t);
    await ctl.start();
    assert.equal((await ctl.wait()).exitCode, 0);
    const env = Object.fromEntries(
      (await ctl.logs()).stdout.trim().split("\n").map((l) => {
        const eq = l.indexOf("=");
        return [l.slice(0, eq), l.slice(eq + 1)];
      }),
    );
    const { PWD: _pwd, ...rest } = env; // added by the launching shell
    assert.deepEqual(rest, {
      PATH: "/usr/bin:/bin",
      HOME: "/task-home",
      SWARM_TASK_ID: t.taskId,
      SWARM_TASK_NAME: t.name,
      SWARM_TASK_SLOT: String(t.slot),
      SWARM_SERVICE_ID: "svc1",
      SWARM_NODE_ID: "node-7",
      FOO: "bar",
    });
  }, { baseEnv: { PATH: "/usr/bin:/bin", HOME: "/root" } });
});

Deno.test("process: output is appended to <logRoot>/<taskId>/stdout.log and stderr.log", async () => {
  await withExecutor(async (executor, stateDir) => {
    const t = task("sh", ["-c", "echo new; echo oops >&2"]);
    const dir = `${stateDir}/logs/${t.taskId}`;
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(`${dir}/stdout.log`, "old\n");
    const ctl = executor.controller(t);
    await ctl.start();
    await ctl.wait();
    assert.equal(await Deno.readTextFile(`${dir}/stdout.log`), "old\nnew\n");
    assert.equal(await Deno.readTextFile(`${dir}/stderr.log`), "oops\n");
    await ctl.remove();
    await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
  });
});

Deno.test("process: prepare rejects bad tasks with actionable messages", async () => {
  await withExecutor(async (executor, stateDir) => {
    const reject = async (t: TaskRuntime, pattern: RegExp) => {
      const ctl = executor.controller(t);
      await assert.rejects(ctl.prepare(), (e: unknown) => {
        assert.ok(e instanceof TaskRejectedError, String(e));
        assert.match(e.message, pattern);
        return true;
      });
    };
    await reject(
      task("sh", [], { dir: `${stateDir}/nope` }),
      /^Working directory not found: .*\/nope$/,
    );
    await Deno.writeTextFile(`${stateDir}/plain.txt`, "x");
    await reject(task("sh", [], { dir: `${stateDir}/plain.txt` }), /not a directory/);
    await reject(
      task("./plain.txt", [], { dir: stateDir }),
      /^Executable file not runnable: \.\/plain\.txt/,
    );
    await reject(
      task("no-such-cmd-xyz", []),
      /^Executable file not found: no-such-cmd-xyz: not in PATH=/,
    );
    await reject(task("", []), /^Missing command/);
    await reject(task("sh", [], { taskId: "../escape" }), /^Invalid task ID/);
    await reject(task("sh", [], { env: ["NOEQUALS"] }), /^Invalid environment entry: "NOEQUALS"/);
  });
});

Deno.test("process: a relative command path resolves against the working directory", async () => {
  await withExecutor(async (executor, stateDir) => {
    await Deno.writeTextFile(`${stateDir}/run.sh`, "#!/bin/sh\necho ran in $(pwd -P)\n");
    await Deno.chmod(`${stateDir}/run.sh`, 0o755);
    const ctl = executor.controller(task("./run.sh", [], { dir: stateDir }));
    await ctl.start();
    assert.equal((await ctl.wait()).exitCode, 0);
    assert.equal((await ctl.logs()).stdout, `ran in ${stateDir}\n`);
  });
});

Deno.test("process: shutdown stops the whole process group, children included", async () => {
  await withExecutor(async (executor, stateDir) => {
    const pidFile = `${stateDir}/child.pid`;
    const ctl = executor.controller(
      task("sh", ["-c", `sleep 1000 & echo $! > ${pidFile}; wait`], { stopGracePeriodMs: 10_000 }),
    );
    await ctl.start();
    const child = await readPid(pidFile);
    assert.ok(await alive(child));
    const t0 = performance.now();
    await ctl.shutdown();
    assert.ok(performance.now() - t0 < 10_000, "the stop signal sufficed");
    assert.equal(await alive(child), false, "background child stopped too");
  });
});

Deno.test("process: leftovers of a finished task are killed when it exits", async () => {
  await withExecutor(async (executor, stateDir) => {
    const pidFile = `${stateDir}/child.pid`;
    // The background child ignores SIGTERM and SIGHUP and outlives its parent.
    const script = `(trap '' TERM HUP; exec sleep 1000) & echo $! > ${pidFile}; exit 0`;
    const ctl = executor.controller(task("sh", ["-c", script]));
    await ctl.start();
    assert.equal((await ctl.wait()).exitCode, 0);
    const child = await readPid(pidFile);
    assert.equal(await alive(child), false);
  });
});

Deno.test("process: a running task is recorded by pid and start time until it exits", async () => {
  await withExecutor(async (executor, stateDir) => {
    const t = task("sleep", ["1000"], { stopGracePeriodMs: 5_000 });
    const ctl = executor.controller(t);
    await ctl.start();
    const { pid } = await ctl.inspect();
    await pollUntil(
      "record written",
      async () => (await readProcessRecords(`${stateDir}/processes`)).length > 0,
    );
    const [record] = await readProcessRecords(`${stateDir}/processes`);
    assert.equal(record?.taskId, t.taskId);
    assert.equal(record?.pid, pid);
    assert.equal(record?.startTime, (await readProcStat(pid!))?.startTime);
    await ctl.shutdown();
    assert.deepEqual(await readProcessRecords(`${stateDir}/processes`), []);
  });
});

Deno.test("process: shutdownAll stops every task and refuses new starts", async () => {
  await withExecutor(async (executor) => {
    const a = executor.controller(task("sleep", ["1000"]));
    const b = executor.controller(
      task("sh", ["-c", "trap '' TERM; echo ready; sleep 1000"], { stopGracePeriodMs: 200 }),
    );
    await a.start();
    await b.start();
    await pollUntil("b ignores SIGTERM", async () => (await b.logs()).stdout === "ready\n");
    assert.equal(executor.running().length, 2);
    const stopped = await executor.shutdownAll();
    assert.equal(stopped.length, 2);
    assert.deepEqual(executor.running(), []);
    assert.equal((await a.wait()).signal, "SIGTERM");
    assert.equal((await b.wait()).signal, "SIGKILL");
    const c = executor.controller(task("sleep", ["1"]));
    await assert.rejects(c.start(), ExecutorError);
  });
});

Deno.test("process: reapOrphans never kills a recycled pid and drops stale records", async () => {
  await withExecutor(async (executor, stateDir) => {
    const bystander = new Deno.Command("sleep", {
      args: ["1000"],
      detached: true,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const startTime = (await readProcStat(bystander.pid))!.startTime;
      const dir = `${stateDir}/processes`;
      const base = { version: 1 as const, command: "sleep", startedAt: Date.now() };
      // Same pid, other start time: the pid was recycled since the record was written.
      await writeProcessRecord(dir, {
        ...base,
        taskId: "recycled",
        pid: bystander.pid,
        startTime: startTime - 1,
      });
      await writeProcessRecord(dir, { ...base, taskId: "gone", pid: 2 ** 22 + 1, startTime: 1 });
      await Deno.writeTextFile(`${dir}/garbage.json`, "{not json");
      assert.deepEqual(await executor.reapOrphans(), []);
      assert.ok(await alive(bystander.pid), "bystander untouched");
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    } finally {
      bystander.kill("SIGKILL");
      await bystander.status;
    }
  });
});

/** Runs a node process that starts one task, then kills the node with SIGKILL. */
async function crashNodeWithTask(stateDir: string, parentDeathSignal: boolean) {
  const script = `${stateDir}/node.ts`;
  const url = new URL("./process_executor.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { ProcessExecutor } from ${JSON.stringify(url)};
const [stateDir, pds] = Deno.args;
const executor = new ProcessExecutor({ stateDir, parentDeathSignal: pds === "true" });
const ctl = executor.controller({ taskId: "orphan1", name: "o.1.orphan1", serviceId: "o", slot: 1,
  command: "sh", args: ["-c", "sleep 1000 & echo $! > " + stateDir + "/grandchild.pid; wait"], env: {} });
await ctl.start();
console.log(JSON.stringify({ pid: (await ctl.inspect()).pid }));
setInterval(() => {}, 1e6);
`,
  );
  const node = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", "--no-config", script, stateDir, String(parentDeathSignal)],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = node.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`Node exited early: ${out}`);
    out += value;
  }
  reader.cancel().catch(() => {});
  const taskPid: number = JSON.parse(out.split("\n")[0]!).pid;
  const grandchild = await readPid(`${stateDir}/grandchild.pid`);
  node.kill("SIGKILL");
  await node.status;
  return { taskPid, grandchild };
}

Deno.test("process: after the node is killed, reapOrphans kills what it left", async () => {
  await withExecutor(async (executor, stateDir) => {
    const { taskPid, grandchild } = await crashNodeWithTask(stateDir, false);
    try {
      assert.ok(await alive(taskPid), "without a parent-death signal the task outlives the node");
      assert.deepEqual(await executor.reapOrphans(), ["orphan1"]);
      assert.equal(await alive(taskPid), false);
      assert.equal(await alive(grandchild), false);
      assert.deepEqual(await executor.reapOrphans(), [], "records are gone");
    } finally {
      killQuietly(taskPid);
      killQuietly(grandchild);
    }
  });
});

Deno.test("process: with a parent-death signal the task dies with the node", async () => {
  await withExecutor(async (executor, stateDir) => {
    if (!(await executor.usesParentDeathSignal())) return; // no setpriv here
    const { taskPid, grandchild } = await crashNodeWithTask(stateDir, true);
    try {
      await pollUntil("task process killed with its node", async () => !(await alive(taskPid)));
      // Only the direct child gets the signal; reapOrphans takes care of its descendants.
      assert.ok(await alive(grandchild), "grandchild survives the parent-death signal");
      assert.deepEqual(await executor.reapOrphans(), ["orphan1"]);
      assert.equal(await alive(grandchild), false);
    } finally {
      killQuietly(taskPid);
      killQuietly(grandchild);
    }
  }, { parentDeathSignal: true });
});

Deno.test({
  name: "process: the parent-death signal does not fire while the node lives (12 s)",
  // Linux sends it when the spawning *thread* exits. Deno spawns on the JavaScript thread; if a
  // future Deno spawned from a blocking-pool thread (idle threads exit after ~10 s), tasks would
  // die here. Blocking-pool work first, then a wait past the pool's keep-alive.
  fn: async () => {
    await withExecutor(async (executor) => {
      if (!(await executor.usesParentDeathSignal())) return;
      await Promise.all(Array.from({ length: 16 }, () => Deno.readFile("/proc/self/status")));
      const ctl = executor.controller(task("sleep", ["1000"]));
      await ctl.start();
      await Promise.all(Array.from({ length: 16 }, () => Deno.stat("/tmp")));
      const { pid } = await ctl.inspect();
      await new Promise((resolve) => setTimeout(resolve, 12_000));
      assert.ok(await alive(pid!), "task still runs");
      assert.equal((await ctl.inspect()).running, true);
    }, { parentDeathSignal: true });
  },
});

Deno.test("process: parentDeathSignal 'auto' is off inside a Web Worker", async () => {
  const stateDir = await Deno.makeTempDir({ prefix: "swarm-pexec-worker-" });
  const url = new URL("./process_executor.ts", import.meta.url).href;
  const code = `import { ProcessExecutor } from ${JSON.stringify(url)};
const e = new ProcessExecutor({ stateDir: ${JSON.stringify(stateDir)} });
postMessage(await e.usesParentDeathSignal());`;
  const worker = new Worker(`data:application/typescript,${encodeURIComponent(code)}`, {
    type: "module",
  });
  try {
    const result = await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message));
      };
    });
    assert.equal(result, false);
    const main = new ProcessExecutor({ stateDir });
    const setpriv = await new Deno.Command("sh", { args: ["-c", "command -v setpriv"] }).output();
    assert.equal(await main.usesParentDeathSignal(), setpriv.success);
  } finally {
    worker.terminate();
    await Deno.remove(stateDir, { recursive: true });
  }
});

Deno.test("a task process inherits no descriptor of the node beyond stdin, stdout and stderr", async () => {
  const dir = await Deno.makeTempDir();
  // A listening socket of the kind the node holds (grpc-js over node:net), which Deno does not
  // mark close-on-exec.
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(`${dir}/held.sock`, resolve));
  const executor = new ProcessExecutor({ stateDir: `${dir}/state` });
  try {
    const controller = executor.controller({
      taskId: "fds",
      name: "fds",
      serviceId: "s",
      slot: 1,
      command: "sleep",
      args: ["30"],
      env: [],
    });
    await controller.start();
    const { pid } = await controller.inspect!();
    // The wrapper closes descriptors and then becomes the task: wait until it is `sleep` itself.
    const deadline = Date.now() + 10_000;
    while (!Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0")[0]!.endsWith("/sleep")) {
      assert.ok(Date.now() < deadline, "the task never replaced its wrapper");
      await new Promise((r) => setTimeout(r, 10));
    }
    const fds = [...Deno.readDirSync(`/proc/${pid}/fd`)].map((e) => Number(e.name)).sort((a, b) =>
      a - b
    );
    assert.deepEqual(fds, [0, 1, 2]);
    await controller.terminate();
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await executor.shutdownAll();
    await Deno.remove(dir, { recursive: true });
  }
});
