export { API_FILE, ApiFile, apiFilePath, readApiFile } from './api-file.ts'
export { toJsonSafe } from './json.ts'
export { ApiServer, type ApiServerComponents, type ApiServerInit } from './server.ts'
