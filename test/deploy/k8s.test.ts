// deploy/k8s: both overlays rendered by the real `kubectl kustomize` and every object validated
// offline against the Kubernetes API schemas (kubernetes-models, Kubernetes 1.3x OpenAPI), then the
// topology the issue asks for checked on the rendered objects. There is no cluster here: nothing is
// applied (README "Kubernetes").
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { parseAllDocuments } from 'yaml'
import * as core from 'kubernetes-models/v1'
import * as apps from 'kubernetes-models/apps/v1'
import * as autoscaling from 'kubernetes-models/autoscaling/v2'
import * as networking from 'kubernetes-models/networking.k8s.io/v1'
import * as policy from 'kubernetes-models/policy/v1'
import { ROOT } from '../helpers/server.ts'

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: any; data?: Record<string, string> }

const MODELS: Record<string, Record<string, unknown>> = {
  v1: core,
  'apps/v1': apps,
  'autoscaling/v2': autoscaling,
  'networking.k8s.io/v1': networking,
  'policy/v1': policy,
}

function render(overlay: string): Obj[] {
  const r = spawnSync('kubectl', ['kustomize', `deploy/k8s/overlays/${overlay}`], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  assert.equal(r.status, 0, r.stderr)
  return parseAllDocuments(r.stdout).map((d) => d.toJSON() as Obj)
}

/** Validates one object with the model of its apiVersion and kind; throws on any schema error. */
function validate(o: Obj): void {
  const Model = MODELS[o.apiVersion]?.[o.kind] as (new (x: unknown) => { validate(): void }) | undefined
  assert.ok(Model, `no schema for ${o.apiVersion} ${o.kind}`)
  new Model(o).validate()
}

const find = (objs: Obj[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)
const labelsMatch = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v)
const workloads = (objs: Obj[]) => objs.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN)

/** What both overlays must hold: references resolve, probes, resources, graceful termination. */
function checkCommon(objs: Obj[], namespace: string): void {
  for (const o of objs) validate(o)
  for (const o of objs) if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, namespace, `${o.kind}/${o.metadata.name}`)
  const config = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('oglogstream-config'))
  assert.ok(config?.data)
  const shutdownS = seconds(config.data.SHUTDOWN_TIMEOUT as string)
  assert.ok(shutdownS > 0)
  for (const w of workloads(objs)) {
    const pod = w.spec.template.spec
    assert.ok(labelsMatch(w.spec.selector.matchLabels, w.spec.template.metadata.labels), `${w.metadata.name}: selector matches its pods`)
    for (const c of pod.containers) {
      assert.ok(
        c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.memory,
        `${w.metadata.name}: requests and limits`,
      )
      assert.ok(c.readinessProbe && c.livenessProbe, `${w.metadata.name}: probes`)
      if (w.metadata.name !== 'nats') {
        assert.equal(c.readinessProbe.httpGet.path, '/health')
        assert.equal(c.livenessProbe.httpGet.path, '/health')
        assert.ok(pod.terminationGracePeriodSeconds > shutdownS + 5, `${w.metadata.name}: grace period beyond SHUTDOWN_TIMEOUT and preStop`)
        // Every referenced ConfigMap exists; the Secret is generated (dev) or created by the operator (prod).
        for (const ref of c.envFrom ?? [])
          if (ref.configMapRef) assert.ok(find(objs, 'ConfigMap', ref.configMapRef.name), ref.configMapRef.name)
        assert.ok(
          c.envFrom.some((r: any) => r.secretRef?.name.startsWith('oglogstream-secrets')),
          'API keys from a Secret',
        )
      }
    }
    for (const v of pod.volumes ?? []) if (v.configMap) assert.ok(find(objs, 'ConfigMap', v.configMap.name), v.configMap.name)
  }
  // Services select pods that exist; the Ingress sends to Services that exist.
  for (const s of objs.filter((o) => o.kind === 'Service')) {
    assert.ok(
      workloads(objs).some((w) => labelsMatch(s.spec.selector, w.spec.template.metadata.labels)),
      `Service ${s.metadata.name} selects pods`,
    )
  }
  const ingress = objs.find((o) => o.kind === 'Ingress')
  const paths = ingress?.spec.rules.flatMap((r: any) => r.http.paths) ?? []
  for (const p of paths) assert.ok(find(objs, 'Service', p.backend.service.name), p.backend.service.name)
  const to = (path: string) => paths.find((p: any) => p.path === path)?.backend.service.name
  for (const p of ['/log', '/logs', '/es', '/loki/api/v1/push', '/v1/logs', '/journal/upload']) assert.equal(to(p), 'ingest', p)
  assert.equal(to('/'), 'query')
  // NATS: JetStream with sync_interval: always.
  const natsConf = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nats-config'))?.data?.['nats.conf'] ?? ''
  assert.match(natsConf, /^\s*sync_interval: always$/m)
  assert.match(natsConf, /store_dir: \/data\/jetstream/)
}

