/**
 * Printing results: protobuf messages as JSON (for scripts) and rows as tables.
 *
 * @module
 */

import { toJson } from "@bufbuild/protobuf";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { Context } from "./context.ts";
import { renderTable } from "./table.ts";

/** Prints one message as a JSON object (proto3 JSON, pretty with two spaces). */
export function printMessage<Desc extends DescMessage>(
  ctx: Context,
  schema: Desc,
  message: MessageShape<Desc>,
): void {
  ctx.json(toJson(schema, message));
}

/** Prints messages as a JSON array. */
export function printMessages<Desc extends DescMessage>(
  ctx: Context,
  schema: Desc,
  messages: readonly MessageShape<Desc>[],
): void {
  ctx.json(messages.map((m) => toJson(schema, m)));
}

/** Prints a table. */
export function printTable(
  ctx: Context,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  ctx.out(renderTable(header, rows));
}

/** Prints one ID per line (`-q`). */
export function printIds(ctx: Context, ids: readonly string[]): void {
  ctx.out(ids.map((id) => `${id}\n`).join(""));
}
