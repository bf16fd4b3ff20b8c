import assert from "node:assert/strict";
import type { PathStat } from "./docker_engine.ts";
import { TaskRejectedError } from "./executor.ts";
import {
  type ContainerStat,
  decodePathStat,
  isExecutableFile,
  resolveContainerExecutable,
} from "./docker_resolve.ts";

const SYMLINK = 2 ** 27;
const DIR = 2 ** 31;

/** A container file system: path → stat (what the engine answers). */
function fs(entries: Record<string, Partial<PathStat>>): { stat: ContainerStat; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    stat: (path) => {
      asked.push(path);
      const e = entries[path];
      return Promise.resolve(
        e === undefined
          ? undefined
          : { name: path.split("/").pop()!, size: 1, mode: 0o644, linkTarget: "", ...e },
      );
    },
  };
}

const image = { path: "/usr/bin:/bin", cwd: "/srv", image: "busybox:local" };

Deno.test("decodePathStat: the engine's header", () => {
  // What dockerd 20.10 sends for busybox's /bin/sh.
  const header =
    "eyJuYW1lIjoic2giLCJzaXplIjo3LCJtb2RlIjoxMzQyMTgyMzksIm10aW1lIjoiMjAyNi0xMS0yMVQxMDoxMzo1NVoiLCJsaW5rVGFyZ2V0IjoiL2Jpbi9idXN5Ym94In0=";
  assert.deepEqual(decodePathStat(header), {
    name: "sh",
    size: 7,
    mode: 134218239,
    linkTarget: "/bin/busybox",
  });
  assert.throws(() => decodePathStat(btoa("null")), TypeError);
});

Deno.test("isExecutableFile: regular files with an execute bit only", () => {
  const s = (mode: number): PathStat => ({ name: "x", size: 1, mode, linkTarget: "" });
  assert.equal(isExecutableFile(s(0o755)), true);
  assert.equal(isExecutableFile(s(0o100)), true);
  assert.equal(isExecutableFile(s(0o644)), false);
  assert.equal(isExecutableFile(s(DIR + 0o755)), false);
  assert.equal(isExecutableFile(s(SYMLINK + 0o777)), false);
});

Deno.test("resolveContainerExecutable: PATH lookup follows symbolic links", async () => {
  const { stat, asked } = fs({
    "/bin/sh": { mode: SYMLINK + 0o777, linkTarget: "/bin/busybox" },
    "/bin/busybox": { mode: 0o755 },
  });
  assert.equal(await resolveContainerExecutable("sh", image, stat), "/bin/sh");
  assert.deepEqual(asked, ["/usr/bin/sh", "/bin/sh", "/bin/busybox"]);
});

Deno.test("resolveContainerExecutable: paths resolve against the working directory", async () => {
  const { stat } = fs({ "/srv/run.sh": { mode: 0o700 }, "/opt/tool": { mode: 0o755 } });
  assert.equal(await resolveContainerExecutable("./run.sh", image, stat), "/srv/run.sh");
  assert.equal(await resolveContainerExecutable("../opt/tool", image, stat), "/opt/tool");
  assert.equal(await resolveContainerExecutable("/opt/tool", image, stat), "/opt/tool");
  // An empty PATH entry is the working directory.
  assert.equal(
    await resolveContainerExecutable("run.sh", { ...image, path: ":/bin" }, stat),
    "/srv/run.sh",
  );
});

Deno.test("resolveContainerExecutable: missing and not runnable are REJECTED, naming both", async () => {
  const { stat } = fs({
    "/usr/bin/data": { mode: 0o644 },
    "/bin/loop": { mode: SYMLINK + 0o777, linkTarget: "/bin/loop" },
    "/bin/dangling": { mode: SYMLINK + 0o777, linkTarget: "/nowhere" },
    "/srv/dir": { mode: DIR + 0o755 },
  });
  await assert.rejects(
    resolveContainerExecutable("nope", image, stat),
    (e: unknown) =>
      e instanceof TaskRejectedError &&
      e.message ===
        "Executable file not found in image busybox:local: nope: not in PATH=/usr/bin:/bin",
  );
  await assert.rejects(
    resolveContainerExecutable("data", image, stat),
    /Executable file not runnable in image busybox:local: \/usr\/bin\/data: not a file with execute permission/,
  );
  await assert.rejects(resolveContainerExecutable("loop", image, stat), /not runnable/);
  await assert.rejects(
    resolveContainerExecutable("dangling", image, stat),
    /Executable file not found in image busybox:local: dangling/,
  );
  await assert.rejects(resolveContainerExecutable("/srv/dir", image, stat), /not runnable/);
  await assert.rejects(
    resolveContainerExecutable("/bin/none", image, stat),
    /^TaskRejectedError: Executable file not found in image busybox:local: \/bin\/none$/,
  );
});
