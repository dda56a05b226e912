// The world map's shades: visitors per country in a few steps on a
// square-root scale, so that one big country does not leave all the
// others in the palest shade. Pure, for tests.

export const LEVELS = 5;

/** The shade (1..LEVELS) of `visitors` when the busiest country has `max`; 0 for none. */
export function levelOf(visitors: number, max: number): number {
  if (visitors <= 0 || max <= 0) return 0;
  return Math.min(LEVELS, Math.max(1, Math.ceil(Math.sqrt(visitors / max) * LEVELS)));
}

/** The legend: each shade's range of visitors ("1–40"), empty shades left out. */
export function legend(max: number): { level: number; from: number; to: number }[] {
  const out: { level: number; from: number; to: number }[] = [];
  let from = 1;
  for (let level = 1; level <= LEVELS && from <= max; level++) {
    // The largest count still in this level.
    let to = Math.floor((level / LEVELS) ** 2 * max);
    while (to < max && levelOf(to + 1, max) <= level) to++;
    while (to >= from && levelOf(to, max) > level) to--;
    if (to >= from) {
      out.push({ level, from, to });
      from = to + 1;
    }
  }
  return out;
}
