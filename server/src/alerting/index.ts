/** Alerting (issue 16): rules on LogQL queries, their evaluation and state, notifications. */
export { Alerting, loadRuleFiles, instantQuery, groupQuery, type AlertingOptions } from './service.js'
export { alertingRoutes } from './routes.js'
export { parseRuleFile, checkGroup, RuleError, type Rule, type RuleGroup, type CompiledRule } from './rules.js'
export { Evaluator, fingerprint, ruleKey, type LoadedGroup, type Sample, type QueryFn, type GroupQueryFn } from './evaluator.js'
export { AlertStore, type AlertState, type OutboxRow, type HistoryRow } from './store.js'
export { expand } from './template.js'
