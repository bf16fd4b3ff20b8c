import assert from "node:assert/strict";
import {
  type ProcessRecord,
  readProcessRecords,
  removeProcessRecord,
  writeProcessRecord,
} from "./process_records.ts";

const record = (taskId: string, pid = 100): ProcessRecord => ({
  version: 1,
  taskId,
  pid,
  startTime: 5000,
  command: "/bin/sleep",
  startedAt: 1,
});

Deno.test("process records: write, replace, list and remove", async () => {
  const root = await Deno.makeTempDir();
  const dir = `${root}/processes`;
  try {
    assert.deepEqual(await readProcessRecords(dir), [], "missing dir is empty");
    await writeProcessRecord(dir, record("b"));
    await writeProcessRecord(dir, record("a"));
    await writeProcessRecord(dir, record("a", 200));
    assert.deepEqual(await readProcessRecords(dir), [record("a", 200), record("b")]);
    await removeProcessRecord(dir, "a");
    await removeProcessRecord(dir, "a"); // missing is fine
    assert.deepEqual(await readProcessRecords(dir), [record("b")]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("process records: invalid files and leftover temporaries are deleted", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeProcessRecord(dir, record("ok"));
    await Deno.writeTextFile(`${dir}/bad.json`, "{");
    await Deno.writeTextFile(`${dir}/wrong.json`, JSON.stringify(record("other")));
    await Deno.writeTextFile(`${dir}/neg.json`, JSON.stringify({ ...record("neg"), pid: -1 }));
    await Deno.writeTextFile(`${dir}/.ok.123.tmp`, "partial");
    await Deno.writeTextFile(`${dir}/README`, "kept");
    assert.deepEqual(await readProcessRecords(dir), [record("ok")]);
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, ["README", "ok.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