test('prod renders to valid objects: 3-server NATS, ingest/query/process with probes, PDBs, HPAs, Ingress', () => {
  const objs = render('prod')
  checkCommon(objs, 'oglogstream')
  const nats = find(objs, 'StatefulSet', 'nats')
  assert.equal(nats?.spec.replicas, 3)
  assert.ok(nats?.spec.volumeClaimTemplates?.length, 'persistent volumes')
  const conf = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nats-config'))?.data?.['nats.conf'] ?? ''
  for (const i of [0, 1, 2]) assert.match(conf, new RegExp(`nats-route://nats-${i}\\.nats:6222`))
  const config = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('oglogstream-config'))
  assert.equal(config?.data?.NATS_REPLICAS, '3')
  for (const name of ['ingest', 'query', 'process']) {
    const d = find(objs, 'Deployment', name)
    assert.ok(d, name)
    assert.deepEqual(d.spec.template.spec.containers[0].args, [name])
    assert.match(d.spec.template.spec.containers[0].image, /^registry\.example\.com\/oglogstream:0\.1\.0$/)
    const pdb = objs.find(
      (o) => o.kind === 'PodDisruptionBudget' && labelsMatch(o.spec.selector.matchLabels, d.spec.template.metadata.labels),
    )
    assert.ok(pdb, `${name}: PodDisruptionBudget`)
  }
  assert.ok(objs.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'nats'))
  for (const name of ['ingest', 'process']) {
    const hpa = find(objs, 'HorizontalPodAutoscaler', name)
    assert.equal(hpa?.spec.scaleTargetRef.name, name)
    assert.ok(find(objs, 'Deployment', hpa?.spec.scaleTargetRef.name))
    assert.ok(hpa.spec.maxReplicas > hpa.spec.minReplicas)
  }
  assert.equal(find(objs, 'Deployment', 'ingest')?.spec.replicas, 3)
  assert.equal(find(objs, 'Secret', 'oglogstream-secrets'), undefined, 'prod keys are not in the repository')
})

test('dev renders to valid objects: one of each, the embedded store in a StatefulSet', () => {
  const objs = render('dev')
  checkCommon(objs, 'oglogstream-dev')
  assert.equal(find(objs, 'StatefulSet', 'nats')?.spec.replicas, 1)
  const natsConf = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nats-config'))?.data?.['nats.conf'] ?? ''
  assert.doesNotMatch(natsConf, /cluster \{/)
  const store = find(objs, 'StatefulSet', 'store')
  assert.deepEqual(store?.spec.template.spec.containers[0].args, ['process,query'])
  assert.equal(store?.spec.replicas, 1)
  assert.ok(store?.spec.volumeClaimTemplates?.length)
  assert.deepEqual(
    workloads(objs)
      .map((w) => w.metadata.name)
      .sort(),
    ['ingest', 'nats', 'store'],
  )
  assert.equal(objs.filter((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'PodDisruptionBudget').length, 0)
  assert.ok(objs.find((o) => o.kind === 'Secret' && o.metadata.name.startsWith('oglogstream-secrets')))
})

test('the validation can fail: a wrong type is refused', () => {
  const d = structuredClone(render('prod').find((o) => o.kind === 'Deployment') as Obj)
  d.spec.replicas = 'three'
  assert.throws(() => validate(d), /replicas/)
  const p = structuredClone(render('prod').find((o) => o.kind === 'PodDisruptionBudget') as Obj)
  p.spec.selector = 'app=x'
  assert.throws(() => validate(p))
})
