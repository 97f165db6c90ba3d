// The reference for single-entry ingestion: a bare Fastify server that parses the same JSON body
// and answers 202, nothing else. Prints its address when listening.
import Fastify from 'fastify'

const app = Fastify({ logger: false, bodyLimit: 50 * 1024 })
app.post('/log', async (_req, reply) => reply.code(202).send({ status: 'accepted', timestamp: new Date().toISOString() }))
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
console.log(`reference listening ${address}`)
process.on('SIGTERM', () => app.close().then(() => process.exit(0)))
