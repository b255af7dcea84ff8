/**
 * Sentence templates for summaries, descriptions and comments. `{slot}` is
 * filled from text-vocab.ts (or per issue: `{area}`, `{key}`, `{repo}`, …);
 * `{x2}` is another value of the list `{x}` used. Description and comment lines
 * use the inline markup of adf-build.ts: `code`, *strong*, _em_, [text](href), @@.
 */

/** Summaries per issue type, indexed like ISSUE_TYPES: Task, Bug, Story, Epic. */
export const SUMMARIES: readonly (readonly string[])[] = [
  [
    'Add {authFeature} for {audience}',
    'Migrate the {area} {migration}',
    'Upgrade {upgrade}',
    'Document the {area} API',
    'Support {format} export for the {area}',
    'Rate-limit the {endpoint} endpoint',
    'Show the {field} on the {area}',
    'Remove the deprecated {endpoint} endpoint',
    'Set up alerting for {metric}',
    'Improve load time of the {area}',
    'Refactor the {area} to use {pattern}',
    'Investigate {symptom} in the {area}',
    'Add audit logging to the {area}',
    'Write integration tests for the {area}',
    'Translate the {area} into {language}',
    'Add a feature flag for {feature}',
    'Clean up unused {things} in the {area}',
    'Rotate {secretKind} for the {area}',
    'Add pagination to the {endpoint} endpoint',
    'Make the {area} usable with a screen reader',
    'Move {job} off the primary database',
  ],
  [
    '{area} times out when the {container} holds more than {bigN} {items}',
    '{area} returns a 500 error when {trigger}',
    '{area} shows the wrong {field} after {action}',
    '{area} crashes on {platform} when {trigger}',
    '{area} renders blank in {browser}',
    'Duplicate {entity} created when {action} happens twice',
    '{exportFormat} export drops {field} values with non-ASCII characters',
    'Memory leak in the {area} after {duration}',
    'Flaky test: {testName}',
    '{area} ignores the {setting} setting',
    'Timestamps in the {area} are off by one hour after the DST change',
    '{entity} list is sorted by {field} instead of {field2}',
    'Slow query on the {table} table during {job}',
    'Users with {userAttr} cannot {verbPhrase}',
    'Error message is cut off on the {area} in {language}',
    'Regression: {area} no longer remembers the {field}',
    'Session expires during {action}',
    'Race condition in the {area} when two users start {action} at once',
    'Broken link to {docPage} in the {area}',
    '{errorName} in {className}.{method}()',
    'Wrong currency symbol for {currency} in the {area}',
    '{area} sends {entity} twice when {trigger}',
  ],
  [
    'As a {persona}, I want to {goal} so that {benefit}',
    'Add {authFeature} for {audience}',
    'Allow {audience} to {verbPhrase} from the {area}',
    'Support {format} export for the {area}',
    'Show the {field} on the {area}',
    'Let {audience} change the {setting} setting in the {area}',
    'Redesign the {area} for {audience}',
    'Send a reminder email before the {deadline}',
    'Add {feature} to the {area}',
    'Onboarding checklist for {audience}',
  ],
  [
    '{area} redesign',
    '{feature} v2',
    '{quarter} reliability work for the {area}',
    'Launch {product} in {region}',
    'GDPR compliance for the {area}',
    'Accessibility audit of the {area}',
    'Replace the {area} {migration}',
  ],
]

/**
 * Summaries for the operations project, whose areas are infrastructure: the
 * product templates above ("Translate the Redis cache…") would read oddly there.
 */
export const OPS_SUMMARIES: readonly (readonly string[])[] = [
  [
    'Upgrade {upgrade}',
    'Set up alerting for {metric}',
    'Rotate {secretKind} for the {area}',
    'Investigate {symptom} in the {area}',
    'Move the {area} to {cloudTarget}',
    'Write a runbook for the {area}',
    'Autoscale the {area} on {metric}',
    'Clean up unused {things} in the {area}',
    'Test failover of the {area}',
    'Cut the monthly cost of the {area}',
    'Patch {cve} on the {area}',
    'Move {job} off the primary database',
  ],
  [
    '{area} runs out of disk during {job}',
    'Alert for {metric} fires every night at 02:00',
    '{area} failover takes more than {n} minutes',
    'TLS certificate for {host} expired',
    'Deploys hang while the {area} is under load',
    'Backups of the {table} table are incomplete',
    '{area} drops connections after {duration}',
    'Clock drift on {host}',
    '{symptom} in the {area} since the last upgrade',
  ],
  [
    'Self-service preview environments for every pull request',
    'Zero-downtime deploys for the {area}',
    'On-call engineers can restart the {area} from chat',
    'Dashboards for {metric} per tenant',
  ],
  [
    'Move the {area} to {cloudTarget}',
    '{quarter} reliability work for the {area}',
    'SOC 2 evidence collection',
    'Disaster recovery drill for the {area}',
  ],
]

/** First paragraph of a bug report. */
export const BUG_INTROS: readonly string[] = [
  'Reported by a customer on the *{plan}* plan: the {area} fails when {trigger}.',
  'Seen in production since {version}. It only happens when {trigger}.',
  'Found while testing {feature} on staging. @@ saw the same thing last week.',
  'Support has had three tickets about this today. The {area} breaks after {action}.',
  'Sentry shows a spike of `{errorName}` in the {area} since the last deploy.',
  'Customers on {browser} cannot get past the {area}.',
  'Happens for roughly one in {n} requests, so it is easy to miss in testing.',
]

