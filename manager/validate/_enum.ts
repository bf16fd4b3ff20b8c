/** Whether `value` is a declared member of a numeric TypeScript enum. */
export function isEnumValue(enumObject: Record<string, string | number>, value: number): boolean {
  return Object.values(enumObject).includes(value);
}

/** The lower-case member names of a numeric enum, without the prefix, for messages. */
export function enumNames(enumObject: Record<string, string | number>): string {
  return Object.keys(enumObject)
    .filter((k) => typeof enumObject[k] === "number")
    .map((k) => k.toLowerCase().replaceAll("_", "-"))
    .join(", ");
}
