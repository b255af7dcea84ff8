// Writes the references generated from the code, formatted as the repository formats markdown:
// docs/errors.md (the error registry), docs/cli.md (the command definitions, `quarry serve`'s flags
// included) and docs/environment.md (the environment registry). Run through `npm run docs:generate`,
// which compiles src first; test/cli/reference-docs.test.ts and test/domain/errors.test.ts fail when
// a file drifts from what this writes.
import { writeFileSync } from 'node:fs'
import prettier from 'prettier'
import { cliMarkdown } from '../dist/cli/cli-doc.js'
import { commandTree } from '../dist/cli/command-tree.js'
import { completeProgram } from '../dist/cli/program.js'
import { environmentMarkdown } from '../dist/domain/environment-doc.js'
import { errorsMarkdown } from '../dist/domain/errors-doc.js'

const documents = {
  'docs/errors.md': errorsMarkdown(),
  'docs/cli.md': cliMarkdown(commandTree(await completeProgram())),
  'docs/environment.md': environmentMarkdown(),
}
for (const [path, markdown] of Object.entries(documents)) {
  const file = new URL(`../${path}`, import.meta.url).pathname
  const options = (await prettier.resolveConfig(file)) ?? {}
  writeFileSync(file, await prettier.format(markdown, { ...options, filepath: file }))
  console.log(`wrote ${path}`)
}
