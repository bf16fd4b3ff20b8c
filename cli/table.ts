/**
 * Plain-text tables with columns separated by three spaces, like `docker ... ls`.
 *
 * @module
 */

/** Renders a header and rows as aligned columns; each line ends with "\n", no trailing blanks. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    widths.map((w, i) => (cells[i] ?? "").padEnd(w)).join("   ").trimEnd() + "\n";
  return [header, ...rows].map(line).join("");
}
