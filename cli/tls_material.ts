/**
 * Reading the TLS files of a remote target (`--tls-cert`, `--tls-key`, `--tls-ca`) and checking
 * they hold what they should (PEM of the right kind, a certificate valid now, an unencrypted key
 * that belongs to the certificate), so that a wrong, missing or expired file is reported by
 * name before anything is dialed.
 *
 * @module
 */

import {
  type CertificateVerificationError,
  isEncryptedKeyPem,
  keyMatchesCertificate,
  type NodeCertificateInfo,
  readNodeCertificate,
} from "../pki/mod.ts";
import type { TlsFiles } from "./target.ts";

/** The PEM texts a remote connection presents and trusts. */
export interface TlsMaterial {
  /** The cluster's root CA certificate. */
  readonly rootPem: string;
  /** The client certificate (chain). */
  readonly certPem: string;
  /** The client's unencrypted private key. */
  readonly keyPem: string;
}

/** A TLS file could not be read or does not hold what it should. */
export class TlsMaterialError extends Error {
  override name = "TlsMaterialError";
  /** The file at fault. */
  readonly file: string;

  constructor(message: string, file: string, options?: ErrorOptions) {
    super(message, options);
    this.file = file;
  }
}

const WHAT = {
  cert: { flag: "--tls-cert", what: "client certificate" },
  key: { flag: "--tls-key", what: "private key" },
  ca: { flag: "--tls-ca", what: "root CA certificate" },
} as const;

/**
 * Reads and checks the three files.
 *
 * @param now the time the certificate must be valid at.
 * @throws {TlsMaterialError} naming the file that is missing, unreadable, not the right PEM, a
 * certificate that expired or is not valid yet, or a key that is not the certificate's.
 */
export async function readTlsMaterial(
  files: TlsFiles,
  readFile: (path: string) => Promise<Uint8Array>,
  now: Date = new Date(),
): Promise<TlsMaterial> {
  const read = async (kind: keyof TlsFiles): Promise<string> => {
    const path = files[kind];
    const { flag, what } = WHAT[kind];
    let text: string;
    try {
      text = new TextDecoder().decode(await readFile(path));
    } catch (err) {
      const reason = err instanceof Deno.errors.NotFound
        ? "no such file"
        : err instanceof Error
        ? err.message
        : String(err);
      throw new TlsMaterialError(
        `cannot read the ${what} ${path} (${flag}): ${reason}`,
        path,
        { cause: err },
      );
    }
    const pemType = kind === "key"
      ? /-----BEGIN [A-Z ]*PRIVATE KEY-----/
      : /-----BEGIN CERTIFICATE-----/;
    if (!pemType.test(text)) {
      throw new TlsMaterialError(
        `the ${what} ${path} (${flag}) is not a PEM ${
          kind === "key" ? "private key" : "certificate"
        }: give the ${kind === "key" ? "key" : "certificate"} file itself`,
        path,
      );
    }
    if (kind === "key" && isEncryptedKeyPem(text)) {
      throw new TlsMaterialError(
        `the private key ${path} (${flag}) is encrypted (autolock): remote administration needs ` +
          "an unencrypted key",
        path,
      );
    }
    return text;
  };
  // One at a time, so the first bad file in flag order is the one reported.
  const certPem = await read("cert");
  checkValidity(files.cert, certPem, now);
  const keyPem = await read("key");
  const rootPem = await read("ca");
  let matches: boolean;
  try {
    matches = await keyMatchesCertificate(keyPem, certPem);
  } catch (err) {
    // A key or certificate that does not parse (or is not ECDSA P-256, as swarm's are).
    throw new TlsMaterialError(
      `the private key ${files.key} (--tls-key) or the certificate ${files.cert} (--tls-cert) ` +
        `is not usable: ${err instanceof Error ? err.message : String(err)}`,
      files.key,
      { cause: err },
    );
  }
  if (!matches) {
    throw new TlsMaterialError(
      `the private key ${files.key} (--tls-key) does not belong to the certificate ${files.cert} ` +
        "(--tls-cert): give the key file that came with that certificate",
      files.key,
    );
  }
  return { rootPem, certPem, keyPem };
}

/** Refuses a certificate that is not valid at `now` (one that does not parse is left to the
 * key check, which names it). */
function checkValidity(path: string, certPem: string, now: Date): void {
  let info: NodeCertificateInfo;
  try {
    info = readNodeCertificate(certPem);
  } catch (err) {
    if ((err as CertificateVerificationError).name === "MalformedCertificateError") return;
    throw err;
  }
  if (info.notAfter.getTime() <= now.getTime()) {
    throw new TlsMaterialError(
      `the client certificate ${path} (--tls-cert) expired at ${info.notAfter.toISOString()}: ` +
        "managers renew their certificates on their own, so copy the current one again from " +
        "a manager (<state-dir>/certificates/swarm-node.crt, with swarm-node.key)",
      path,
    );
  }
  if (info.notBefore.getTime() > now.getTime()) {
    throw new TlsMaterialError(
      `the client certificate ${path} (--tls-cert) is not valid before ` +
        `${info.notBefore.toISOString()}: check this machine's clock`,
      path,
    );
  }
}
