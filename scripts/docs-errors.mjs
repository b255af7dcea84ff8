// Writes docs/errors.md from the error registry (src/domain/errors.ts), formatted as the repository
// formats markdown. Run through `npm run docs:errors`, which compiles src first.
import { writeFileSync } from 'node:fs'
import prettier from 'prettier'
import { errorsMarkdown } from '../dist/domain/errors-doc.js'

const file = new URL('../docs/errors.md', import.meta.url).pathname
const options = (await prettier.resolveConfig(file)) ?? {}
writeFileSync(file, await prettier.format(errorsMarkdown(), { ...options, filepath: file }))
console.log(`wrote ${file}`)
