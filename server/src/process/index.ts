// The process role's public API: the worker and the interfaces it needs from its surroundings.
export { Worker, type BatchSink, type WorkerOptions } from './worker.js'
export { ProcessMetrics } from './metrics.js'
export { ThreadedPatternStage, patternStage, type Labeler } from './labeler.js'
