/**
 * The Docker controller against a small in-memory engine, for what a real engine makes hard to
 * arrange: containers left by an earlier run, engine outages, containers removed underneath.
 * The real engine runs the shared conformance suite in `docker_executor_test.ts`.
 */
import assert from "node:assert/strict";
import {
  type ContainerInfo,
  DockerApiError,
  type DockerEngine,
  DockerUnreachableError,
} from "./docker_engine.ts";
import { DockerController, DockerTaskState } from "./docker_controller.ts";
import { containerPlan } from "./docker_spec.ts";
import { ExecutorError, isTemporary, TaskAlreadyStartedError } from "./executor.ts";
import type { TaskRuntime } from "./types.ts";

interface FakeContainer {
  info: ContainerInfo;
  /** Pending `waitContainer` calls. */
  waits: PromiseWithResolvers<number>[];
}

/** An engine with one container per name; tests decide when containers exit. */
class FakeEngine implements DockerEngine {
  readonly endpoint = "unix:///fake.sock";
  readonly containers = new Map<string, FakeContainer>();
  readonly calls: string[] = [];
  /** What a signal does to a running container: an exit code, or nothing. */
  onSignal: (signal: string) => number | undefined = (s) => s === "SIGKILL" ? 137 : 143;

  add(name: string, status: ContainerInfo["status"], exitCode = 0): FakeContainer {
    const c: FakeContainer = {
      info: {
        id: `id-${name}`,
        name,
        status,
        running: status === "running",
        pid: status === "running" ? 4242 : 0,
        exitCode,
        labels: {},
        stopSignal: "SIGTERM",
      },
      waits: [],
    };
    this.containers.set(c.info.id, c);
    return c;
  }

  exit(id: string, code: number): void {
    const c = this.containers.get(id)!;
    c.info = { ...c.info, status: "exited", running: false, pid: 0, exitCode: code };
    for (const w of c.waits.splice(0)) w.resolve(code);
  }

  /** Ends every pending wait with `error` (the connection to the engine broke). */
  breakWaits(error: Error): void {
    for (const c of this.containers.values()) for (const w of c.waits.splice(0)) w.reject(error);
  }

