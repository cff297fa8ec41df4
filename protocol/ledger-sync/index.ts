export { LEDGER_SYNC, LEDGER_SYNC_PROTOCOL } from './constants.ts'
export { createLedgerSyncHandler, type LedgerSyncSource } from './handler.ts'
export * from './keys.ts'
export * from './schema.ts'
