import assert from "node:assert/strict";
import { bytesToBase36 } from "./_bytes.ts";
import { MalformedJoinTokenError } from "./errors.ts";
import {
  generateJoinToken,
  joinTokenEquals,
  parseJoinToken,
  tokenMatchesRoot,
} from "./join_token.ts";
import { createRootCA, rootCADigest } from "./root_ca.ts";

const digest = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
const fixedRandom = (n: number) => Uint8Array.from({ length: n }, (_, i) => 255 - i);

Deno.test("a token is SWMTKN-1-<50 base36 digest>-<25 base36 secret>", () => {
  const token = generateJoinToken(digest, fixedRandom);
  assert.match(token, /^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$/);
  assert.equal(token.split("-")[2], bytesToBase36(digest, 50));
  assert.equal(token.split("-")[3], bytesToBase36(fixedRandom(16), 25));
});

Deno.test("small digests and secrets are zero-padded", () => {
  const token = generateJoinToken(new Uint8Array(32), () => new Uint8Array(16));
  assert.equal(token, `SWMTKN-1-${"0".repeat(50)}-${"0".repeat(25)}`);
  assert.deepEqual(parseJoinToken(token).rootDigest, new Uint8Array(32));
});

Deno.test("parseJoinToken round-trips and trims whitespace", () => {
  const token = generateJoinToken(digest);
  const parsed = parseJoinToken(` ${token}\n`);
  assert.equal(parsed.token, token);
  assert.deepEqual(parsed.rootDigest, digest);
  assert.equal(parsed.secret, token.slice(-25));
});

Deno.test("tokens of one root differ only in the secret", () => {
  const worker = generateJoinToken(digest);
  const manager = generateJoinToken(digest);
  assert.notEqual(worker, manager);
  assert.equal(worker.slice(0, 60), manager.slice(0, 60));
});

Deno.test("tokenMatchesRoot checks the digest of the downloaded root", async () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const root = await createRootCA({ now });
  const impostor = await createRootCA({ now });
  const token = generateJoinToken(await rootCADigest(root.certPem));
  assert.ok(tokenMatchesRoot(token, await rootCADigest(root.certPem)));
  assert.ok(!tokenMatchesRoot(token, await rootCADigest(impostor.certPem)));
  assert.ok(tokenMatchesRoot(parseJoinToken(token), await rootCADigest(root.certPem)));
  assert.throws(() => tokenMatchesRoot("junk", digest), MalformedJoinTokenError);
});

Deno.test("malformed tokens say what is wrong and what a token looks like", () => {
  const good = generateJoinToken(digest);
  const [, , a = "", b = ""] = good.split("-");
  const cases: [string, RegExp][] = [
    ["hello", /does not start with "SWMTKN-"/],
    [`SWMTKN-2-1-${a}-${b}`, /version is not 1 \("2"\)/],
    [`SWMTKN-1-${a}`, /3 dash-separated parts instead of 4/],
    [`SWMTKN-1-${a}-${b}-x`, /5 dash-separated parts/],
    [`SWMTKN-1-${a.slice(1)}-${b}`, /digest has 49 characters instead of 50/],
    [`SWMTKN-1-${a}-${b}0`, /secret has 26 characters instead of 25/],
    [`SWMTKN-1-${a.toUpperCase()}-${b}`, /not a lowercase base-36 SHA-256 digest/],
    [`SWMTKN-1-${"z".repeat(50)}-${b}`, /not a lowercase base-36 SHA-256 digest/], // > 2^256
    [`SWMTKN-1-${a}-${"z".repeat(25)}`, /secret is not 16 bytes/],
  ];
  for (const [token, reason] of cases) {
    const err = (() => {
      try {
        parseJoinToken(token);
      } catch (e) {
        return e;
      }
      assert.fail(`accepted ${token}`);
    })();
    assert.ok(err instanceof MalformedJoinTokenError, token);
    assert.equal(err.name, "MalformedJoinTokenError");
    assert.match(err.message, reason);
    assert.match(err.message, /looks like SWMTKN-1-<50 base-36 characters>-<25 base-36/);
  }
});

Deno.test("generateJoinToken refuses a digest that is not 32 bytes", () => {
  assert.throws(() => generateJoinToken(new Uint8Array(20)), RangeError);
});

Deno.test("joinTokenEquals", () => {
  const a = generateJoinToken(digest);
  const b = generateJoinToken(digest);
  assert.ok(joinTokenEquals(a, a));
  assert.ok(joinTokenEquals(a, `${a}`));
  assert.ok(!joinTokenEquals(a, b));
  assert.ok(!joinTokenEquals(a, a.slice(0, -1)));
  assert.ok(!joinTokenEquals("", a));
});
