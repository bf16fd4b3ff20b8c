/**
 * Test helpers for the Docker executor: reach the engine, and make sure the test image
 * `busybox:local` exists. No registry is reachable from our machines, so the image is built
 * locally from a static busybox: a folder with `bin/busybox` and a symbolic link per applet, then
 * `tar -C DIR -c . | docker import - busybox:local`.
 *
 * Whether Docker tests run is decided by `SWARM_DOCKER_TESTS`:
 * - `require` (CI sets it): the engine must be reachable and the image buildable, or the test
 *   module fails to load — the tests never skip silently;
 * - unset (`auto`): they run when an engine answers, and are reported as ignored otherwise.
 *
 * Run as a program it builds the image if missing (`.ci/run` does so before the tests):
 * `deno run -A worker/_docker_fixture.ts`.
 *
 * @module
 */

import type { DockerEngine } from "./docker_engine.ts";
import { parseDockerHost } from "./docker_host.ts";
import { connectDockerEngine } from "./dockerode_engine.ts";
import { DOCKER_LABELS } from "./docker_spec.ts";

/** The image the Docker tests run. */
export const DOCKER_TEST_IMAGE = "busybox:local";

/** Where a static busybox may be (Debian's busybox-static installs /bin/busybox). */
const BUSYBOX_CANDIDATES = ["/bin/busybox", "/usr/bin/busybox", "/usr/local/bin/busybox"];

/**
 * The engine for Docker tests, with {@linkcode DOCKER_TEST_IMAGE} present; undefined when no
 * engine answers and `SWARM_DOCKER_TESTS` is not `require` (then it throws, saying what to do).
 */
export async function dockerForTests(): Promise<DockerEngine | undefined> {
  const mode = Deno.env.get("SWARM_DOCKER_TESTS") ?? "auto";
  const endpoint = parseDockerHost(Deno.env.get("DOCKER_HOST"), Deno.env.get("DOCKER_TLS_VERIFY"));
  let engine: DockerEngine;
  try {
    engine = await connectDockerEngine(endpoint, { timeoutMs: 5_000 });
  } catch (error) {
    if (mode !== "require") return undefined;
    throw new Error(
      `SWARM_DOCKER_TESTS=require but no Docker engine answers: ${
        error instanceof Error ? error.message : error
      }. Start one as root with .ci/docker-up`,
      { cause: error },
    );
  }
  await ensureTestImage(engine);
  return engine;
}

/** Builds {@linkcode DOCKER_TEST_IMAGE} unless the engine has it. */
export async function ensureTestImage(engine: DockerEngine): Promise<void> {
  if (await engine.inspectImage(DOCKER_TEST_IMAGE) !== undefined) return;
  const busybox = await findStaticBusybox();
  const dir = await Deno.makeTempDir({ prefix: "swarm-busybox-image-" });
  try {
    await Deno.chmod(dir, 0o755); // the image's root: a temporary directory is 0700
    await Deno.mkdir(`${dir}/bin`, { mode: 0o755 });
    await Deno.mkdir(`${dir}/tmp`, { mode: 0o777 });
    await Deno.chmod(`${dir}/tmp`, 0o1777);
    await Deno.copyFile(busybox, `${dir}/bin/busybox`);
    await Deno.chmod(`${dir}/bin/busybox`, 0o755);
    const list = await new Deno.Command(busybox, { args: ["--list"], stdout: "piped" }).output();
    for (const applet of new TextDecoder().decode(list.stdout).split("\n")) {
      if (applet === "" || applet === "busybox" || applet.includes("/")) continue;
      await Deno.symlink("busybox", `${dir}/bin/${applet}`);
    }
    const out = await new Deno.Command("sh", {
      args: ["-c", 'tar -C "$1" -c . | docker import - "$2"', "sh", dir, DOCKER_TEST_IMAGE],
      env: { DOCKER_HOST: engine.endpoint },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success || await engine.inspectImage(DOCKER_TEST_IMAGE) === undefined) {
      throw new Error(
        `Building ${DOCKER_TEST_IMAGE} failed: ${new TextDecoder().decode(out.stderr).trim()}: ` +
          "it needs tar and the docker CLI (apt-get install -y docker.io)",
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Removes every container labelled with `nodeId` (what a test's executor left). */
export async function removeNodeContainers(engine: DockerEngine, nodeId: string): Promise<void> {
  for (const c of await engine.listContainers({ [DOCKER_LABELS.nodeId]: nodeId })) {
    await engine.removeContainer(c.id).catch(() => {});
  }
}

async function findStaticBusybox(): Promise<string> {
  for (const path of BUSYBOX_CANDIDATES) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch {
      continue;
    }
    if (isStaticElf(bytes)) return path;
  }
  throw new Error(
    `No statically linked busybox in ${BUSYBOX_CANDIDATES.join(", ")}: ` +
      "install one with apt-get install -y busybox-static",
  );
}

/** Whether a 64-bit little-endian ELF file has no program interpreter (is statically linked). */
function isStaticElf(bytes: Uint8Array): boolean {
  if (bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[4] !== 2) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const phoff = Number(view.getBigUint64(32, true));
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > bytes.length) return false;
    if (view.getUint32(at, true) === 3) return false; // PT_INTERP
  }
  return true;
}

if (import.meta.main) {
  const engine = await dockerForTests();
  if (engine === undefined) {
    console.error("No Docker engine answers: start one with .ci/docker-up");
    Deno.exit(1);
  }
  console.log(`${DOCKER_TEST_IMAGE} is ready on ${engine.endpoint}`);
}
