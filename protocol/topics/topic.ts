import { NETWORK_NAME_RE, PROTOCOL_PREFIX } from '../constants.ts'
import { ZkpError } from '../errors.ts'

/** Gossip message types, each on its own topic. */
export const GOSSIP_TYPES = ['ask', 'bid', 'award', 'result'] as const
export type GossipType = (typeof GOSSIP_TYPES)[number]

/** Current encoding version of each gossip type. */
export const GOSSIP_VERSIONS: Record<GossipType, number> = { ask: 1, bid: 1, award: 1, result: 1 }

export interface Topic {
  network: string
  type: GossipType
  version: number
}

/** `/zkp/<network>/<type>/<version>` */
export function stringifyTopic(topic: Topic): string {
  if (!NETWORK_NAME_RE.test(topic.network)) {
    throw new ZkpError('INVALID_FIELD', `topic.network: "${topic.network}" is not a network name`, {
      field: 'network',
    })
  }
  if (
    !(GOSSIP_TYPES as readonly string[]).includes(topic.type) ||
    GOSSIP_VERSIONS[topic.type] !== topic.version
  ) {
    throw new ZkpError(
      'INVALID_FIELD',
      `topic: ${String(topic.type)} version ${topic.version} is not supported`,
    )
  }
  return `${PROTOCOL_PREFIX}/${topic.network}/${topic.type}/${topic.version}`
}

/** Strict inverse of stringifyTopic: any other shape, unknown type or version throws. */
export function parseTopic(topic: string): Topic {
  const parts = topic.split('/')
  // ['', 'zkp', network, type, version]
  if (parts.length !== 5 || parts[0] !== '' || `/${parts[1]}` !== PROTOCOL_PREFIX) {
    throw new ZkpError(
      'INVALID_FIELD',
      `topic "${topic.slice(0, 80)}" is not /zkp/<network>/<type>/<version>`,
    )
  }
  const [, , network = '', type = '', version = ''] = parts
  if (!NETWORK_NAME_RE.test(network))
    throw new ZkpError('INVALID_FIELD', `topic network "${network}" is invalid`)
  if (!(GOSSIP_TYPES as readonly string[]).includes(type)) {
    throw new ZkpError('INVALID_FIELD', `topic type "${type}" is unknown`)
  }
  if (!/^[1-9][0-9]{0,3}$/.test(version))
    throw new ZkpError('INVALID_FIELD', `topic version "${version}" is invalid`)
  const t = type as GossipType
  const v = Number(version)
  if (v !== GOSSIP_VERSIONS[t])
    throw new ZkpError('INVALID_FIELD', `topic ${t} version ${v} is not supported`)
  return { network, type: t, version: v }
}

export function topicsFor(network: string): Record<GossipType, string> {
  const out = {} as Record<GossipType, string>
  for (const type of GOSSIP_TYPES)
    out[type] = stringifyTopic({ network, type, version: GOSSIP_VERSIONS[type] })
  return out
}
