import { useId, useState, type InputHTMLAttributes, type ReactNode } from 'react'
import { splitList } from '../lists.js'

/** A labelled text input: the label's text is how people (and browser tests) find it. */
export function Field({
  label,
  value,
  onChange,
  hint,
  ...props
}: {
  label: string
  value: string
  onChange: (value: string) => void
  hint?: ReactNode
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'>) {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-describedby={hint ? `${id}-hint` : undefined}
        {...props}
      />
      {hint && (
        <small className="hint" id={`${id}-hint`}>
          {hint}
        </small>
      )}
    </div>
  )
}

/** A labelled select over fixed options. */
export function SelectField<T extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string
  value: T
  options: readonly (T | { value: T; label: string })[]
  onChange: (value: T) => void
}) {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as T)}>
        {options.map((option) => {
          const { value: v, label: text } =
            typeof option === 'string' ? { value: option, label: option } : option
          return (
            <option key={v} value={v}>
              {text}
            </option>
          )
        })}
      </select>
    </div>
  )
}

/** A labelled checkbox (label after the box). */
export function CheckboxField({
  label,
  checked,
  onChange,
}: {
  label: string
  checked: boolean
  onChange: (checked: boolean) => void
}) {
  const id = useId()
  return (
    <div className="field checkbox">
      <input id={id} type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <label htmlFor={id}>{label}</label>
    </div>
  )
}

/**
 * A labelled comma-separated list. It keeps the text as typed ("a, " stays, so a second value can be
 * typed) and reports the parsed list; a list changed from outside (a loaded query) replaces the text.
 */
export function ListField({
  label,
  values,
  onChange,
  hint,
}: {
  label: string
  values: readonly string[]
  onChange: (values: string[]) => void
  hint?: ReactNode
}) {
  const joined = values.join(', ')
  const [text, setText] = useState(joined)
  // The list as last typed here or received: only a different one from outside resets the text.
  const [known, setKnown] = useState(joined)
  if (joined !== known) {
    setKnown(joined)
    setText(joined)
  }
  return (
    <Field
      label={label}
      value={text}
      hint={hint}
      onChange={(typed) => {
        const list = splitList(typed)
        setText(typed)
        setKnown(list.join(', '))
        onChange(list)
      }}
    />
  )
}
