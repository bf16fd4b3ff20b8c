import assert from "node:assert/strict";
import { encodeTar } from "./tar.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

/** What GNU tar lists and extracts from `archive`. */
async function untar(archive: Uint8Array): Promise<{ listing: string; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "swarm-tar-" });
  const file = `${dir}/a.tar`;
  await Deno.writeFile(file, archive);
  const list = await new Deno.Command("tar", {
    args: ["--numeric-owner", "-tvf", file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(list.success, new TextDecoder().decode(list.stderr));
  const out = `${dir}/out`;
  await Deno.mkdir(out);
  const x = await new Deno.Command("tar", {
    args: ["--numeric-owner", "-xpf", file, "-C", out],
    stderr: "piped",
  }).output();
  assert.ok(x.success, new TextDecoder().decode(x.stderr));
  return { listing: new TextDecoder().decode(list.stdout), dir };
}

Deno.test("encodeTar: tar reads back each file's path, content, mode and owner", async () => {
  const long = `${"d".repeat(120)}/${"f".repeat(90)}`;
  const archive = encodeTar([
    { path: "run/secrets/db", data: bytes("s3cret"), mode: 0o400, uid: 1000, gid: 1001 },
    { path: "etc/app.conf", data: bytes("x".repeat(700)), mode: 0o444, uid: 0, gid: 0 },
    { path: long, data: new Uint8Array(), mode: 0o640, uid: 0, gid: 0 },
  ]);
  assert.equal(archive.length % 512, 0);
  const { listing, dir } = await untar(archive);
  try {
    assert.match(listing, /^-r-------- 1000\/1001\s+6 .* run\/secrets\/db$/m);
    assert.match(listing, /^-r--r--r-- 0\/0\s+700 .* etc\/app\.conf$/m);
    assert.ok(listing.includes(long), listing);
    assert.equal(await Deno.readTextFile(`${dir}/out/run/secrets/db`), "s3cret");
    assert.equal(await Deno.readTextFile(`${dir}/out/etc/app.conf`), "x".repeat(700));
    const info = await Deno.stat(`${dir}/out/run/secrets/db`);
    assert.equal((info.mode ?? 0) & 0o777, 0o400);
    if (Deno.uid() === 0) assert.equal(info.uid, 1000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("encodeTar: paths and owners ustar cannot hold are refused", () => {
  const file = { data: new Uint8Array(), mode: 0o400, uid: 0, gid: 0 };
  assert.throws(() => encodeTar([{ ...file, path: "/abs" }]), /give a relative path/);
  assert.throws(() => encodeTar([{ ...file, path: "x".repeat(101) }]), /Path too long/);
  assert.throws(() => encodeTar([{ ...file, path: "a", uid: -1 }]), /Invalid uid for a: -1/);
  assert.equal(encodeTar([]).length, 1024);
});
