import assert from "node:assert/strict";
import * as errors from "./errors.ts";

Deno.test("every error class sets its name and extends PkiError", () => {
  const instances: Error[] = [
    new errors.MalformedPemError("m"),
    new errors.KeyMismatchError("m"),
    new errors.InvalidCSRError("m"),
    new errors.InvalidValidityError(1, 3_600_000),
    new errors.CertificateVerificationError("m"),
    new errors.MalformedCertificateError("m"),
    new errors.UntrustedCertificateError("m"),
    new errors.CertificateExpiredError("m", new Date(0)),
    new errors.CertificateNotYetValidError("m", new Date(0)),
    new errors.WrongClusterError("a", "b"),
    new errors.MalformedJoinTokenError("m"),
    new errors.MalformedUnlockKeyError("m"),
    new errors.LockedError(),
    new errors.WrongUnlockKeyError(),
    new errors.IncompleteNodeFilesError(["x"]),
    new errors.UnauthenticatedError("m"),
    new errors.PermissionDeniedError("m"),
  ];
  for (const err of instances) {
    assert.ok(err instanceof errors.PkiError);
    assert.equal(err.name, err.constructor.name);
  }
});

Deno.test("verification errors share a base class", () => {
  for (
    const err of [
      new errors.MalformedCertificateError("m"),
      new errors.UntrustedCertificateError("m"),
      new errors.CertificateExpiredError("m", new Date(0)),
      new errors.CertificateNotYetValidError("m", new Date(0)),
      new errors.WrongClusterError("a", "b"),
    ]
  ) {
    assert.ok(err instanceof errors.CertificateVerificationError);
  }
});

Deno.test("lock errors tell the user to run swarm unlock", () => {
  assert.match(new errors.LockedError().message, /swarm unlock/);
  assert.match(new errors.WrongUnlockKeyError().message, /swarm unlock/);
  assert.match(new errors.WrongClusterError("a", "b").message, /expected cluster a/);
});
