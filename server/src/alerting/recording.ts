/**
 * Recording rules' results as gauges on `/metrics`: one metric per `record` name, its series replaced
 * at each evaluation of the rule, so Prometheus scrapes what the rule computed. prom-client's own
 * gauges fix their label names up front; a recorded series carries whatever labels the query grouped
 * by, so each name is a small collector registered on the registry.
 */
import type { Registry } from 'prom-client'

interface Collector {
  name: string
  help: string
  type: 'gauge'
  aggregator: 'omit'
  /** Per rule: its latest series. */
  byRule: Map<string, { labels: Record<string, string>; value: number }[]>
  get(): { name: string; help: string; type: 'gauge'; aggregator: 'omit'; values: { labels: Record<string, string>; value: number }[] }
}

export class RecordedMetrics {
  private readonly collectors = new Map<string, Collector>()
  constructor(private readonly registry: Registry) {}

  set(record: string, ruleKey: string, samples: { labels: Record<string, string>; value: number }[]): void {
    let c = this.collectors.get(record)
    if (!c) {
      const byRule = new Map<string, { labels: Record<string, string>; value: number }[]>()
      c = {
        name: record,
        help: `recording rule ${record}`,
        type: 'gauge',
        aggregator: 'omit',
        byRule,
        get() {
          return { name: record, help: this.help, type: 'gauge', aggregator: 'omit', values: [...byRule.values()].flat() }
        },
      }
      // A record name that collides with one of ours is skipped rather than breaking /metrics.
      if (this.registry.getSingleMetric(record)) return
      this.registry.registerMetric(c as never)
      this.collectors.set(record, c)
    }
    c.byRule.set(ruleKey, samples)
  }

  /** Forgets the rules not in `keep` (removed or changed rules). */
  retain(keep: Set<string>): void {
    for (const [name, c] of this.collectors) {
      for (const k of c.byRule.keys()) if (!keep.has(k)) c.byRule.delete(k)
      if (c.byRule.size === 0) {
        this.registry.removeSingleMetric(name)
        this.collectors.delete(name)
      }
    }
  }
}
