/**
 * PEM text: decoding into typed DER blocks and encoding DER back to PEM.
 *
 * Certificates are `CERTIFICATE` blocks, requests `CERTIFICATE REQUEST`, private keys PKCS#8
 * `PRIVATE KEY`. A file may hold several blocks (a certificate chain); they keep their order.
 *
 * @module
 */

import { MalformedPemError } from "./errors.ts";

/** PEM type of an X.509 certificate. */
export const CERTIFICATE_PEM_TYPE = "CERTIFICATE";
/** PEM type of a PKCS#10 certificate signing request. */
export const CSR_PEM_TYPE = "CERTIFICATE REQUEST";
/** PEM type of an unencrypted PKCS#8 private key. */
export const PRIVATE_KEY_PEM_TYPE = "PRIVATE KEY";

/** One decoded PEM block. */
export interface PemBlock {
  /** The label between `-----BEGIN ` and `-----`, e.g. `CERTIFICATE`. */
  readonly type: string;
  /** The decoded body. */
  readonly der: Uint8Array<ArrayBuffer>;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/**
 * Decodes every PEM block in `text`, in order. Text outside blocks is ignored.
 *
 * @throws {MalformedPemError} when there is no block, a block's END label differs from its BEGIN
 * label, or a body is not base64.
 */
export function decodePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, type = "", body = "", endType] = match;
    if (type !== endType) {
      throw new MalformedPemError(`Malformed PEM: block BEGIN ${type} ends with END ${endType}`);
    }
    const base64 = body.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
      throw new MalformedPemError(`Malformed PEM: the body of a ${type} block is not base64`);
    }
    blocks.push({ type, der: Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)) });
  }
  if (blocks.length === 0) {
    throw new MalformedPemError("Malformed PEM: no -----BEGIN ...----- block found");
  }
  return blocks;
}

/**
 * Decodes all blocks of `text` and checks they have type `type`.
 *
 * @throws {MalformedPemError} when the text is not PEM or holds a block of another type.
 */
export function decodePemOfType(text: string, type: string): Uint8Array<ArrayBuffer>[] {
  const blocks = decodePem(text);
  for (const block of blocks) {
    if (block.type !== type) {
      throw new MalformedPemError(`Malformed PEM: expected ${type}, found ${block.type}`);
    }
  }
  return blocks.map((b) => b.der);
}

/** Decodes the first block of `text`, which must have type `type`. */
export function decodeFirstPem(text: string, type: string): Uint8Array<ArrayBuffer> {
  const first = decodePem(text)[0];
  if (first === undefined || first.type !== type) {
    throw new MalformedPemError(`Malformed PEM: expected ${type}, found ${first?.type}`);
  }
  return first.der;
}

/** Encodes `der` as one PEM block with 64-character lines and a final newline. */
export function encodePem(type: string, der: Uint8Array | ArrayBuffer): string {
  const bytes = der instanceof Uint8Array ? der : new Uint8Array(der);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join("\n")}\n-----END ${type}-----\n`;
}
