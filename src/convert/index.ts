/**
 * Converters: user-written `function convert(json, metadata)` run in a sandbox
 * (isolated-vm isolates in worker processes), and the default conversion for
 * queries without a converter. See README.md in this folder for the contract
 * and the helpers a converter can use.
 */
export { DEFAULT_LIMITS } from './limits.js'
export type { ConvertLimits } from './limits.js'
export type { ConvertInput, ConvertResult } from './types.js'
export { ConverterError } from './errors.js'
export type { ConverterErrorKind } from './errors.js'
export { ConverterPool } from './pool.js'
export type { RunGroup, RunOptions } from './pool.js'
export { defaultRows } from './default-converter.js'
export { converterMetadata } from './metadata.js'
export type { TemplateJob, TemplateOutcome, TemplateFailureKind } from './template-job.js'
export { MAX_TEMPLATE_CALLS } from './sandbox/velocity-source.js'
