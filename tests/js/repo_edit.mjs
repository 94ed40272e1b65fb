// Edits a charter in a Guild data directory's `repo` folder with JS
// automerge-repo: each argument after the id is appended to the purpose as
// its own change; then the repo saves, compacting or saving incrementally
// as automerge-repo itself decides (it compacts once the incremental
// chunks outweigh the snapshot). Prints the charter and the chunk files
// the save added and removed, as JSON.
//
//   node repo_edit.mjs DIR/repo DOCUMENT_ID LINE...
import * as A from "@automerge/automerge";
import { difference, files, openRepo, summary, urlOf } from "./repo_common.mjs";

const [dir, id, ...lines] = process.argv.slice(2);
const before = files(dir);
const repo = openRepo(dir);
const handle = await repo.find(urlOf(id));
for (const line of lines) {
  handle.change((doc) => {
    const text = String(doc.purpose.text);
    A.splice(doc, ["purpose", "text"], text.length, 0, `\n${line}`);
  });
}
await repo.flush();
await repo.shutdown();
const saved = difference(before, files(dir));
console.log(JSON.stringify({ ...summary(handle.doc()), ...saved }));
