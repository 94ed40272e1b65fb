// What the repo scripts share: a JS automerge-repo on a directory through
// the filesystem adapter (no network), what a test checks of a charter, and
// which chunk files a save added or removed.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import * as A from "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";

export function openRepo(dir) {
  return new Repo({ storage: new NodeFSStorageAdapter(dir), network: [] });
}

// Guild's ids are automerge-repo document ids; Guild also accepts the URL.
export function urlOf(id) {
  return id.startsWith("automerge:") ? id : `automerge:${id}`;
}

export function summary(doc) {
  return {
    title: String(doc.meta?.title ?? ""),
    purpose: String(doc.purpose?.text ?? ""),
    vision: String(doc.vision?.statement ?? ""),
    schema_version: Number(doc.schema_version),
    heads: A.getHeads(doc),
    changes: A.getAllChanges(doc).length,
  };
}

// Every file under `dir`, relative to it (sorted).
export function files(dir) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

export function difference(before, after) {
  return {
    added: after.filter((f) => !before.includes(f)),
    removed: before.filter((f) => !after.includes(f)),
  };
}
