// Derives test/fixtures/jira-schemas.json from Atlassian's Jira Cloud platform
// OpenAPI document (Apache-2.0): the response schemas the simulator's tests
// validate against, with every schema they reference. Run it again when the
// spec is updated (where to get it: docs/atlassian.md, "The Jira platform OpenAPI document"):
//   node scripts/extract-jira-schemas.mjs PATH/TO/swagger-v3.v3.json
import { readFileSync, writeFileSync } from 'node:fs'

const [source] = process.argv.slice(2)
if (source === undefined) {
  console.error(
    'usage: node scripts/extract-jira-schemas.mjs PATH/TO/swagger-v3.v3.json (see docs/atlassian.md)',
  )
  process.exit(2)
}
const spec = JSON.parse(readFileSync(source, 'utf8'))
const roots = [
  'SearchAndReconcileResults',
  'IssueBean',
  'PageBeanProject',
  'User',
  'JQLCountResultsBean',
  'FieldDetails',
  // the field values nested in IssueBean.fields, which the spec leaves untyped
  'StatusDetails',
  'Priority',
  'IssueTypeDetails',
  'UserDetails',
  'PageOfComments',
  'Resolution',
  'ProjectDetails',
  // expand values, the changelog and versions (issue 17)
  'PageBeanChangelog',
  'PageBeanVersion',
]
const picked = {}
const queue = [...roots]
while (queue.length > 0) {
  const name = queue.pop()
  if (picked[name]) continue
  const schema = spec.components.schemas[name]
  if (!schema) throw new Error(`schema ${name} is not in ${source}`)
  picked[name] = schema
  for (const [, ref] of JSON.stringify(schema).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) queue.push(ref)
}
const out = {
  source: `Jira Cloud platform REST API, OpenAPI ${spec.openapi}, version ${spec.info.version}`,
  license: 'Apache-2.0 (Atlassian); schemas copied unchanged from the document named in "source"',
  roots,
  components: { schemas: Object.fromEntries(Object.entries(picked).sort(([a], [b]) => a.localeCompare(b))) },
}
writeFileSync('test/fixtures/jira-schemas.json', `${JSON.stringify(out, null, 1)}\n`)
console.log(`wrote ${Object.keys(picked).length} schemas`)
