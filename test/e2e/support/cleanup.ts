/**
 * Last-resort cleanup for the end-to-end tests: synchronous actions run when the test process exits or is
 * stopped by SIGINT/SIGTERM/SIGHUP (a `finally` does not run then). Tests still clean up in `finally`; an
 * action that already ran there is unregistered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const actions = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const a of [...actions]) {
    actions.delete(a);
    try {
      a();
    } catch {
      // keep going: the other actions still matter
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', runAll);
  const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
  for (const sig of Object.keys(codes) as (keyof typeof codes)[]) {
    process.once(sig, () => {
      runAll();
      process.exit(codes[sig]);
    });
  }
}

/** Registers `action` to run at exit or on a stop signal; returns a function that unregisters it. */
export function atExit(action: () => void): () => void {
  install();
  actions.add(action);
  return () => {
    actions.delete(action);
  };
}

/** A fresh temporary folder, removed by `remove()` or, failing that, when the process exits. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  const action = (): void => rmSync(path, { recursive: true, force: true });
  const unregister = atExit(action);
  return {
    path,
    remove: () => {
      unregister();
      action();
    },
  };
}
