// A site's `allowedPropertyKeys` (docs/api.md, updateSite) as the settings
// form edits them: a text of keys, one a line or separated by commas.
// Keys may hold spaces ("plan name"), so only commas and line breaks
// separate them; the server checks their number and length.

/** The keys of the form's text, trimmed, empty ones and repeats left out, in order. */
export function parsePropertyKeys(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/[,\n\r]+/)) {
    const key = raw.trim();
    if (key && !out.includes(key)) out.push(key);
  }
  return out;
}

/** The form's text for the keys a site keeps: one a line. */
export function propertyKeysText(keys: readonly string[]): string {
  return keys.join('\n');
}
