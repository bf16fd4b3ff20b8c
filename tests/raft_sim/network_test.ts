import assert from "node:assert/strict";
import { SimNetwork } from "./network.ts";
import { seededRandom } from "../../raft/rand.ts";
import { newMessage } from "../../raft/message.ts";

const msg = (n: number) => newMessage({ type: "heartbeat", from: "a", to: "b", term: n });

Deno.test("SimNetwork: delays reorder, and due messages come out in time order", () => {
  const net = new SimNetwork(seededRandom(1));
  net.faults = { dropRate: 0, dupRate: 0, maxDelay: 20 };
  for (let i = 0; i < 50; i++) net.send(msg(i), 0);
  let last = 0;
  const terms: number[] = [];
  for (let now = 0; now <= 21; now++) {
    for (let f = net.popDue(now); f !== undefined; f = net.popDue(now)) {
      assert.ok(f.at >= last && f.at <= now);
      last = f.at;
      terms.push(f.msg.term);
    }
  }
  assert.equal(terms.length, 50);
  assert.notDeepEqual(terms, [...terms].sort((a, b) => a - b), "some were reordered");
});

Deno.test("SimNetwork: drops, duplicates, partitions", () => {
  const net = new SimNetwork(seededRandom(2));
  net.faults = { dropRate: 0.5, dupRate: 0.5, maxDelay: 1 };
  for (let i = 0; i < 1000; i++) net.send(msg(i), 0);
  assert.ok(net.dropped > 400 && net.dropped < 600);
  assert.ok(net.inFlight > 600, "duplicates");
  net.partition(["a"], ["b", "c"]);
  assert.ok(net.isBlocked("a", "c") && net.isBlocked("b", "a") && !net.isBlocked("b", "c"));
  net.heal();
  assert.ok(!net.isBlocked("a", "c"));
});
