export { TrawlContainer, createContainer, type ContainerHealth, type ComponentHealth, type WarmUpReport } from './container.js';
export { loadSettings, describeSettings, type TrawlSettings, type TrawlSettingsInput } from './settings.js';
