import assert from "node:assert/strict";
import { TaskRejectedError } from "./executor.ts";
import { containerFilePaths, containerFilesArchive } from "./docker_files.ts";
import type { TaskFile, TaskRuntime } from "./types.ts";

const file = (name: string, target: string): TaskFile => ({
  name,
  target,
  data: new TextEncoder().encode(name),
  mode: 0o400,
  uid: 0,
  gid: 0,
});

const task = (secrets: TaskFile[], configs: TaskFile[] = []): TaskRuntime => ({
  taskId: "t1",
  name: "web.1.t1",
  serviceId: "s1",
  slot: 1,
  command: "",
  args: [],
  env: [],
  image: "busybox",
  secrets,
  configs,
});

Deno.test("container files: secrets under /run/secrets, configs at their target (relative: under /)", () => {
  assert.deepEqual(
    containerFilePaths(task(
      [file("db", "db"), file("tls", "certs/tls.pem"), file("abs", "/var/lib/key")],
      [file("app", "app.conf"), file("nginx", "/etc/nginx/nginx.conf")],
    )).map((p) => `${p.kind} ${p.name} ${p.path}`),
    [
      "secret db /run/secrets/db",
      "secret tls /run/secrets/certs/tls.pem",
      "secret abs /var/lib/key",
      "config app /app.conf",
      "config nginx /etc/nginx/nginx.conf",
    ],
  );
  assert.equal(containerFilesArchive(task([])), undefined);
  const archive = containerFilesArchive(task([file("db", "db")]))!;
  assert.equal(new TextDecoder().decode(archive.slice(0, 14)), "run/secrets/db");
});

Deno.test("container files: two files at one path, or a bad target, reject the task", () => {
  assert.throws(
    () => containerFilePaths(task([file("a", "/etc/x")], [file("b", "/etc/x")])),
    (e: unknown) =>
      e instanceof TaskRejectedError &&
      e.message === "Two files for /etc/x: secret a and config b: give each its own target",
  );
  assert.throws(() => containerFilesArchive(task([file("a", "../x")])), TaskRejectedError);
  assert.throws(
    () => containerFilesArchive(task([file("a", `${"x".repeat(101)}`)])),
    /Cannot place the task's files: Path too long/,
  );
});
