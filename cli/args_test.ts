import assert from "node:assert/strict";
import { expectPositionals, parseCommandArgs } from "./args.ts";
import { UsageError } from "./usage_error.ts";

const CMD = "swarm service create";
const defs = {
  name: { type: "string" as const },
  env: { type: "string" as const, multiple: true },
  replicas: { type: "string" as const },
  force: { type: "boolean" as const },
  quiet: { type: "boolean" as const, short: "q" },
};

function usage(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UsageError, String(err));
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    assert.equal(err.command, CMD);
    return true;
  });
}

Deno.test("parseCommandArgs splits flags, positionals and the part after --", () => {
  const p = parseCommandArgs(
    CMD,
    ["--name", "web", "--env", "A=1", "--env=B=2", "-q", "pos", "--", "sleep", "--x", "1"],
    defs,
  );
  assert.equal(p.flags.string("name"), "web");
  assert.deepEqual(p.flags.strings("env"), ["A=1", "B=2"]);
  assert.ok(p.flags.bool("quiet"));
  assert.ok(!p.flags.bool("force"));
  assert.ok(p.flags.has("name"));
  assert.ok(!p.flags.has("replicas"));
  assert.deepEqual(p.positionals, ["pos"]);
  assert.deepEqual(p.rest, ["sleep", "--x", "1"]);
  assert.deepEqual(p.flags.src("replicas"), { flag: "replicas", command: CMD });
});

Deno.test("parseCommandArgs knows common flags", () => {
  const p = parseCommandArgs(CMD, ["-s", "/tmp/x.sock", "--format", "json", "-h"], defs);
  assert.equal(p.flags.string("socket"), "/tmp/x.sock");
  assert.equal(p.flags.string("format"), "json");
  assert.ok(p.flags.bool("help"));
  assert.equal(p.rest, undefined);
  assert.deepEqual(parseCommandArgs(CMD, ["--"], defs).rest, []);
});

Deno.test("parseCommandArgs reports unknown flags with a suggestion", () => {
  usage(
    () => parseCommandArgs(CMD, ["--replica", "3"], defs),
    `unknown flag --replica for "swarm service create": did you mean --replicas?`,
  );
  usage(() => parseCommandArgs(CMD, ["-x"], defs), `unknown flag -x for "swarm service create"`);
  usage(() => parseCommandArgs(CMD, ["--zzzzzz"], defs), /^unknown flag --zzzzzz for/);
});

Deno.test("parseCommandArgs reports missing and misplaced values", () => {
  usage(() => parseCommandArgs(CMD, ["--name"], defs), "flag --name needs a value");
  usage(
    () => parseCommandArgs(CMD, ["--replicas", "-1"], defs),
    "flag --replicas needs a value: to give a value that starts with '-', write --replicas=VALUE",
  );
  usage(() => parseCommandArgs(CMD, ["--force=yes"], defs), "flag --force takes no value");
  assert.equal(parseCommandArgs(CMD, ["--replicas=-1"], defs).flags.string("replicas"), "-1");
});

Deno.test("expectPositionals checks the count", () => {
  const parsed = (args: string[]) => parseCommandArgs(CMD, args, defs);
  assert.deepEqual(expectPositionals(parsed(["a"]), 1, 1, "SERVICE"), ["a"]);
  usage(
    () => expectPositionals(parsed([]), 1, 1, "SERVICE"),
    `"swarm service create" needs SERVICE`,
  );
  usage(
    () => expectPositionals(parsed([]), 1, Infinity, "SERVICE..."),
    `"swarm service create" needs at least SERVICE...`,
  );
  usage(
    () => expectPositionals(parsed(["a", "b"]), 1, 1, "SERVICE"),
    `too many arguments for "swarm service create": unexpected "b"`,
  );
  usage(
    () => expectPositionals(parsed(["a"]), 0, 0, ""),
    `"swarm service create" takes no arguments, got "a"`,
  );
});
