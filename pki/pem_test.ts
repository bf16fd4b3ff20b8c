import assert from "node:assert/strict";
import { decodeFirstPem, decodePem, decodePemOfType, encodePem } from "./pem.ts";
import { MalformedPemError } from "./errors.ts";

Deno.test("encodePem and decodePem round-trip, with 64-column lines", () => {
  const der = Uint8Array.from({ length: 100 }, (_, i) => i);
  const pem = encodePem("CERTIFICATE", der);
  assert.ok(pem.startsWith("-----BEGIN CERTIFICATE-----\n"));
  assert.ok(pem.endsWith("-----END CERTIFICATE-----\n"));
  assert.ok(pem.split("\n").every((line) => line.length <= 64));
  assert.deepEqual(decodePem(pem), [{ type: "CERTIFICATE", der }]);
});

Deno.test("decodePem keeps the order of several blocks and ignores text around them", () => {
  const a = encodePem("CERTIFICATE", new Uint8Array([1]));
  const b = encodePem("PRIVATE KEY", new Uint8Array([2]));
  const blocks = decodePem(`leading text\n${a}between\r\n${b.replaceAll("\n", "\r\n")}`);
  assert.deepEqual(blocks.map((x) => x.type), ["CERTIFICATE", "PRIVATE KEY"]);
  assert.deepEqual(blocks[1]?.der, new Uint8Array([2]));
});

Deno.test("decodePem rejects text without blocks, bad base64 and mismatched labels", () => {
  assert.throws(() => decodePem("hello"), MalformedPemError);
  assert.throws(
    () => decodePem("-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----"),
    MalformedPemError,
  );
  assert.throws(
    () => decodePem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----"),
    /ends with END PRIVATE KEY/,
  );
});

Deno.test("decodePemOfType and decodeFirstPem check the block type", () => {
  const cert = encodePem("CERTIFICATE", new Uint8Array([1]));
  const key = encodePem("PRIVATE KEY", new Uint8Array([2]));
  assert.deepEqual(decodePemOfType(cert + cert, "CERTIFICATE").length, 2);
  assert.throws(() => decodePemOfType(cert + key, "CERTIFICATE"), /expected CERTIFICATE/);
  assert.deepEqual(decodeFirstPem(cert + key, "CERTIFICATE"), new Uint8Array([1]));
  assert.throws(() => decodeFirstPem(key, "CERTIFICATE"), MalformedPemError);
});
