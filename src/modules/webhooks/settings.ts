import type { Config } from '../../config.js'

/**
 * Operator settings of webhook delivery, `config.webhooks` (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOWED_HOSTS,
 * WEBHOOK_MAX_ATTEMPTS, WEBHOOK_TIMEOUT_MS in src/config.ts).
 */
export interface WebhookSettings {
  /** Accept http:// receivers (local testing only); https is required otherwise. */
  allowHttp: boolean
  /** Host names, IP addresses or CIDR ranges that may be reached even though they are private. */
  allowedHosts: string[]
  /** Attempts per event and subscription before the delivery is dead-lettered. */
  maxAttempts: number
  /** Connect plus response time allowed to a receiver, per attempt. */
  timeoutMs: number
}

const defaultWebhookSettings: WebhookSettings = {
  allowHttp: false,
  allowedHosts: [],
  maxAttempts: 10,
  timeoutMs: 10_000,
}

/**
 * A delivery holds its job's lease (60 s) while it waits for the receiver; capping the timeout well
 * below it means no other worker can take the job over while this one is still talking to the receiver.
 */
const maxDeliveryTimeoutMs = 30_000

/**
 * Read on every use, so settings changed after start (a test, a reload) are honoured; a Config built by
 * hand without `webhooks` gets the safe defaults.
 */
export function webhookSettings(config: Config): WebhookSettings {
  const configured: Partial<WebhookSettings> | undefined = config.webhooks
  const settings = { ...defaultWebhookSettings, ...configured }
  return {
    ...settings,
    timeoutMs: Math.min(Math.max(settings.timeoutMs, 100), maxDeliveryTimeoutMs),
    maxAttempts: Math.max(1, settings.maxAttempts),
  }
}
