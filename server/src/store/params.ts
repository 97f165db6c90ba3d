/**
 * Named query parameters: every value that comes from a user reaches ClickHouse as a typed
 * `{pN:Type}` parameter, never as SQL text.
 */
export class Params {
  readonly values: Record<string, unknown> = {}
  private n = 0

  /** Registers a value and returns its placeholder, e.g. `{p0:String}`. */
  add(type: string, value: unknown): string {
    const name = `p${this.n++}`
    this.values[name] = value
    return `{${name}:${type}}`
  }
}
