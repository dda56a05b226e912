// The account page's list of the user's open sessions.

/** A session's device as shown: "Firefox on Linux", or "Unknown device". */
export function deviceName(device: string | null | undefined): string {
  const d = device?.trim();
  return d ? d : 'Unknown device';
}

/**
 * The current session first, then the others as the server orders them
 * (the most recently used first).
 */
export function orderSessions<S extends { current: boolean }>(sessions: readonly S[]): S[] {
  return [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];
}
