/**
 * How a new unlock key is shown: once, by `swarm init --autolock` and by
 * `swarm cluster update --autolock=true`, with what it is for and a warning to keep it safe.
 *
 * @module
 */
import { formatUnlockKey } from "../pki/mod.ts";

/** The lines that show a new unlock key (no trailing newline). */
export function autolockNotice(unlockKey: Uint8Array): string[] {
  return [
    "Autolock is on: managers keep their keys encrypted, and a restarted manager stays locked",
    "until it is given this unlock key with `swarm unlock`:",
    "",
    `    ${formatUnlockKey(unlockKey)}`,
    "",
    "Store it safely (e.g. in a password manager): without it a restarted manager cannot start.",
    "This is the only time it is shown unasked; `swarm unlock-key` on a running manager prints it.",
  ];
}
