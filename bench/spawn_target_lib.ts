/**
 * The process that `bench/spawn`'s "library imported" rows start: it does nothing, and its
 * module imports the whole library, as every user's module that starts processes does.
 * @module
 */
import { currentProcess } from "../mod.ts";

/** Does nothing (reads the library's current process, so that the import is used). */
export function trivialWithLibrary(): void {
  void currentProcess;
}
