// Loads a Guild `.automerge` export with the JS Automerge implementation
// (an independent reader of the format) and prints what a person would
// check: the title, the purpose, how many value-map cards per cell, and
// how many changes of history came with it.
import { readFileSync } from "node:fs";
import * as Automerge from "@automerge/automerge";

const bytes = readFileSync(process.argv[2]);
const doc = Automerge.load(new Uint8Array(bytes));
const cells = {};
for (const card of Object.values(doc.cards ?? {})) {
  cells[card.cell] = (cells[card.cell] ?? 0) + 1;
}
console.log(
  JSON.stringify({
    title: String(doc.meta.title),
    purpose: String(doc.purpose.text),
    schema_version: Number(doc.schema_version),
    cells,
    changes: Automerge.getAllChanges(doc).length,
  }),
);
