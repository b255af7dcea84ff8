import { useState } from 'react'

/** Copies `text` to the clipboard; says "Copied" for a moment. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text)
      setCopied(true)
      setTimeout(() => setCopied(false), 1500)
    } catch {
      // No clipboard (plain http, denied): the text is on screen to select by hand.
      setCopied(false)
    }
  }
  return (
    <button type="button" onClick={copy}>
      {copied ? 'Copied' : label}
    </button>
  )
}
