/**
 * Human-readable ages, as Docker prints them ("5 seconds ago", "About an hour ago").
 *
 * @module
 */

/** Docker's `units.HumanDuration`: "Less than a second", "5 seconds", "About a minute", ... */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(seconds / 3600);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(seconds / 3600 / 24 / 365)} years`;
}

/** "5 seconds ago" for a past time; a time in the future (clock skew) counts as now. */
export function ago(then: Date, now: Date): string {
  return `${humanDuration(Math.max(0, now.getTime() - then.getTime()))} ago`;
}
