import assert from "node:assert/strict";
import { runLeave } from "./leave_command.ts";
import { writeNodeState } from "./node_state.ts";

async function nodeDir(role: "manager" | "worker"): Promise<string> {
  const dir = await Deno.makeTempDir();
  await writeNodeState(dir, {
    createdBy: "join",
    nodeId: "n1",
    clusterId: "c1",
    role,
    hostname: "h",
    listenAddr: "127.0.0.1:1",
    advertiseAddr: "127.0.0.1:1",
  });
  for (const sub of ["certificates", "raft", "tasks"]) await Deno.mkdir(`${dir}/${sub}`);
  await Deno.writeTextFile(`${dir}/keep.txt`, "not the node's");
  return dir;
}

function io() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: {
      stdout: (t: string) => out.stdout += t,
      stderr: (t: string) => out.stderr += t,
      env: () => undefined,
      shutdown: new Promise<void>(() => {}),
    },
  };
}

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

Deno.test("swarm leave deletes a worker's identity and state, and nothing else", async () => {
  const dir = await nodeDir("worker");
  const { out, io: nodeIO } = io();
  assert.equal(await runLeave(["-d", dir], nodeIO), 0);
  assert.match(out.stdout, /Node n1 left the swarm/);
  assert.match(out.stdout, /swarm node rm n1/);
  for (const gone of ["node.json", "certificates", "raft", "tasks"]) {
    assert.equal(await exists(`${dir}/${gone}`), false, gone);
  }
  assert.equal(await exists(`${dir}/keep.txt`), true);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("swarm leave refuses a manager without --force, and changes nothing", async () => {
  const dir = await nodeDir("manager");
  const { out, io: nodeIO } = io();
  assert.equal(await runLeave(["-d", dir], nodeIO), 1);
  assert.match(out.stderr, /is a manager: demote it first with 'swarm node demote n1'/);
  assert.equal(await exists(`${dir}/node.json`), true);
  assert.equal(await exists(`${dir}/raft`), true);

  const forced = io();
  assert.equal(await runLeave(["-d", dir, "--force"], forced.io), 0);
  assert.match(forced.out.stderr, /no other manager is known/);
  assert.equal(await exists(`${dir}/raft`), false);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("swarm leave on a directory without a node says so", async () => {
  const dir = await Deno.makeTempDir();
  const { out, io: nodeIO } = io();
  assert.equal(await runLeave(["-d", dir], nodeIO), 1);
  assert.match(out.stderr, /holds no swarm node: there is nothing to leave/);
  await Deno.remove(dir);
});

Deno.test("swarm leave refuses while the node runs", async () => {
  const dir = await nodeDir("worker");
  // A live process (this one is not it: the lock names another live pid) holds the directory.
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  await Deno.writeTextFile(`${dir}/swarm.lock`, `${child.pid}\n`);
  try {
    const { out, io: nodeIO } = io();
    assert.equal(await runLeave(["-d", dir], nodeIO), 1);
    assert.match(out.stderr, /in use by a running swarm node/);
    assert.equal(await exists(`${dir}/node.json`), true);
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});
