/**
 * Where the worker entry is and how to start it. The pool forks `dist/convert/worker.js` when
 * running compiled code (the CLI bundle in dist/bundle included: the worker stays a file of its
 * own), and `src/convert/worker.ts` itself when running from source (vitest). That works
 * because worker.ts needs no relative import at run time (it imports only
 * types, which Node's type stripping erases) — so no loader, no build step and
 * no stale dist/ copy is involved in tests.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { packageRoot } from '../domain/package-root.js'

export interface WorkerEntry {
  readonly file: string
  readonly execArgv: readonly string[]
}

/**
 * @example workerEntry().file // '/app/dist/convert/worker.js'
 */
export function workerEntry(moduleUrl: string = import.meta.url): WorkerEntry {
  const fromSource = moduleUrl.endsWith('.ts')
  const file = fromSource
    ? fileURLToPath(new URL('./worker.ts', moduleUrl))
    : join(packageRoot(), 'dist', 'convert', 'worker.js')
  // isolated-vm asks for --no-node-snapshot on Node ≥ 20. Node 22 strips types only when asked.
  // V8's compilation cache is shared by every context of an isolate: off, so no run can
  // see what another compiled (its `new Function` bodies, their source positions).
  // A small young generation for the worker's own heap: it only passes pages and rows along, and
  // with Node's default (16 MB semi-spaces) their dead copies and IPC buffers kept a worker ~80 MB
  // larger (README.md, "Memory"); collected sooner, at no measurable cost in speed.
  const execArgv = ['--no-node-snapshot', '--no-compilation-cache', '--max-semi-space-size=1']
  if (fromSource && !process.features.typescript) execArgv.push('--experimental-strip-types')
  return { file, execArgv }
}
