import assert from "node:assert/strict";
import { fakeScriptFromCommand, parseFakeCommand } from "./fake_script.ts";

Deno.test("parseFakeCommand: the command language", () => {
  assert.deepEqual(parseFakeCommand("fake", []), {});
  assert.deepEqual(parseFakeCommand("fake", ["exit=3", "after=50"]), {
    exitCode: 3,
    exitAfterMs: 50,
  });
  assert.deepEqual(parseFakeCommand("fake", ["forever", "ignore-stop", "stdout=a=b", "stderr="]), {
    ignoreStopSignal: true,
    stdout: "a=b",
    stderr: "",
  });
  assert.deepEqual(parseFakeCommand("fake", ["print-env=A", "print-env=B", "print-cwd"]), {
    printEnv: ["A", "B"],
    printCwd: true,
    exitCode: 0,
  });
  assert.deepEqual(parseFakeCommand("fake", ["print-cwd", "forever"]), { printCwd: true });
  assert.deepEqual(
    parseFakeCommand("fake", ["fail-prepare=x", "fail-start=y", "prepare-delay=5"]),
    { prepareError: "x", startError: "y", prepareDelayMs: 5 },
  );
});

Deno.test("parseFakeCommand: errors", () => {
  assert.throws(() => parseFakeCommand("fake", ["exit=-1"]), /exit=<integer ≥ 0>/);
  assert.throws(() => parseFakeCommand("fake", ["exit"]), SyntaxError);
  assert.throws(() => parseFakeCommand("fake", ["stdout"]), /stdout=<text>/);
  assert.throws(() => parseFakeCommand("fake", ["nope"]), /Invalid fake argument: nope/);
  assert.match(
    parseFakeCommand("nginx", []).prepareError ?? "",
    /^Executable file not found: nginx/,
  );
  assert.match(parseFakeCommand("", []).prepareError ?? "", /^Missing command/);
});

Deno.test("fakeScriptFromCommand: syntax errors become prepare errors", () => {
  assert.match(fakeScriptFromCommand("fake", ["bogus"]).prepareError ?? "", /bogus/);
});