export const BUG_STEPS: readonly string[] = [
  'Make sure {trigger}',
  'Add more than {bigN} {items}',
  'Click *Save*',
  'Click *Submit* and wait a few seconds',
  'Refresh the page',
  'Switch the language to {language}',
  'Start {action}',
]

export const BUG_DETAILS: readonly string[] = [
  'The request to `{endpoint}` returns `HTTP 500` with an empty body.',
  'Setting `{configKey}` to `false` works around it, but that is not an option in production.',
  'Possibly related to [PR #{pr}](https://github.com/{org}/{repo}/pull/{pr}).',
  'The spike is visible on the [error dashboard](https://grafana.example.com/d/{dash}/errors?orgId=1&from=now-7d).',
  '_Workaround:_ {workaround}.',
  'Could be the same root cause as {relatedKey}, the timing fits.',
  'Only accounts on the *{plan}* plan seem affected; _{plan2}_ works fine.',
]

/** [language, body]: code blocks attached to bug reports. */
export const BUG_CODE: readonly (readonly [string | null, string])[] = [
  [
    'java',
    'java.lang.IllegalStateException: request failed after 30000 ms\n' +
      '    at com.{org}.{repo}.{className}.{method}({className}.java:{line})\n' +
      '    at io.undertow.server.Connectors.executeRootHandler(Connectors.java:395)',
  ],
  [
    'json',
    '{\n  "error": "internal_error",\n  "message": "Something went wrong",\n  "requestId": "{reqId}"\n}',
  ],
  [
    'sql',
    'SELECT * FROM {table} WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 50;\n-- 4.2 s on prod: seq scan on {table}',
  ],
  [null, '$ curl -i https://{org}.example.com{endpoint}\nHTTP/2 500\ncontent-type: application/json'],
  [
    'javascript',
    "TypeError: Cannot read properties of undefined (reading '{field}')\n    at render (bundle.js:1:48213)",
  ],
]

/** First paragraph of a task or story. */
export const WORK_INTROS: readonly string[] = [
  'Several {audience} asked for this in the last quarter.',
  'This blocks {feature}. @@ has the details from the customer call.',
  'Follow-up from the incident review of the {area}.',
  'Part of the {quarter} roadmap for the {area}.',
  'Right now {audience} have to ask support to {verbPhrase}, which takes days.',
  'Tech debt: the {area} still runs code nobody wants to touch.',
  'Small one, but it comes up in almost every demo.',
]

export const CRITERIA: readonly string[] = [
  'The {area} shows the {field}',
  '{audience} can {verbPhrase} without help',
  'Covered by an integration test',
  'Works in {browser}',
  'Documented in {docPage}',
  'Behind the `{flag}` feature flag',
  'p95 latency stays under 300 ms',
  'Every change is written to the audit log',
]

export const WORK_DETAILS: readonly string[] = [
  'Design: [Figma file](https://www.figma.com/file/{figma}/{repo})',
  'Spec: [Confluence page](https://{org}.atlassian.net/wiki/spaces/ENG/pages/{page})',
  'See the [RFC](https://github.com/{org}/{repo}/discussions/{pr}) for the options we considered.',
  '_Out of scope:_ {outOfScope}.',
  '*Deadline:* end of {quarter}.',
  'Questions to @@, who wrote the original version.',
  'The config lives in `{configKey}`; nothing else should need to change.',
]

export const WORK_CODE: readonly (readonly [string | null, string])[] = [
  ['yaml', 'features:\n  {flag}:\n    enabled: false\n    rollout: 10%'],
  ['json', '{\n  "name": "{field}",\n  "type": "string",\n  "required": true\n}'],
  ['bash', 'npm run migrate -- --to {version}'],
]

export const EPIC_INTROS: readonly string[] = [
  'This epic tracks {feature} for the {area}.',
  'Umbrella for everything we need before {product} goes live in {region}.',
  'Collects the work agreed in the {quarter} planning for the {area}.',
]

export const EPIC_GOALS: readonly string[] = [
  'Fewer support tickets about the {area}',
  'No *Highest* bugs open at launch',
  '{audience} can {verbPhrase} on their own',
  'Load time under two seconds on {platform}',
  'Docs updated in {docPage}',
]

/** One paragraph of a comment. */
export const COMMENTS: readonly string[] = [
  'I can reproduce this in {browser}.',
  'Confirmed on staging, looks like it started with {version}.',
  'PR is up: [{org}/{repo}#{pr}](https://github.com/{org}/{repo}/pull/{pr})',
  '@@ can you take a look? You touched the {area} last.',
  'Deployed to production in {version}.',
  'Moving this to the next sprint, we ran out of time.',
  'Customer confirmed the fix works 🎉',
  'Added a regression test in `{testName}`.',
  '*Root cause:* {rootCause}.',
  'Not a bug, this is working as designed. See [the docs](https://docs.example.com/{repo}/{docSlug}).',
  'Blocked on {blocker}.',
  'Thanks @@, closing.',
  'Could this be related to {relatedKey}? Same symptoms.',
  'Estimate: about {days} days including review.',
  '_Note:_ this also affects the {area} on {platform}.',
  'Bumping priority, {n} more customers reported it today.',
  'Pairing with @@ on this tomorrow.',
  'Looked at the logs for `{reqId}`: {rootCause}.',
]
