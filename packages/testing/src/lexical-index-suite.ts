/** Where the test command's Zoekt is: `tools/services/zoekt.sh` exports these. Throws (never skips) when missing. */
export function zoektTestEnv(): { url: string; indexDir: string; binDir: string } {
  const url = process.env.ZOEKT_URL;
  const indexDir = process.env.ZOEKT_INDEX_DIR;
  const binDir = process.env.ZOEKT_BIN_DIR;
  if (!url || !indexDir || !binDir) {
    throw new Error('ZOEKT_URL, ZOEKT_INDEX_DIR and ZOEKT_BIN_DIR are not set: run the tests with `npm test`, which builds and starts Zoekt (tools/services/zoekt.sh)');
  }
  return { url, indexDir, binDir };
}
