import { javascript } from '@codemirror/lang-javascript'
import CodeMirror, { Decoration, EditorView, type Extension } from '@uiw/react-codemirror'
import { useMemo } from 'react'

const errorLineMark = Decoration.line({ class: 'cm-error-line' })

/** Marks line `line` (1-based) while it exists. */
function errorLineExtension(line: number): Extension {
  return EditorView.decorations.of((view) => {
    if (line < 1 || line > view.state.doc.lines) return Decoration.none
    return Decoration.set([errorLineMark.range(view.state.doc.line(line).from)])
  })
}

/**
 * CodeMirror 6 with an accessible name (the editable area is labelled by `labelId`)
 * and, when `errorLine` is set, that line marked.
 */
export function CodeEditor({
  value,
  onChange,
  labelId,
  language = 'javascript',
  errorLine,
  height = '18rem',
  placeholder,
}: {
  value: string
  onChange: (value: string) => void
  labelId: string
  language?: 'javascript' | 'plain'
  errorLine?: number | null
  height?: string
  placeholder?: string
}) {
  const extensions = useMemo(() => {
    const list: Extension[] = [EditorView.contentAttributes.of({ 'aria-labelledby': labelId })]
    if (language === 'javascript') list.push(javascript())
    if (errorLine != null) list.push(errorLineExtension(errorLine))
    return list
  }, [labelId, language, errorLine])
  return (
    <div className="editor">
      <CodeMirror
        value={value}
        onChange={onChange}
        extensions={extensions}
        height={height}
        placeholder={placeholder}
        basicSetup={{ foldGutter: false }}
      />
    </div>
  )
}