  #find(idOrName: string): FakeContainer | undefined {
    return this.containers.get(idOrName) ??
      [...this.containers.values()].find((c) => c.info.name === idOrName);
  }

  info = () => Promise.reject(new Error("not used"));
  inspectImage = () => Promise.reject(new Error("not used"));
  pullImage = () => Promise.reject(new Error("not used"));
  createContainer = () => Promise.reject(new Error("not used"));
  containerLogs = () => Promise.resolve(new Uint8Array());
  statPath = () => Promise.resolve(undefined);
  putArchive = () => Promise.reject(new Error("not used"));
  listContainers = () => Promise.resolve([]);

  inspectContainer(idOrName: string): Promise<ContainerInfo | undefined> {
    return Promise.resolve(this.#find(idOrName)?.info);
  }

  startContainer(id: string): Promise<void> {
    this.calls.push(`start ${id}`);
    const c = this.#find(id)!;
    c.info = { ...c.info, status: "running", running: true, pid: 4242 };
    return Promise.resolve();
  }

  killContainer(id: string, signal: string): Promise<boolean> {
    this.calls.push(`kill ${signal}`);
    const c = this.#find(id);
    if (c === undefined || !c.info.running) return Promise.resolve(false);
    const code = this.onSignal(signal);
    if (code !== undefined) this.exit(c.info.id, code);
    return Promise.resolve(true);
  }

  waitContainer(id: string): Promise<number> {
    this.calls.push("wait");
    const c = this.#find(id);
    if (c === undefined) return Promise.reject(new DockerApiError(404, `No such container: ${id}`));
    if (!c.info.running) return Promise.resolve(c.info.exitCode);
    const w = Promise.withResolvers<number>();
    c.waits.push(w);
    return w.promise;
  }

  removeContainer(id: string): Promise<void> {
    const c = this.#find(id);
    if (c !== undefined) this.containers.delete(c.info.id);
    return Promise.resolve();
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

const task: TaskRuntime = {
  taskId: "t1",
  name: "web.1.t1",
  serviceId: "s1",
  slot: 1,
  image: "busybox:local",
  command: "sleep",
  args: ["3600"],
  env: [],
  stopGracePeriodMs: 50,
};

/** A controller whose `prepare` finds (or "creates") the container named after the task. */
function controllerOn(engine: FakeEngine, state = new DockerTaskState(task)): DockerController {
  return new DockerController(state, {
    engine,
    prepare: (s) => {
      const existing = [...engine.containers.values()].find((c) => c.info.name === s.name);
      const c = existing ?? engine.add(s.name, "created");
      const plan = containerPlan(s.task, { nodeId: "n1", networkMode: "host", init: true });
      return Promise.resolve({ id: c.info.id, adopted: existing !== undefined, plan });
    },
    checkStart: () => {},
    forget: () => {},
  });
}

Deno.test("docker controller: a container that ran before is attached to, never restarted", async () => {
  const engine = new FakeEngine();
  engine.add("web.1.t1", "exited", 3);
  const ctl = controllerOn(engine);
  await assert.rejects(ctl.start(), TaskAlreadyStartedError);
  assert.deepEqual(await ctl.wait(), { exitCode: 3 });
  assert.deepEqual(engine.calls.filter((c) => c.startsWith("start")), []);
  assert.deepEqual(await ctl.inspect(), { running: false, exitCode: 3 });
});

Deno.test("docker controller: a signal is reported only when this controller sent it", async () => {
  const engine = new FakeEngine();
  const own = controllerOn(engine);
  await own.start();
  engine.exit("id-web.1.t1", 143); // killed by someone else
  assert.deepEqual(await own.wait(), { exitCode: 143 });

  const other = new FakeEngine();
  const ctl = controllerOn(other);
  await ctl.start();
  await ctl.shutdown();
  assert.deepEqual(await ctl.wait(), { exitCode: 143, signal: "SIGTERM" });
  assert.deepEqual(other.calls, ["start id-web.1.t1", "wait", "kill SIGTERM"]);
});

Deno.test("docker controller: the stop signal, the grace period, then SIGKILL", async () => {
  const engine = new FakeEngine();
  engine.onSignal = (s) => (s === "SIGKILL" ? 137 : undefined); // ignores SIGTERM
  const ctl = controllerOn(engine);
  await ctl.start();
  const t0 = performance.now();
  await ctl.shutdown();
  assert.ok(performance.now() - t0 >= 45, "waited the grace period");
  assert.deepEqual(await ctl.wait(), { exitCode: 137, signal: "SIGKILL" });
  assert.deepEqual(engine.calls.slice(-2), ["kill SIGTERM", "kill SIGKILL"]);
  await ctl.shutdown(); // exited: nothing more is sent
  await ctl.terminate();
  assert.deepEqual(engine.calls.slice(-2), ["kill SIGTERM", "kill SIGKILL"]);
});

Deno.test("docker controller: a wait cut off by an engine outage is tried again", async () => {
  const engine = new FakeEngine();
  const ctl = controllerOn(engine);
  await ctl.start();
  const first = ctl.wait().then(() => undefined, (e: unknown) => e);
  await flush(); // the wait is under way
  engine.breakWaits(new DockerUnreachableError(engine.endpoint, "connection reset"));
  assert.ok(isTemporary(await first), String(first));
  const second = ctl.wait();
  engine.exit("id-web.1.t1", 0);
  assert.deepEqual(await second, { exitCode: 0 });
  assert.deepEqual(engine.calls.filter((c) => c === "wait"), ["wait", "wait"]);
});

Deno.test("docker controller: a container removed while it ran fails the wait, saying so", async () => {
  const engine = new FakeEngine();
  const ctl = controllerOn(engine);
  await ctl.start();
  // The engine went away for a moment; when it is back, the container is gone.
  engine.breakWaits(new DockerUnreachableError(engine.endpoint, "connection reset"));
  await flush();
  await engine.removeContainer("id-web.1.t1");
  await assert.rejects(
    ctl.wait(),
    (e: unknown) =>
      e instanceof ExecutorError &&
      e.message ===
        "Container web.1.t1 of task t1 was removed while it ran: its exit code is unknown",
  );
});

Deno.test("docker controller: shutdown before start leaves the created container unstarted", async () => {
  const engine = new FakeEngine();
  const ctl = controllerOn(engine);
  await ctl.prepare();
  await ctl.shutdown();
  await assert.rejects(ctl.start(), /shut down before it started/);
  assert.deepEqual(engine.calls, []);
  await ctl.remove();
  assert.equal(engine.containers.size, 0);
});
