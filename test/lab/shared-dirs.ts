// /etc/netns and .lab are shared by concurrent labs and the last lab to go removes them when
// empty, so a starting lab may see one vanish between creating it and writing into it.
import { rmdirSync } from 'node:fs';

/** Runs `action` (which creates a shared parent and something in it), once more if the parent vanished. */
export function inSharedDir(action: () => void): void {
  try {
    action();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    action();
  }
}

/** Removes `dir` if it is empty; leaves it (and says nothing) otherwise. */
export function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty (other labs, or the admin's entries), or already gone
  }
}
