import assert from "node:assert/strict";
import { renderTable } from "./table.ts";

Deno.test("renderTable aligns columns with three spaces", () => {
  assert.equal(
    renderTable(["ID", "NAME", "MODE"], [["abc", "web", "replicated"], ["d", "a-long-name", ""]]),
    "ID    NAME          MODE\n" +
      "abc   web           replicated\n" +
      "d     a-long-name\n",
  );
});

Deno.test("renderTable prints only the header when there are no rows", () => {
  assert.equal(renderTable(["ID", "NAME"], []), "ID   NAME\n");
});
