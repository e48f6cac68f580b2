/**
 * How a pool task's function travels between hosts: by reference, as Python pickles a
 * function, its module's path relative to the cluster's `root` and its export name. The
 * caller finds both with the library's resolver of references (src/references.ts); every
 * worker host imports `root/<path>` and takes the export, so every host must run the same
 * code from the same layout.
 * @module
 */
import { relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { importExport, locate } from "../references.ts";

/** A task function by reference. */
export interface TaskRef {
  /** The module's path relative to the root, with "/" separators. */
  module: string;
  /** The export's name in that module. */
  exportName: string;
}

/**
 * The reference of `fn` (an exported function) relative to `root` (a `file:` URL). `module`
 * names its module when the call site's modules do not export it.
 * @throws {TypeError} for an anonymous or bound function, or a module that is not a file.
 * @throws {Error} when no module on the call stack exports it (the message says what to do).
 */
export function taskRefOf(fn: (...args: never[]) => unknown, root: string, module?: string | URL): TaskRef {
  const ref = locate(fn, { module, kind: "function" });
  const url = ref.modules[0];
  if (!url?.startsWith("file:") || url.startsWith("file:///$bunfs/")) {
    throw new TypeError(
      `the task function "${ref.exportName}" comes from ${url ?? "no module"}, not a file under the cluster's root: ` +
        `worker hosts import it by path, so export it from a module file (or pass { module })`,
    );
  }
  const path = relative(fileURLToPath(root), fileURLToPath(url)).split(sep).join("/");
  return { module: path, exportName: ref.exportName };
}

/** The file URL a reference names on this host. */
export function moduleUrlOf(ref: TaskRef, root: string): string {
  return pathToFileURL(resolve(fileURLToPath(root), ref.module)).href;
}

/** Imports the function a reference names on this host. */
export async function importTask(ref: TaskRef, root: string): Promise<(...args: unknown[]) => unknown> {
  const url = moduleUrlOf(ref, root);
  return (await importExport({ exportName: ref.exportName, modules: [url], kind: "function", explicit: true })) as (
    ...args: unknown[]
  ) => unknown;
}
