/**
 * Resident memory of this process (Linux: /proc/self/statm), the same way on every runtime.
 * @module
 */
import { readFileSync } from "node:fs";

const PAGE_BYTES = 4096;

/** This process's resident set, in bytes (all its threads: the main one and every worker). */
export function residentBytes(): number {
  const pages = Number(readFileSync("/proc/self/statm", "utf8").split(" ")[1]);
  return pages * PAGE_BYTES;
}
