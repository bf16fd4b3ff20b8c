import assert from "node:assert/strict";
import { createTestPki } from "../pki/testing.ts";
import { ManualClock } from "../worker/fake_clock.ts";
import { CertRenewer, MAX_TIMER_MS } from "./cert_renewal.ts";

const T = new Date("2030-01-01T00:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const pki = await createTestPki({ now: T });

/** A certificate issued at `at`, valid `validityMs` (and backdated one hour, as the CA does). */
async function cert(at: Date, validityMs: number): Promise<string> {
  return (await pki.issue({ role: "worker", nodeId: "n1", now: at, validityMs })).certPem;
}

/** Lets the renewer's promise callbacks run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

function setup(certPem: string, results: (() => Promise<string>)[], random = 0.5) {
  const clock = new ManualClock(T.getTime());
  const calls: number[] = [];
  const log: string[] = [];
  const renewer = new CertRenewer({
    certPem,
    clock,
    random: () => random,
    renew: () => {
      calls.push(clock.now());
      const next = results.shift();
      return next === undefined ? Promise.reject(new Error("no more results")) : next();
    },
    log: (m) => log.push(m),
  });
  return { clock, calls, log, renewer };
}

Deno.test("renewal happens at the random point of 50-80 % of validity, even months away", async () => {
  const validity = 90 * DAY;
  const first = await cert(T, validity);
  const span = validity + HOUR; // backdated one hour
  const notBefore = T.getTime() - HOUR;
  for (const [random, fraction] of [[0, 0.5], [0.5, 0.65], [0.999, 0.5 + 0.3 * 0.999]] as const) {
    const due = notBefore + Math.floor(span * fraction);
    const renewed = await cert(new Date(due), validity);
    const { clock, calls, renewer } = setup(first, [() => Promise.resolve(renewed)], random);
    renewer.start();
    assert.equal(renewer.nextRenewal?.getTime(), due);
    assert.ok(due - T.getTime() > MAX_TIMER_MS, "longer than one platform timer");
    clock.advance(due - T.getTime() - 1);
    await settle();
    assert.deepEqual(calls, [], `random ${random}: not before its time`);
    clock.advance(1);
    await settle();
    assert.deepEqual(calls, [due], `random ${random}: renewed when due`);
    renewer.stop();
  }
});

Deno.test("a certificate past its renewal point at start is renewed at once", async () => {
  const old = await cert(new Date(T.getTime() - 80 * DAY), 90 * DAY);
  const renewed = await cert(T, 90 * DAY);
  const { clock, calls, log, renewer } = setup(old, [() => Promise.resolve(renewed)]);
  renewer.start();
  clock.advance(0);
  await settle();
  assert.deepEqual(calls, [T.getTime()]);
  assert.equal(log[0], "certificate renewal is due now");
  assert.match(log[1] ?? "", /^certificate renewed: valid until 2030-04-01T00:00:00.000Z$/);
  // The next renewal is scheduled from the new certificate.
  assert.equal(
    renewer.nextRenewal?.getTime(),
    T.getTime() - HOUR + Math.floor((90 * DAY + HOUR) * 0.65),
  );
  renewer.stop();
});

Deno.test("a failed renewal is retried with backoff from 5 s, then scheduled anew", async () => {
  const old = await cert(new Date(T.getTime() - 80 * DAY), 90 * DAY);
  const fail = () => Promise.reject(new Error("CA unavailable"));
  const renewed = await cert(T, 90 * DAY);
  const { clock, calls, log, renewer } = setup(old, [
    fail,
    fail,
    fail,
    () => Promise.resolve(renewed),
  ]);
  renewer.start();
  const t0 = T.getTime();
  for (const at of [0, 5_000, 15_000, 35_000]) {
    clock.advance(t0 + at - clock.now());
    await settle();
  }
  assert.deepEqual(calls, [t0, t0 + 5_000, t0 + 15_000, t0 + 35_000]);
  assert.match(log[1] ?? "", /renewal failed \(retrying in 5 s\): CA unavailable/);
  assert.match(log[3] ?? "", /retrying in 20 s/);
  assert.equal(renewer.failures, 0);
  assert.ok(renewer.nextRenewal!.getTime() > t0 + 40 * DAY);
  renewer.stop();
});

Deno.test("a renewed certificate that is due at once waits the minimum interval", async () => {
  // Valid one hour and backdated one hour: with random 0 it is due the moment it is issued.
  const first = await cert(T, HOUR);
  const second = await cert(T, HOUR);
  const third = await cert(new Date(T.getTime() + 60_000), HOUR);
  const { clock, calls, renewer } = setup(first, [
    () => Promise.resolve(second),
    () => Promise.resolve(third),
  ], 0);
  renewer.start();
  clock.advance(0);
  await settle();
  assert.equal(calls.length, 1);
  assert.equal(renewer.nextRenewal?.getTime(), T.getTime() + 60_000);
  clock.advance(59_999);
  await settle();
  assert.equal(calls.length, 1);
  clock.advance(1);
  await settle();
  assert.equal(calls.length, 2);
  renewer.stop();
});

Deno.test("reset reschedules from another certificate; stop cancels", async () => {
  const first = await cert(T, 90 * DAY);
  const { clock, calls, renewer } = setup(first, []);
  renewer.start();
  const fresh = await cert(new Date(T.getTime() + DAY), 2 * DAY);
  renewer.reset(fresh);
  const due = T.getTime() + DAY - HOUR + Math.floor((2 * DAY + HOUR) * 0.65);
  assert.equal(renewer.nextRenewal?.getTime(), due);
  renewer.stop();
  assert.equal(renewer.nextRenewal, undefined);
  clock.advance(100 * DAY);
  await settle();
  assert.deepEqual(calls, []);
  assert.equal(clock.pending, 0);
});
