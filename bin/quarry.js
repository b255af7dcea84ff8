#!/usr/bin/env node
// The `quarry` command. The CLI is compiled from src/ to dist/ by `npm run build`
// (the quick-start scripts run it when sources change).
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `quarry needs Node.js >= 22.12 (24 LTS recommended); this is ${process.version}.\n` +
      'Run `bash scripts/demo.sh`, which installs Node.js 24 into .tools/, or install it yourself.',
  )
  process.exit(1)
}
try {
  await import('../dist/cli/main.js')
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/main.js')) {
    console.error('quarry is not built yet: run `npm run build` (or `bash scripts/demo.sh`) in the checkout.')
    process.exit(1)
  }
  throw error
}
