/** The only source of "now" for the service; rules take `now` as an argument instead of reading it. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }
