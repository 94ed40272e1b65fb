// Opens a Guild data directory's `repo` folder with JS automerge-repo and
// its filesystem adapter, finds a charter by id, and prints what a test
// checks (title, purpose, vision, heads, number of changes) as JSON.
//
//   node repo_read.mjs DIR/repo DOCUMENT_ID
import { openRepo, summary, urlOf } from "./repo_common.mjs";

const [dir, id] = process.argv.slice(2);
const repo = openRepo(dir);
const handle = await repo.find(urlOf(id));
console.log(JSON.stringify(summary(handle.doc())));
await repo.shutdown();
