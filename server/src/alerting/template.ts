/**
 * The part of Go's text/template that alert labels and annotations use: `{{ $labels.name }}`,
 * `{{ $value }}`, `{{ $externalURL }}`, and `{{ .Labels.name }}` / `{{ .Value }}`. Anything else is
 * left as written, so a template we do not understand shows up rather than disappearing.
 */
export interface TemplateData {
  labels: Record<string, string>
  value: number
  externalURL?: string
}

const EXPR =
  /\{\{-?\s*(\$labels\.([A-Za-z_][A-Za-z0-9_]*)|\.Labels\.([A-Za-z_][A-Za-z0-9_]*)|\$value|\.Value|\$externalURL|\$labels|index \$labels "([^"]+)")\s*(\|\s*humanize\s*)?-?\}\}/g

function fmt(v: number, humanize: boolean): string {
  if (!humanize) return String(v)
  if (Math.abs(v) >= 1000) {
    const units = ['k', 'M', 'G', 'T', 'P']
    let x = v
    let i = -1
    while (Math.abs(x) >= 1000 && i < units.length - 1) {
      x /= 1000
      i++
    }
    return `${Number(x.toPrecision(4))}${units[i]}`
  }
  return String(Number(v.toPrecision(4)))
}

export function expand(text: string, d: TemplateData): string {
  if (!text.includes('{{')) return text
  return text.replace(EXPR, (m, whole: string, l1?: string, l2?: string, l3?: string, hum?: string) => {
    const label = l1 ?? l2 ?? l3
    if (label !== undefined) return d.labels[label] ?? ''
    if (whole === '$value' || whole === '.Value') return fmt(d.value, !!hum)
    if (whole === '$externalURL') return d.externalURL ?? ''
    if (whole === '$labels')
      return `map[${Object.keys(d.labels)
        .sort()
        .map((k) => `${k}:${d.labels[k]}`)
        .join(' ')}]`
    return m
  })
}
