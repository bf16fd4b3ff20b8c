import assert from "node:assert/strict";
import type { Command, CommandGroup } from "./command.ts";
import { allNames, commandHelp, findByName, groupHelp } from "./command.ts";

const cmd: Command = {
  name: "ls",
  aliases: ["list"],
  summary: "List things",
  usage: "swarm thing ls [OPTIONS]",
  options: "  -q, --quiet                 Only print IDs\n",
  flags: {},
  run: () => Promise.resolve(0),
};
const group: CommandGroup = {
  name: "thing",
  aliases: ["things"],
  summary: "Manage things",
  commands: [cmd],
};

Deno.test("findByName and allNames know aliases", () => {
  assert.equal(findByName([cmd], "list"), cmd);
  assert.equal(findByName([cmd], "ls"), cmd);
  assert.equal(findByName([cmd], "nope"), undefined);
  assert.deepEqual(allNames([cmd]), ["ls", "list"]);
});

Deno.test("commandHelp aligns the common options with the command's", () => {
  assert.equal(
    commandHelp(cmd),
    "Usage:  swarm thing ls [OPTIONS]\n\nList things\n\nOptions:\n" +
      "  -q, --quiet                 Only print IDs\n" +
      "  -s, --socket PATH           Control socket of a manager (env SWARM_SOCKET)\n" +
      "      --host HOST:PORT        A manager's remote API over mutual TLS (env SWARM_HOST)\n" +
      "      --tls-cert FILE         Client certificate, a manager's (env SWARM_CERT_PATH/cert.pem)\n" +
      "      --tls-key FILE          Its private key (env SWARM_CERT_PATH/key.pem)\n" +
      "      --tls-ca FILE           The cluster's root CA (env SWARM_CERT_PATH/ca.pem)\n" +
      "  -h, --help                  Show this help\n",
  );
  const bare = commandHelp({ ...cmd, options: "" });
  assert.match(bare, /Options:\n {2}-s, --socket PATH {5}Control socket/);
  assert.match(bare, /\n {6}--host HOST:PORT {2}A manager's remote API/);
});

Deno.test("groupHelp lists commands and aliases", () => {
  const text = groupHelp("swarm thing", group);
  assert.match(text, /^Usage: {2}swarm thing COMMAND\n\nManage things\n\nAliases: things\n/);
  assert.match(text, / {2}ls {3}List things \(alias: list\)\n/);
  assert.match(text, /Run 'swarm thing COMMAND --help'/);
});
