export { TrawlContainer, createContainer, type ContainerHealth, type ComponentHealth, type WarmUpReport } from './container.js';
/** The trigram index over file text that only the PostgreSQL lexical backend reads (for `trawl doctor`). */
export { LEXICAL_TRIGRAM_INDEX } from '@trawl/postgres';
export { loadSettings, describeSettings, type TrawlSettings, type TrawlSettingsInput } from './settings.js';
