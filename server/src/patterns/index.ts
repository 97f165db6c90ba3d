// The patterns stage's public API: the miner the process role runs before insert, and its parts.
export { PatternMiner, patternId, templateText, templateTokens, type PatternRecord } from './miner.js'
export { Drain, DEFAULT_DRAIN, type DrainOptions, type Template } from './drain.js'
export { tokenize, maskToken, WILDCARD } from './mask.js'
export { PatternStage, TemplateWriter, DEFAULT_PATTERN_REFRESH_MS, DEFAULT_PATTERN_LAST_SEEN_MS, type PatternStore } from './stage.js'
