// Derives two fixtures from Atlassian's Jira Cloud platform OpenAPI document (Apache-2.0):
// - test/fixtures/jira-schemas.json: the response schemas the simulator's tests validate
//   against, with every schema they reference;
// - test/fixtures/jira-openapi-subset.json: an OpenAPI document of the operations the simulator
//   serves (PLATFORM_PATHS), each unchanged, with every schema they reference, which Prism
//   validates the simulator against in proxy mode (test/sim/prism.test.ts). The tests need no
//   copy of the whole 2.4 MB document.
// Run it again when the spec is updated (where to get it: docs/atlassian.md, "The Jira platform OpenAPI document"):
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
/** The schemas `roots` name, with every schema they reference, sorted by name. */
function closure(roots) {
  const picked = {}
  const queue = [...roots]
  while (queue.length > 0) {
    const name = queue.pop()
    if (picked[name]) continue
    const schema = spec.components.schemas[name]
    if (!schema) throw new Error(`schema ${name} is not in ${source}`)
    picked[name] = schema
    queue.push(...referencedSchemas(schema))
  }
  return Object.fromEntries(Object.entries(picked).sort(([a], [b]) => a.localeCompare(b)))
}

function referencedSchemas(value) {
  return [...JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map(([, ref]) => ref)
}

const picked = closure(roots)
const out = {
  source: `Jira Cloud platform REST API, OpenAPI ${spec.openapi}, version ${spec.info.version}`,
  license: 'Apache-2.0 (Atlassian); schemas copied unchanged from the document named in "source"',
  roots,
  components: { schemas: picked },
}
writeFileSync('test/fixtures/jira-schemas.json', `${JSON.stringify(out, null, 1)}\n`)
console.log(`wrote ${Object.keys(picked).length} schemas`)

const PLATFORM_PATHS = [
  '/rest/api/3/search/jql',
  '/rest/api/3/search/approximate-count',
  '/rest/api/3/issue/{issueIdOrKey}',
  '/rest/api/3/issue/{issueIdOrKey}/changelog',
  '/rest/api/3/project/search',
  '/rest/api/3/project/{projectIdOrKey}/version',
  '/rest/api/3/myself',
  '/rest/api/3/field',
]
const paths = {}
for (const path of PLATFORM_PATHS) {
  const item = spec.paths[path]
  if (!item) throw new Error(`path ${path} is not in ${source}`)
  paths[path] = item
}
const subset = {
  openapi: spec.openapi,
  info: {
    ...spec.info,
    description: `The operations of the Jira Cloud platform REST API that quarry sim serves, copied unchanged (Apache-2.0, Atlassian) from the document of version ${spec.info.version} by scripts/extract-jira-schemas.mjs.`,
  },
  servers: spec.servers,
  paths,
  components: {
    schemas: closure(referencedSchemas(paths)),
    securitySchemes: spec.components.securitySchemes,
  },
}
writeFileSync('test/fixtures/jira-openapi-subset.json', `${JSON.stringify(subset, null, 1)}\n`)
console.log(
  `wrote ${PLATFORM_PATHS.length} paths with ${Object.keys(subset.components.schemas).length} schemas`,
)
