/**
 * The one place that loads `@peculiar/x509`.
 *
 * The library's dependency injection needs `reflect-metadata` evaluated before the library itself,
 * and a Web Crypto provider set once. Every other file in `pki/` imports `x509` from here, never
 * from the package directly.
 *
 * @module
 */

import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };
