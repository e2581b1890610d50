/**
 * Splits an identifier into lower-case words at case changes, digits boundaries and separators:
 * `parseHTTPRequest2` -> `parse http request 2`, `create_user` -> `create user`,
 * `ChunkStore.save` -> `chunk store save`.
 */
export function identifierWords(identifier: string): string[] {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])([0-9])/g, '$1 $2')
    .split(/[^A-Za-z0-9\u00C0-\uFFFF]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/**
 * The form identifiers are matched on: words joined without separators, lower case. `createUser`,
 * `create_user`, `CreateUser` and `create-user` all become `createuser`, so naming conventions do
 * not matter and trigram similarity only has to absorb real typos (`craeteuser`).
 */
export function normalizeIdentifier(identifier: string): string {
  return identifierWords(identifier).join('');
}
