import type { Pagination } from '../api.js'
import { PAGINATION_LABELS, paginationOfType, type PaginationType } from '../query-defaults.js'
import { Field, SelectField } from './field.js'

interface FieldSpec {
  key: string
  label: string
  number?: boolean
  optional?: boolean
  hint?: string
}

const IN_RESPONSE = 'A dotted JSON path, e.g. data.items.'

/** The fields of each pagination rule (src/domain/query.ts PaginationSchema). */
const FIELDS: Record<PaginationType, FieldSpec[]> = {
  none: [],
  'link-header': [],
  'next-page-token': [
    { key: 'tokenParam', label: 'Token parameter' },
    { key: 'tokenPath', label: 'Token in response', hint: IN_RESPONSE },
    { key: 'lastPath', label: 'Is-last flag in response' },
    { key: 'itemsPath', label: 'Items in response' },
  ],
  offset: [
    { key: 'startParam', label: 'Start parameter' },
    { key: 'sizeParam', label: 'Size parameter' },
    { key: 'pageSize', label: 'Page size', number: true },
    { key: 'totalPath', label: 'Total in response', hint: IN_RESPONSE },
    { key: 'itemsPath', label: 'Items in response' },
    { key: 'lastPath', label: 'Is-last flag in response', optional: true },
  ],
  'page-number': [
    { key: 'pageParam', label: 'Page parameter' },
    { key: 'firstPage', label: 'First page', number: true },
    { key: 'sizeParam', label: 'Size parameter', optional: true },
    { key: 'pageSize', label: 'Page size', number: true, optional: true },
    { key: 'itemsPath', label: 'Items in response', optional: true, hint: IN_RESPONSE },
  ],
  'next-link': [
    {
      key: 'linkPath',
      label: 'Next link in response',
      hint: 'A key such as @odata.nextLink, or a dotted path.',
    },
    { key: 'itemsPath', label: 'Items in response' },
  ],
  cursor: [
    { key: 'cursorPath', label: 'Cursor in response', hint: IN_RESPONSE },
    { key: 'cursorParam', label: 'Cursor parameter' },
    { key: 'itemsPath', label: 'Items in response', optional: true },
  ],
}

/** The pagination rule select and the chosen rule's fields. */
export function PaginationFields({
  pagination,
  onChange,
}: {
  pagination: Pagination
  onChange: (pagination: Pagination) => void
}) {
  const values = pagination as unknown as Record<string, string | number | undefined>
  const set = (spec: FieldSpec, text: string) => {
    let value: string | number | undefined = spec.number ? Number(text) : text
    if (text === '' && spec.optional) value = undefined
    onChange({ ...pagination, [spec.key]: value } as Pagination)
  }
  return (
    <fieldset>
      <legend>Pagination</legend>
      <SelectField<PaginationType>
        label="Pagination"
        value={pagination.type}
        options={(Object.keys(PAGINATION_LABELS) as PaginationType[]).map((type) => ({
          value: type,
          label: PAGINATION_LABELS[type],
        }))}
        onChange={(type) => onChange(paginationOfType(type))}
      />
      <div className="row">
        {FIELDS[pagination.type].map((spec) => (
          <Field
            key={spec.key}
            label={spec.optional ? `${spec.label} (optional)` : spec.label}
            type={spec.number ? 'number' : 'text'}
            value={values[spec.key] === undefined ? '' : String(values[spec.key])}
            onChange={(text) => set(spec, text)}
            required={!spec.optional}
            hint={spec.hint}
          />
        ))}
      </div>
    </fieldset>
  )
}
