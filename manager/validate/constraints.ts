/**
 * Placement constraint syntax (SwarmKit `manager/constraint/constraint.go`): `key==value` or
 * `key!=value`, for example `node.role==manager` or `node.labels.zone!=east`.
 *
 * @module
 */

import { quote } from "./names.ts";
import { ValidationError } from "./validation_error.ts";

/** One parsed placement constraint. Values compare case-insensitively when matched. */
export interface Constraint {
  key: string;
  operator: "==" | "!=";
  value: string;
}

const OPERATORS = ["==", "!="] as const;
const KEY = /^[a-z_][a-z0-9\-_.]+$/i;
const VALUE = /^[a-z0-9:\-_\s.*()?+[\]\\^$|/]+$/i;

/**
 * Parses one constraint expression. Whitespace around the key and value is ignored.
 *
 * @throws {ValidationError} when the operator is missing or the key or value has bad characters.
 */
export function parseConstraint(expr: string): Constraint {
  for (const operator of OPERATORS) {
    const at = expr.indexOf(operator);
    if (at < 0) continue;
    const key = expr.slice(0, at).trim();
    const value = expr.slice(at + operator.length).trim();
    if (!KEY.test(key)) {
      throw new ValidationError(
        `invalid constraint ${quote(expr)}: key ${
          quote(key)
        } must be at least 2 characters of letters, digits, '-', '_' and '.', starting with a letter or '_' (e.g. node.role, node.labels.zone)`,
      );
    }
    if (!VALUE.test(value)) {
      throw new ValidationError(
        `invalid constraint ${quote(expr)}: value ${
          quote(value)
        } must be non-empty letters, digits, spaces and : - _ . * ( ) ? + [ ] \\ ^ $ | /`,
      );
    }
    return { key, operator, value };
  }
  throw new ValidationError(
    `invalid constraint ${
      quote(expr)
    }: use key==value or key!=value, e.g. node.role==manager or node.labels.zone!=east`,
  );
}

/** Parses every expression; see {@linkcode parseConstraint}. @throws {ValidationError} */
export function parseConstraints(exprs: readonly string[]): Constraint[] {
  return exprs.map(parseConstraint);
}
