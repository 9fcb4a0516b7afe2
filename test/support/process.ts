/**
 * Environment for a child process started by a test: without tap's coverage hooks, so that the child
 * (run through tsx, with its own source maps) does not distort the suite's coverage of the same files.
 */
export function childEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS' || name.startsWith('_TAPJS') || name.startsWith('TAP')) continue
    environment[name] = value
  }
  return { ...environment, ...overrides }
}
