/**
 * Named points inside a refresh where the crash test kills the process
 * (`QUARRY_FAULT_POINT=refresh:token-received`), to prove a death at any of
 * them loses no grant. Inert unless that variable names the point.
 */
export type FaultPoint = 'refresh:locked' | 'refresh:token-received' | 'refresh:saved' | 'refresh:committed'

export function faultPoint(point: FaultPoint): void {
  if (process.env.QUARRY_FAULT_POINT === point) process.kill(process.pid, 'SIGKILL')
}
