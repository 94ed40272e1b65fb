// Imports a Guild `.automerge` export into a JS automerge-repo of its own
// (a fresh directory, nothing of Guild's in it) and prints the new
// document's id and the charter, as JSON.
//
//   node repo_import.mjs NEW_DIR/repo FILE.automerge
import { readFileSync } from "node:fs";
import { openRepo, summary } from "./repo_common.mjs";

const [dir, file] = process.argv.slice(2);
const repo = openRepo(dir);
const handle = repo.import(new Uint8Array(readFileSync(file)));
await repo.flush();
await repo.shutdown();
console.log(JSON.stringify({ id: handle.documentId, ...summary(handle.doc()) }));
