// Shared by the benchmarks: the CPU time another process has used, from Linux's /proc.
import { readFileSync } from 'node:fs'

/**
 * CPU milliseconds (user + system, all threads) process `pid` has used so far, in clock ticks of
 * 10 ms (so only a sum or mean over many runs means anything); NaN once the process is gone.
 *
 * @example const before = processCpuMs(server.pid); … ; processCpuMs(server.pid) - before
 */
export function processCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return NaN
  }
}
