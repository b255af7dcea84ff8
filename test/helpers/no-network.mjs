// Preloaded (node --import) into the OpenAPI tools that test/server/openapi-tools.test.ts runs: any
// connection or name lookup they attempt is refused and reported on stderr, so a tool that phones
// home (telemetry, update checks) fails the test instead of reaching the network.
import dns from 'node:dns'
import { syncBuiltinESMExports } from 'node:module'
import net from 'node:net'

function refuse(what) {
  process.stderr.write(`OUTBOUND-CALL ${what}\n`)
  throw new Error(`No network in this test: ${what}`)
}

const connect = net.Socket.prototype.connect
net.Socket.prototype.connect = function (...args) {
  const options = typeof args[0] === 'object' && args[0] !== null ? args[0] : { port: args[0], host: args[1] }
  // Unix sockets and pipes (options.path) stay local.
  if (options.path === undefined) refuse(`connect ${options.host ?? ''}:${options.port ?? ''}`)
  return connect.apply(this, args)
}
dns.lookup = (host) => refuse(`lookup ${host}`)
dns.promises.lookup = async (host) => refuse(`lookup ${host}`)
// `import { lookup } from 'node:dns'` sees the replacement too.
syncBuiltinESMExports()
