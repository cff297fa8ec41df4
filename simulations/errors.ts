/** What can go wrong in a simulation, by code; callers branch on `code`, never on message text. */
export type SimulationErrorCode =
  /** The scenario file is missing, is not JSON, or breaks the schema (the message names the field). */
  | 'BAD_SCENARIO'
  /** The scenario asks for something this machine does not have (a circuit build, say). */
  | 'SETUP_FAILED'
  /** The run hit its time bound before its load finished. */
  | 'TIMEOUT'
  /** The run was stopped from outside (SIGINT). */
  | 'ABORTED'

export class SimulationError extends Error {
  readonly code: SimulationErrorCode
  readonly field: string | undefined

  constructor(code: SimulationErrorCode, message: string, field?: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SimulationError'
    this.code = code
    this.field = field
  }
}
