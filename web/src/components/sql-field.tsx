import { useId } from 'react'
import { CodeEditor } from './code-editor.js'

const SQL_PLACEHOLDER = 'SELECT id, name FROM items WHERE id <= :max ORDER BY id'

/** A SQL query's statement, with how `:name` parameters go into it. */
export function SqlField({ value, onChange }: { value: string; onChange: (sql: string) => void }) {
  const labelId = useId()
  return (
    <div className="field">
      <label id={labelId}>SQL</label>
      <CodeEditor
        labelId={labelId}
        value={value}
        onChange={onChange}
        language="plain"
        height="10rem"
        placeholder={SQL_PLACEHOLDER}
      />
      <small className="hint">
        One statement. Each <code>:name</code> parameter is bound by the database driver, never pasted into
        the text, so a value cannot change the statement (write <code>:name</code>, not{' '}
        <code>&apos;:name&apos;</code>). A list expands to one value per item: <code>WHERE id IN (:ids)</code>
        . A constant takes only its allowed values and goes in as a quoted identifier, for a table or column
        name: <code>ORDER BY :column</code>.
      </small>
    </div>
  )
}
